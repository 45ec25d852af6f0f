//! The Kubernetes API client's rate limit: a token bucket (KEDA's operator
//! defaults: 20 requests/s, burst 30), written as a generic cell rate
//! algorithm over exact durations so that it never reads a clock.
//!
//! A caller that blocks on each request (as KEDA's executor does while it
//! creates Jobs one API call at a time) asks [`TokenBucket::reserve`] when
//! it may send, then sends at that time. A full bucket lets `burst` requests
//! through at once, then one every `1 / rate`.

use std::time::Duration;

/// KEDA operator's `--kube-api-qps` default.
pub const KEDA_API_QPS: u32 = 20;
/// KEDA operator's `--kube-api-burst` default.
pub const KEDA_API_BURST: u32 = 30;

/// A token bucket driven by the caller's time (time since any fixed origin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    /// Time between two tokens.
    interval: Duration,
    /// How far ahead of the theoretical arrival time a request may go:
    /// `(burst - 1) * interval`.
    tolerance: Duration,
    /// Theoretical arrival time of the next request when sent at the rate.
    next_arrival: Duration,
}

impl Default for TokenBucket {
    /// KEDA's defaults: 20 requests/s, burst 30, starting full.
    fn default() -> Self {
        Self::new(KEDA_API_QPS, KEDA_API_BURST)
    }
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `rate_per_sec`. A rate of
    /// 0 is read as 1 per second and a burst of 0 as 1.
    pub fn new(rate_per_sec: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(1) / rate_per_sec.max(1);
        Self {
            interval,
            tolerance: interval * (burst.max(1) - 1),
            next_arrival: Duration::ZERO,
        }
    }

    /// Takes one token for a request wanted at `now`; returns when it may be
    /// sent (`now` or later). Later requests queue behind it.
    pub fn reserve(&mut self, now: Duration) -> Duration {
        let allowed = now.max(self.next_arrival.saturating_sub(self.tolerance));
        self.next_arrival = self.next_arrival.max(now) + self.interval;
        allowed
    }

    /// Reserves `count` requests sent one after the other, the first wanted
    /// at `now`; returns their send times.
    pub fn reserve_sequential(&mut self, now: Duration, count: u32) -> Vec<Duration> {
        let mut times = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut at = now;
        for _ in 0..count {
            at = self.reserve(at);
            times.push(at);
        }
        times
    }

    /// How many requests could be sent at `now` without waiting.
    pub fn available(&self, now: Duration) -> u32 {
        let horizon = now + self.tolerance + self.interval;
        let room = horizon.saturating_sub(self.next_arrival.max(now));
        u32::try_from(room.as_nanos() / self.interval.as_nanos().max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_of_thirty_then_twenty_per_second() {
        let mut bucket = TokenBucket::default();
        let t0 = Duration::from_secs(100);
        assert_eq!(bucket.available(t0), 30);
        let times = bucket.reserve_sequential(t0, 70);
        assert!(times[..30].iter().all(|t| *t == t0));
        assert_eq!(times[30], t0 + Duration::from_millis(50));
        assert_eq!(times[69], t0 + Duration::from_millis(50 * 40));
        assert_eq!(bucket.available(times[69]), 0);
    }

    #[test]
    fn refills_while_idle_up_to_the_burst() {
        let mut bucket = TokenBucket::new(20, 30);
        bucket.reserve_sequential(Duration::ZERO, 30);
        assert_eq!(bucket.available(Duration::ZERO), 0);
        assert_eq!(bucket.available(Duration::from_millis(500)), 10);
        assert_eq!(bucket.available(Duration::from_secs(60)), 30);
    }
}
