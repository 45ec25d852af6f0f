//! Where each partition of the alert topic lives: its replicas on the
//! brokers, its leader, and the brokers' share of the bytes written.
//!
//! **Placement on topic creation.** Production runs Kafka 4.1 in KRaft mode,
//! where the controller places a new topic's replicas with the striped
//! placer (read from apache/kafka
//! `metadata/src/main/java/org/apache/kafka/metadata/placement/StripedReplicaPlacer.java`;
//! the ZooKeeper-era `AdminUtils` rule is not used by KRaft controllers).
//! Without racks, as here, it walks the brokers (sorted by id) from a random
//! offset: each partition's replicas are consecutive brokers of that order,
//! the first one its preferred leader, and the next partition starts one
//! broker further. After as many partitions as there are brokers the order
//! is shuffled again. So every block of `brokers` partitions gives each
//! broker one leadership and `replication_factor` replicas: 45 partitions
//! on 5 brokers with RF 3 give each broker 9 leaders and 27 replicas. The
//! random offset and shuffles are drawn from the seed here (Kafka draws them
//! from `java.util.Random`), so which partitions share a broker differs from
//! production's, while the counts per broker do not.
//!
//! **Leaders as brokers come and go.** A broker that goes down loses its
//! leaderships to the next replica of each partition in preferred order
//! that is up (the ISR's first live member); a partition with no replica up
//! has no leader. A broker that comes back rejoins the ISRs at once (its
//! catch-up is not modelled) but leads nothing until the controller's next
//! leader-imbalance check (`auto.leader.rebalance.enable`, true by default,
//! every `leader.imbalance.check.interval.seconds`, default 300 s; the checks
//! fall on multiples of the interval from the run's start, an estimate of
//! their phase) moves leadership back to the preferred leaders. A stalled
//! broker (`broker_stalled`) takes no writes as a leader and copies nothing
//! as a follower for the stall.
//!
//! **Bytes per broker.** The packager produces without a key, so
//! librdkafka's partitioner spreads the alerts over the partitions; the
//! model spreads each batch's delivered bytes evenly over the partitions
//! that have a leader (exact on average, not per batch). A partition's
//! bytes are ingress at its leader and are copied to each in-sync follower
//! (replication out of the leader, into the follower). Readers fetch from
//! the leaders, so their egress follows the leaders' share (`reports`
//! apportions it). The shares are recomputed only when a broker's state
//! changes, so a batch costs O(brokers), never O(alerts).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::time::{SimDuration, SimTime};

/// Each partition's replicas in preferred order, the striped placer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    brokers: u32,
    replicas: Vec<Vec<u32>>,
}

impl Placement {
    /// `partitions` partitions of `replication_factor` replicas (at most
    /// `brokers`) on brokers `0..brokers`, the offset and the shuffles drawn
    /// from `rng`.
    pub fn striped(
        brokers: u32,
        partitions: u32,
        replication_factor: u32,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let n = brokers.max(1);
        let rf = replication_factor.clamp(1, n);
        let mut order: Vec<u32> = (0..n).collect();
        let mut offset = rng.random_range(0..n);
        let mut replicas = Vec::with_capacity(partitions as usize);
        for p in 0..partitions {
            if p > 0 {
                offset = (offset + 1) % n;
                if p % n == 0 && n > 1 {
                    shuffle(&mut order, rng);
                }
            }
            replicas.push(
                (0..rf)
                    .map(|j| order[((offset + j) % n) as usize])
                    .collect(),
            );
        }
        Placement {
            brokers: n,
            replicas,
        }
    }

    /// Brokers of the cluster.
    pub fn brokers(&self) -> u32 {
        self.brokers
    }

    /// Partitions of the topic.
    pub fn partitions(&self) -> u32 {
        u32::try_from(self.replicas.len()).unwrap_or(u32::MAX)
    }

    /// Partition `p`'s replicas, its preferred leader first.
    pub fn replicas(&self, p: u32) -> &[u32] {
        self.replicas.get(p as usize).map_or(&[], Vec::as_slice)
    }
}

