//! The KEDA operator's container crashing and being restarted by the
//! kubelet: Kubernetes' restart back-off (`CrashLoopBackOff`).
//!
//! From the Kubernetes documentation (Pod lifecycle, "Container restarts"):
//! after a container exits, the kubelet restarts it with an exponential
//! back-off delay of 10 s, 20 s, 40 s, ... capped at 300 s (five minutes);
//! once a container has run for 10 minutes without a problem, the back-off
//! starts again from 10 s. (The kubelet's own code restarts the very first
//! crash at once and applies 10 s from the second; the operator also waits
//! for its leader-election lease, 15 s by default, which the crashed process
//! never released. Both are left out: the documented figures are used.)

use std::time::Duration;

/// The first restart delay.
pub const RESTART_BACKOFF_INITIAL: Duration = Duration::from_secs(10);
/// The longest restart delay.
pub const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(300);
/// A container that has run this long without crashing starts again from
/// [`RESTART_BACKOFF_INITIAL`].
pub const RESTART_BACKOFF_RESET: Duration = Duration::from_secs(600);

/// One container's crashes and the kubelet's restart back-off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrashLoop {
    /// Crashes so far.
    crashes: u64,
    /// The delay before the next restart if the container crashed now
    /// (zero before the first crash).
    next_delay: Duration,
    /// When the running container started (`None` before the first crash:
    /// it has run since the start of time).
    started: Option<Duration>,
}

impl CrashLoop {
    /// A container that has never crashed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Crashes so far.
    pub fn crashes(&self) -> u64 {
        self.crashes
    }

    /// The container crashes at `now`; returns when it runs again.
    pub fn crash(&mut self, now: Duration) -> Duration {
        self.crashes += 1;
        let ran_long = self
            .started
            .is_none_or(|started| now.saturating_sub(started) >= RESTART_BACKOFF_RESET);
        self.next_delay = if ran_long || self.next_delay.is_zero() {
            RESTART_BACKOFF_INITIAL
        } else {
            (self.next_delay * 2).min(RESTART_BACKOFF_MAX)
        };
        let restart = now + self.next_delay;
        self.started = Some(restart);
        restart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn doubles_from_ten_seconds_up_to_five_minutes() {
        let mut lp = CrashLoop::new();
        let mut now = s(100);
        let mut delays = Vec::new();
        for _ in 0..8 {
            let back = lp.crash(now);
            delays.push((back - now).as_secs());
            now = back + s(2);
        }
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(lp.crashes(), 8);
    }

    #[test]
    fn ten_quiet_minutes_reset_the_back_off() {
        let mut lp = CrashLoop::new();
        let back = lp.crash(s(0));
        let back = lp.crash(back + s(1));
        assert_eq!(back, s(10 + 1 + 20));
        let late = back + RESTART_BACKOFF_RESET;
        assert_eq!(lp.crash(late), late + RESTART_BACKOFF_INITIAL);
        let soon = late + RESTART_BACKOFF_INITIAL + s(599);
        assert_eq!(lp.crash(soon), soon + s(20), "599 s is not long enough");
    }
}
