//! Partition leadership lost (`partition_leadership_lost`): some partitions
//! of the alert topic have no leader until a new one is elected. A produce
//! to such a partition gets NOT_LEADER_FOR_PARTITION; librdkafka refreshes
//! its metadata and retries until the partition has a leader again or the
//! message's `delivery.timeout.ms` runs out. Produces to other partitions
//! go on as usual.
//!
//! The alerts have a null key, so each one lands on a partition drawn from
//! the seed (uniformly; librdkafka's partitioner spreads keyless messages
//! over all partitions). Which partitions lose their leader is drawn from
//! the seed too. Draws happen only while some partition is leaderless, so a
//! run without the fault draws nothing.

use std::collections::BTreeSet;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::time::SimTime;

/// Partitions without a leader, per fault.
#[derive(Debug, Clone, Default)]
pub struct Leadership {
    lost: Vec<LostSet>,
}

#[derive(Debug, Clone)]
struct LostSet {
    fault: u32,
    partitions: BTreeSet<u32>,
    until: SimTime,
}

/// What the next alerts of a batch meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Alerts, from the next one on, whose partition has a leader.
    pub normal: u32,
    /// Then one alert whose partition has none until this time (absent when
    /// the `normal` alerts are the rest of the batch).
    pub stalled_until: Option<SimTime>,
}

/// `count` distinct partitions out of `0..partitions`, drawn from `rng`
/// (a partial Fisher-Yates shuffle), sorted.
pub fn choose(partitions: u32, count: u32, rng: &mut ChaCha8Rng) -> BTreeSet<u32> {
    let mut all: Vec<u32> = (0..partitions).collect();
    let count = count.min(partitions) as usize;
    for i in 0..count {
        let j = rng.random_range(i..all.len());
        all.swap(i, j);
    }
    all.truncate(count);
    all.into_iter().collect()
}

impl Leadership {
    /// Fault `fault` takes the leaders of `partitions` away until `until`.
    pub fn lose(&mut self, fault: u32, partitions: BTreeSet<u32>, until: SimTime) {
        self.lost.push(LostSet {
            fault,
            partitions,
            until,
        });
    }

    /// Fault `fault` is over: its partitions have leaders again. Whether
    /// the fault had taken any.
    pub fn restore(&mut self, fault: u32) -> bool {
        let before = self.lost.len();
        self.lost.retain(|l| l.fault != fault);
        self.lost.len() != before
    }

    /// Whether some partition has no leader at `at`.
    pub fn any_lost(&self, at: SimTime) -> bool {
        self.lost
            .iter()
            .any(|l| l.until > at && !l.partitions.is_empty())
    }

    /// When `partition` has a leader again, if it has none at `at`.
    pub fn leaderless_until(&self, partition: u32, at: SimTime) -> Option<SimTime> {
        self.lost
            .iter()
            .filter(|l| l.until > at && l.partitions.contains(&partition))
            .map(|l| l.until)
            .max()
    }

    /// How the next `left` alerts produced from `at` meet the partitions:
    /// each alert's partition is drawn with `draw` (in `0..partitions`)
    /// until one has no leader. Draws nothing while every partition has one.
    pub fn next_run(&self, left: u32, at: SimTime, mut draw: impl FnMut() -> u32) -> Run {
        if !self.any_lost(at) {
            return Run {
                normal: left,
                stalled_until: None,
            };
        }
        for k in 0..left {
            if let Some(until) = self.leaderless_until(draw(), at) {
                return Run {
                    normal: k,
                    stalled_until: Some(until),
                };
            }
        }
        Run {
            normal: left,
            stalled_until: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    #[test]
    fn partitions_are_distinct_and_the_same_for_the_same_seed() {
        let a = choose(45, 3, &mut stream(7, Stream::Partitions));
        assert_eq!(a, choose(45, 3, &mut stream(7, Stream::Partitions)));
        assert_eq!(a.len(), 3);
        assert!(a.iter().all(|&p| p < 45));
        let all = choose(45, 45, &mut stream(7, Stream::Partitions));
        assert_eq!(all, (0..45).collect());
        assert_eq!(choose(4, 9, &mut stream(7, Stream::Partitions)).len(), 4);
    }

    #[test]
    fn a_run_ends_at_the_first_alert_on_a_leaderless_partition() {
        let mut l = Leadership::default();
        let until = secs(30);
        l.lose(0, [1, 4].into_iter().collect(), until);
        let mut draws = [0, 2, 4, 1].into_iter();
        let run = l.next_run(10, secs(1), || draws.next().unwrap_or(0));
        // Partitions 0 and 2 have leaders, 4 has none.
        assert_eq!(
            run,
            Run {
                normal: 2,
                stalled_until: Some(until)
            }
        );
        // At the election the partitions have leaders again: no draw at all.
        let run = l.next_run(10, until, || panic!("no draw after the election"));
        assert_eq!(run.normal, 10);
        l.restore(0);
        assert!(!l.any_lost(SimTime::ZERO));
    }

    #[test]
    fn overlapping_faults_hold_a_partition_until_the_later_election() {
        let mut l = Leadership::default();
        l.lose(0, [3].into_iter().collect(), secs(10));
        l.lose(1, [3, 5].into_iter().collect(), secs(20));
        assert_eq!(l.leaderless_until(3, secs(5)), Some(secs(20)));
        assert_eq!(l.leaderless_until(5, secs(20)), None);
        assert_eq!(l.leaderless_until(0, secs(5)), None);
    }
}