/// A Fisher-Yates shuffle drawn from `rng`.
fn shuffle(order: &mut [u32], rng: &mut ChaCha8Rng) {
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
}

/// The bytes one broker took and sent, summed over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct BrokerBytes {
    /// Written by the producers to the partitions it led.
    pub ingress: f64,
    /// Copied into it as a follower.
    pub replication_in: f64,
    /// Copied out of it, as a leader, to the followers.
    pub replication_out: f64,
}

/// The cluster's partitions under faults: leaders, brokers down or
/// stalled, the pending preferred-leader election, and the bytes so far.
#[derive(Debug, Clone)]
pub struct Partitions {
    placement: Placement,
    /// Faults holding each broker down.
    down: Vec<u32>,
    /// Faults stalling each broker.
    stalled: Vec<u32>,
    /// Each partition's leader (None: no replica up).
    leader: Vec<Option<u32>>,
    /// The leader-imbalance check interval (None: rebalance off).
    check_interval: Option<SimDuration>,
    /// The next check that will find a preferred leader not leading.
    rebalance_at: Option<SimTime>,
    /// Per broker: (leads, follows in sync, followers it feeds), in
    /// partitions that take writes; and how many take writes.
    shares: Vec<(u32, u32, u32)>,
    writable: u32,
    bytes: Vec<BrokerBytes>,
}

impl Partitions {
    /// Every broker up, every partition led by its preferred leader; the
    /// leader-imbalance check every `check_interval_s` (0: never).
    pub fn new(placement: Placement, check_interval_s: f64) -> Self {
        let n = placement.brokers() as usize;
        let leader = placement
            .replicas
            .iter()
            .map(|r| r.first().copied())
            .collect();
        let mut p = Partitions {
            placement,
            down: vec![0; n],
            stalled: vec![0; n],
            leader,
            check_interval: (check_interval_s > 0.0 && check_interval_s.is_finite())
                .then(|| SimDuration::from_secs_f64(check_interval_s)),
            rebalance_at: None,
            shares: vec![(0, 0, 0); n],
            writable: 0,
            bytes: vec![BrokerBytes::default(); n],
        };
        p.recount();
        p
    }

    /// The placement.
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Partition `p`'s leader now (None while no replica is up).
    pub fn leader(&self, p: u32) -> Option<u32> {
        self.leader.get(p as usize).copied().flatten()
    }

    /// Partitions led by `broker` now.
    pub fn led_by(&self, broker: u32) -> Vec<u32> {
        (0..self.placement.partitions())
            .filter(|&p| self.leader(p) == Some(broker))
            .collect()
    }

    /// Partitions where `broker` is a follower of a live leader.
    pub fn followed_by(&self, broker: u32) -> Vec<u32> {
        (0..self.placement.partitions())
            .filter(|&p| {
                self.leader(p).is_some_and(|l| l != broker)
                    && self.placement.replicas(p).contains(&broker)
            })
            .collect()
    }

    fn up(&self, b: u32) -> bool {
        self.down.get(b as usize).is_some_and(|&d| d == 0)
    }

    fn working(&self, b: u32) -> bool {
        self.up(b) && self.stalled.get(b as usize).is_some_and(|&s| s == 0)
    }

    /// Broker `broker` goes down (one more fault holding it): the partitions
    /// it led move to their next live replica.
    pub fn broker_down(&mut self, broker: u32) {
        let Some(d) = self.down.get_mut(broker as usize) else {
            return;
        };
        *d += 1;
        for p in 0..self.placement.partitions() {
            if self.leader(p) == Some(broker) || self.leader(p).is_none() {
                self.leader[p as usize] = self.first_up(p);
            }
        }
        self.recount();
    }

