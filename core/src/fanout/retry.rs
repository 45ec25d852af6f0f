//! The fan-out's retry of one detector's `XADD`, as Rubin's
//! `next_visit_fan_out` configures redis-py (`Retry(ExponentialBackoff(cap,
//! base), retries)`, defaults `REDIS_RETRY_COUNT` 3, `REDIS_RETRY_INITIAL_DELAY`
//! 1 s, `REDIS_RETRY_DELAY_CAP` 5 s). redis-py waits `min(cap, base *
//! 2^failures)` after the n-th failure (so 2 s, 4 s, 5 s: the first wait is
//! twice the base) and gives up after `retries` retries. Each detector is
//! its own asyncio task that nobody awaits: a detector whose last attempt
//! fails is silently missing while the others are written.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How one detector's write is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRetry {
    /// Retries after the first attempt.
    pub retries: u32,
    /// redis-py's `base`.
    pub base: Duration,
    /// redis-py's `cap`: the longest wait.
    pub cap: Duration,
}

impl WriteRetry {
    /// Rubin's fan-out: 3 retries, base 1 s, cap 5 s.
    pub const fn rubin() -> Self {
        Self {
            retries: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(5),
        }
    }

    /// The wait after the `failures`-th failure in a row (from 1), or `None`
    /// when the detector is given up (dropped).
    pub fn delay_after(&self, failures: u32) -> Option<Duration> {
        if failures == 0 || failures > self.retries {
            return None;
        }
        // 2^failures saturates long before u32 overflows matter: the cap wins.
        let factor = 2u32.checked_pow(failures).unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.cap))
    }

    /// When each attempt is made, from the first at `start`: the attempt
    /// times until the detector is given up.
    pub fn attempts(&self, start: Duration) -> Vec<Duration> {
        let mut at = start;
        let mut times = vec![at];
        let mut failures = 1;
        while let Some(delay) = self.delay_after(failures) {
            at += delay;
            times.push(at);
            failures += 1;
        }
        times
    }
}

impl Default for WriteRetry {
    fn default() -> Self {
        Self::rubin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubin_waits_2_4_then_5_seconds_and_gives_up_after_the_third_retry() {
        let r = WriteRetry::rubin();
        let secs = Duration::from_secs;
        assert_eq!(r.delay_after(1), Some(secs(2)));
        assert_eq!(r.delay_after(2), Some(secs(4)));
        assert_eq!(r.delay_after(3), Some(secs(5)));
        assert_eq!(r.delay_after(4), None);
        assert_eq!(
            r.attempts(secs(100)),
            vec![secs(100), secs(102), secs(106), secs(111)]
        );
    }

    #[test]
    fn no_retries_means_one_attempt() {
        let r = WriteRetry {
            retries: 0,
            ..WriteRetry::rubin()
        };
        assert_eq!(r.delay_after(1), None);
        assert_eq!(r.attempts(Duration::ZERO), vec![Duration::ZERO]);
    }

    #[test]
    fn large_failure_counts_stay_at_the_cap() {
        let r = WriteRetry {
            retries: 60,
            ..WriteRetry::rubin()
        };
        assert_eq!(r.delay_after(60), Some(Duration::from_secs(5)));
    }
}
