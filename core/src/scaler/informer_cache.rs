//! The Job counts as KEDA's operator sees them: through controller-runtime's
//! informer cache, which follows the API server a little late.
//!
//! KEDA lists Jobs (and each Job's pods) from the cache, not the API
//! server, so right after a burst of creations the new Jobs are not yet
//! listed, and a Job that started or finished still shows its old state.
//! [`InformerCache`] models this as a fixed lag: at a poll at `now` the
//! counts seen are the counts as they were at `now - lag`. A change that
//! happened exactly `lag` ago is seen.
//!
//! The driver tells the cache every change of one Job's contribution to R
//! and P ([`InformerCache::record`]) and asks, at a poll, for the counts
//! seen given the true counts ([`InformerCache::seen`]): the changes of the
//! last `lag` are taken back out. Only those changes are held, so the memory
//! is bounded by the changes in one lag. A lag of zero holds nothing.

use std::collections::VecDeque;
use std::time::Duration;

use super::decision::JobCounts;

/// How one Job counts towards KEDA's running (R) and pending (P) Jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Counted {
    /// Not counted: absent, or Complete/Failed.
    #[default]
    No,
    /// In R, not in P.
    Running,
    /// In R and in P.
    Pending,
}

impl Counted {
    /// `(R, P)` contribution.
    fn as_pair(self) -> (i64, i64) {
        match self {
            Counted::No => (0, 0),
            Counted::Running => (1, 0),
            Counted::Pending => (1, 1),
        }
    }
}

/// One change of the counts at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Change {
    at: Duration,
    running: i64,
    pending: i64,
}

/// Recent changes of the Job counts not yet in the informer cache.
#[derive(Clone, Debug, Default)]
pub struct InformerCache {
    lag: Duration,
    /// Changes newer than `lag` at the last question, oldest first.
    recent: VecDeque<Change>,
}

impl InformerCache {
    /// A cache that follows the API server `lag` late (zero: at once).
    pub fn new(lag: Duration) -> Self {
        Self {
            lag,
            recent: VecDeque::new(),
        }
    }

    /// The lag.
    pub fn lag(&self) -> Duration {
        self.lag
    }

    /// Whether a change at `at` is in the cache at `now`.
    pub fn shows(&self, at: Duration, now: Duration) -> bool {
        at + self.lag <= now
    }

    /// One Job's contribution changed from `from` to `to` at `at` (times
    /// never decrease from one call to the next).
    pub fn record(&mut self, at: Duration, from: Counted, to: Counted) {
        if self.lag.is_zero() || from == to {
            return;
        }
        let (r0, p0) = from.as_pair();
        let (r1, p1) = to.as_pair();
        self.recent.push_back(Change {
            at,
            running: r1 - r0,
            pending: p1 - p0,
        });
    }

    /// The counts seen at `now` when the true counts are `truth`: those of
    /// `now - lag`. Forgets the changes that are in the cache by `now`
    /// (asking again for an earlier time is not supported).
    pub fn seen(&mut self, now: Duration, truth: JobCounts) -> JobCounts {
        while self.recent.front().is_some_and(|c| c.at + self.lag <= now) {
            self.recent.pop_front();
        }
        let (mut running, mut pending) = (i64::from(truth.running), i64::from(truth.pending));
        for change in &self.recent {
            running -= change.running;
            pending -= change.pending;
        }
        let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let running = clamp(running);
        JobCounts::new(running, clamp(pending).min(running))
    }

    /// Changes held (not yet seen at the last question).
    pub fn held(&self) -> usize {
        self.recent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_new_job_is_seen_only_after_the_lag() {
        let mut cache = InformerCache::new(ms(500));
        cache.record(ms(1000), Counted::No, Counted::Pending);
        let truth = JobCounts::new(4, 1);
        assert_eq!(cache.seen(ms(1200), truth), JobCounts::new(3, 0));
        assert_eq!(cache.seen(ms(1499), truth), JobCounts::new(3, 0));
        assert_eq!(cache.seen(ms(1500), truth), truth, "exactly the lag");
        assert_eq!(cache.held(), 0);
    }

    #[test]
    fn state_changes_are_seen_late_too() {
        let mut cache = InformerCache::new(ms(500));
        // A pending Job's pod runs, another Job finishes.
        cache.record(ms(0), Counted::Pending, Counted::Running);
        cache.record(ms(300), Counted::Running, Counted::No);
        let truth = JobCounts::new(1, 0);
        assert_eq!(cache.seen(ms(400), truth), JobCounts::new(2, 1));
        assert_eq!(cache.seen(ms(600), truth), JobCounts::new(2, 0));
        assert_eq!(cache.seen(ms(800), truth), truth);
    }

    #[test]
    fn a_burst_of_creations_is_counted_short() {
        // 30 Jobs at once at t = 0, then one every 50 ms (KEDA's limiter):
        // at 1 s, those of the last 500 ms are missing.
        let mut cache = InformerCache::new(ms(500));
        let mut truth = JobCounts::default();
        let mut created = |cache: &mut InformerCache, at| {
            cache.record(at, Counted::No, Counted::Pending);
            truth.running += 1;
            truth.pending += 1;
        };
        for _ in 0..30 {
            created(&mut cache, ms(0));
        }
        for k in 1..=20 {
            created(&mut cache, ms(50 * k));
        }
        let seen = cache.seen(ms(1000), truth);
        assert_eq!(truth, JobCounts::new(50, 50));
        // Created at or before 500 ms: 30 + 10.
        assert_eq!(seen, JobCounts::new(40, 40));
    }

    #[test]
    fn zero_lag_sees_the_truth_and_holds_nothing() {
        let mut cache = InformerCache::new(Duration::ZERO);
        cache.record(ms(5), Counted::No, Counted::Pending);
        assert_eq!(cache.held(), 0);
        let truth = JobCounts::new(7, 2);
        assert_eq!(cache.seen(ms(5), truth), truth);
        assert!(cache.shows(ms(5), ms(5)));
    }
}