    /// Broker `broker` comes back at `now` (when no other fault holds it):
    /// partitions that had no leader take it at once; the others wait for
    /// the next leader-imbalance check.
    pub fn broker_up(&mut self, broker: u32, now: SimTime) {
        let Some(d) = self.down.get_mut(broker as usize) else {
            return;
        };
        *d = d.saturating_sub(1);
        if *d > 0 {
            return;
        }
        for p in 0..self.placement.partitions() {
            if self.leader(p).is_none() {
                self.leader[p as usize] = self.first_up(p);
            }
        }
        if let Some(every) = self.check_interval {
            let next = SimTime(now.0.div_ceil(every.0.max(1)) * every.0.max(1));
            self.rebalance_at = Some(self.rebalance_at.map_or(next, |at| at.min(next)));
        }
        self.recount();
    }

    /// Broker `broker` stalls (or stops stalling, `stalled` false).
    pub fn set_stalled(&mut self, broker: u32, stalled: bool) {
        let Some(s) = self.stalled.get_mut(broker as usize) else {
            return;
        };
        if stalled {
            *s += 1;
        } else {
            *s = s.saturating_sub(1);
        }
        self.recount();
    }

    fn first_up(&self, p: u32) -> Option<u32> {
        self.placement
            .replicas(p)
            .iter()
            .copied()
            .find(|&b| self.up(b))
    }

    /// The leader-imbalance check, if one is due at `now`: every partition
    /// whose preferred leader is up is led by it again.
    fn rebalance_if_due(&mut self, now: SimTime) {
        if self.rebalance_at.is_none_or(|at| at > now) {
            return;
        }
        self.rebalance_at = None;
        for p in 0..self.placement.partitions() {
            if let Some(&preferred) = self.placement.replicas(p).first()
                && self.up(preferred)
            {
                self.leader[p as usize] = Some(preferred);
            }
        }
        self.recount();
    }

    /// Recomputes each broker's share of the writes.
    fn recount(&mut self) {
        let mut shares = vec![(0u32, 0u32, 0u32); self.down.len()];
        let mut writable = 0;
        for p in 0..self.placement.partitions() {
            let Some(l) = self.leader(p).filter(|&l| self.working(l)) else {
                continue;
            };
            writable += 1;
            let mut fed = 0;
            for &f in self.placement.replicas(p) {
                if f != l && self.working(f) {
                    shares[f as usize].1 += 1;
                    fed += 1;
                }
            }
            shares[l as usize].0 += 1;
            shares[l as usize].2 += fed;
        }
        self.shares = shares;
        self.writable = writable;
    }

    /// `bytes` delivered at `now`, spread evenly over the partitions that
    /// take writes: O(brokers).
    pub fn account(&mut self, now: SimTime, bytes: f64) {
        self.rebalance_if_due(now);
        if self.writable == 0 || bytes <= 0.0 {
            return;
        }
        let per_partition = bytes / f64::from(self.writable);
        for (b, &(leads, follows, feeds)) in self.bytes.iter_mut().zip(&self.shares) {
            b.ingress += per_partition * f64::from(leads);
            b.replication_in += per_partition * f64::from(follows);
            b.replication_out += per_partition * f64::from(feeds);
        }
    }

    /// The bytes each broker took and sent so far, by broker id.
    pub fn bytes(&self) -> &[BrokerBytes] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    fn rng() -> ChaCha8Rng {
        stream(7, Stream::Placement)
    }

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    /// 45 partitions, 5 brokers, RF 3: 9 leaders and 27 replicas each,
    /// replicas distinct and consecutive in the block's order.
    #[test]
    fn the_striped_placer_spreads_leaders_and_replicas_evenly() {
        let p = Placement::striped(5, 45, 3, &mut rng());
        assert_eq!(p, Placement::striped(5, 45, 3, &mut rng()));
        for b in 0..5 {
            let leads = (0..45).filter(|&q| p.replicas(q)[0] == b).count();
            let holds = (0..45).filter(|&q| p.replicas(q).contains(&b)).count();
            assert_eq!((leads, holds), (9, 27), "broker {b}");
        }
        for q in 0..45 {
            let r = p.replicas(q);
            assert!(r[0] != r[1] && r[1] != r[2] && r[0] != r[2], "{r:?}");
        }
        // Within the first block, partition q+1 starts where q's second
        // replica is.
        for q in 0..4 {
            assert_eq!(p.replicas(q)[1], p.replicas(q + 1)[0]);
        }
        // RF above the brokers is clamped; one broker holds everything.
        let one = Placement::striped(1, 3, 3, &mut rng());
        assert_eq!(one.replicas(2), &[0]);
    }

    /// Without faults the 5 brokers share a batch evenly: each leads 1/5 and
    /// takes 2/5 of it as a follower.
    #[test]
    fn healthy_brokers_share_the_bytes_evenly() {
        let mut parts = Partitions::new(Placement::striped(5, 45, 3, &mut rng()), 300.0);
        parts.account(secs(1), 45_000.0);
        for b in parts.bytes() {
            assert!((b.ingress - 9_000.0).abs() < 1e-6, "{b:?}");
            assert!((b.replication_in - 18_000.0).abs() < 1e-6, "{b:?}");
            assert!((b.replication_out - 18_000.0).abs() < 1e-6, "{b:?}");
        }
    }

    /// Broker 0 down at 10 s: its 9 leaderships move to others, it takes
    /// nothing. Back at 100 s it still leads nothing; the check at 300 s
    /// gives its leaderships back.
    #[test]
    fn leaders_move_off_a_broker_down_and_back_at_the_next_check() {
        let mut parts = Partitions::new(Placement::striped(5, 45, 3, &mut rng()), 300.0);
        parts.broker_down(0);
        assert!(parts.led_by(0).is_empty());
        assert_eq!((1..5).map(|b| parts.led_by(b).len()).sum::<usize>(), 45);
        parts.account(secs(10), 1000.0);
        assert_eq!(parts.bytes()[0], BrokerBytes::default());
        parts.broker_up(0, secs(100));
        parts.account(secs(200), 1000.0);
        assert!(parts.led_by(0).is_empty(), "no leadership before the check");
        assert!(parts.bytes()[0].replication_in > 0.0, "a follower again");
        assert_eq!(parts.bytes()[0].ingress, 0.0);
        parts.account(secs(300), 1000.0);
        assert_eq!(parts.led_by(0).len(), 9);
        assert!(parts.bytes()[0].ingress > 0.0);
    }

    /// With the rebalance off a returning broker never leads again; with
    /// every replica of a partition down it has no leader.
    #[test]
    fn without_the_rebalance_leadership_stays_moved() {
        let mut parts = Partitions::new(Placement::striped(3, 6, 3, &mut rng()), 0.0);
        parts.broker_down(0);
        parts.broker_up(0, secs(1));
        parts.account(secs(100_000), 1.0);
        assert!(parts.led_by(0).is_empty());
        parts.broker_down(1);
        parts.broker_down(2);
        assert!(parts.leader(0) == Some(0));
        parts.broker_down(0);
        assert_eq!(parts.leader(0), None);
        parts.account(secs(100_001), 1.0);
        assert_eq!(parts.bytes().iter().map(|b| b.ingress).sum::<f64>(), 1.0);
    }

    /// A stalled broker takes no writes and copies nothing while stalled.
    #[test]
    fn a_stalled_broker_takes_no_bytes() {
        let mut parts = Partitions::new(Placement::striped(5, 45, 3, &mut rng()), 300.0);
        parts.set_stalled(2, true);
        parts.account(secs(1), 36_000.0);
        assert_eq!(parts.bytes()[2], BrokerBytes::default());
        let total: f64 = parts.bytes().iter().map(|b| b.ingress).sum();
        assert!((total - 36_000.0).abs() < 1e-6);
        assert_eq!(parts.followed_by(2).len(), 18);
        parts.set_stalled(2, false);
        parts.account(secs(2), 45_000.0);
        assert!(parts.bytes()[2].ingress > 0.0);
    }
}
