//! The Kafka cluster and the producer as the packager drives it, as a fluid
//! model: the cluster accepts bytes at the brokers' combined inbound
//! bandwidth divided by the replication factor (acks=all writes every byte
//! to every replica), a produce waits behind the bytes queued before it, and
//! the packager flushes after every alert, so a worker's alerts follow one
//! another at (encode + round trip) intervals. The followers fetch through
//! the leaders' outbound links beside the readers, so readers catching up
//! slow the acknowledgements once those links are full. A produce that cannot reach
//! min.insync.replicas, or waits longer than delivery.timeout.ms, fails.
//! A produce to a partition without a leader waits for the election (see
//! [`crate::model::leadership`]) or fails at delivery.timeout.ms.
//!
//! The readers of the topic are [`crate::model::readers`].

use crate::model::broker_health::BrokerHealth;
use crate::model::leadership::Leadership;
use crate::time::{SimDuration, SimTime};
use alertsim_scenarios::Kafka;

/// The result of producing one detector's alerts, one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Acknowledgement (or failure) of the first alert.
    pub first: SimTime,
    /// Time between consecutive alerts' outcomes.
    pub step: SimDuration,
    /// Alerts acknowledged.
    pub delivered: u32,
    /// Alerts that failed (delivery timeout or not enough in-sync replicas).
    pub failed: u32,
    /// When the packager is done with the batch.
    pub done: SimTime,
}

impl BatchOutcome {
    /// When alert `k` (from 0) of the batch was acknowledged or failed.
    pub fn outcome_at(&self, k: u32) -> SimTime {
        self.first + self.step.times(u64::from(k))
    }
}

/// The broker cluster.
#[derive(Debug)]
pub struct KafkaCluster {
    brokers: u32,
    replication: u32,
    min_insync: u32,
    broker_bytes_per_s: f64,
    compression_ratio: f64,
    delivery_timeout: SimDuration,
    brokers_up: u32,
    queue_free_at: SimTime,
    /// Degradation by faults (slow brokers, writes rejected).
    pub health: BrokerHealth,
    /// Partitions without a leader (faults).
    pub leadership: Leadership,
    /// What the readers fetch from the leaders now.
    readers: ReaderEgress,
}

/// The readers' load on the leaders' outbound links at an instant: each
/// reader keeping pace fetches every byte as it is written (one more copy
/// of the ingress, as each follower's), each reader catching up fetches as
/// fast as it reads; a reader away fetches nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReaderEgress {
    /// Readers keeping pace with the producers.
    pub keeping: u32,
    /// Readers catching up.
    pub catching_up: u32,
    /// Bytes per second the readers catching up fetch.
    pub catching_up_bytes_per_s: f64,
}

impl KafkaCluster {
    /// All brokers up, nothing queued.
    pub fn new(spec: &Kafka) -> Self {
        KafkaCluster {
            brokers: spec.brokers,
            replication: spec.replication_factor,
            min_insync: spec.min_insync_replicas,
            broker_bytes_per_s: spec.broker_bandwidth_mbps * 1e6 / 8.0,
            compression_ratio: if spec.compression_ratio > 0.0 {
                spec.compression_ratio
            } else {
                1.0
            },
            delivery_timeout: SimDuration(spec.delivery_timeout_ms.saturating_mul(1000)),
            brokers_up: spec.brokers,
            queue_free_at: SimTime::ZERO,
            health: BrokerHealth::default(),
            leadership: Leadership::default(),
            readers: ReaderEgress::default(),
        }
    }

    /// Brokers currently reachable.
    pub fn brokers_up(&self) -> u32 {
        self.brokers_up
    }

    /// Sets how many brokers are reachable (faults).
    pub fn set_brokers_up(&mut self, up: u32) {
        self.brokers_up = up.min(self.brokers);
    }

    /// Whether acks=all can succeed: a partition keeps min.insync.replicas
    /// in sync only while that many of its replicas' brokers are up.
    pub fn accepts_writes(&self) -> bool {
        let replicas_up = self.replication.min(self.brokers_up);
        self.brokers_up > 0
            && replicas_up >= self.min_insync.max(1)
            && !self.health.writes_blocked()
    }

    /// Bytes per second the cluster can take with acks=all: the smaller of
    /// what the brokers' inbound links take (every byte lands on each of
    /// the `replication` replicas) and what the leaders' outbound links
    /// leave for the followers' fetches beside the readers'
    /// ([`ReaderEgress`]): an acks=all write waits for its followers.
    pub fn capacity_bytes_per_s(&self) -> f64 {
        let links =
            f64::from(self.brokers_up) * self.broker_bytes_per_s * self.health.bandwidth_factor();
        let inbound = links / f64::from(self.replication.max(1));
        let followers = f64::from(self.replication.saturating_sub(1));
        let keeping = f64::from(self.readers.keeping);
        let flows = followers + keeping;
        if followers == 0.0 || flows == 0.0 {
            return inbound;
        }
        // The readers catching up take what they can read, but the links
        // are shared: the followers and the readers keeping pace keep at
        // least their share of the flows (max-min fairness).
        let catching_up = f64::from(self.readers.catching_up);
        let fair = links * flows / (flows + catching_up);
        let left = (links - self.readers.catching_up_bytes_per_s).max(fair);
        inbound.min(left / flows)
    }

    /// What the readers fetch now (the engine sets it before producing).
    pub fn set_reader_egress(&mut self, egress: ReaderEgress) {
        self.readers = egress;
    }

    /// Produces `alerts` alerts of `bytes_per_alert` each (before
    /// compression), starting at `now`, with `encode` spent encoding each
    /// one and `round_trip` the produce latency of an idle cluster.
    pub fn produce_batch(
        &mut self,
        now: SimTime,
        alerts: u32,
        bytes_per_alert: f64,
        encode: SimDuration,
        round_trip: SimDuration,
    ) -> BatchOutcome {
        self.produce_batch_queued_at(now, now, alerts, bytes_per_alert, encode, round_trip)
    }

    /// As [`KafkaCluster::produce_batch`] for a batch that starts at `now`
    /// but whose bytes join the brokers' queue as seen at `queued_at` (the
    /// engine's present): a worker replaying several spooled batches one
    /// after the other must not hold the queue in the future for others.
    pub fn produce_batch_queued_at(
        &mut self,
        queued_at: SimTime,
        now: SimTime,
        alerts: u32,
        bytes_per_alert: f64,
        encode: SimDuration,
        round_trip: SimDuration,
    ) -> BatchOutcome {
        let timeout = self.delivery_timeout;
        let capacity = self.capacity_bytes_per_s();
        let queued_at = queued_at.min(now);
        let wait = self.queue_free_at.saturating_since(queued_at);
        if alerts == 0 {
            return BatchOutcome {
                first: now,
                step: SimDuration::ZERO,
                delivered: 0,
                failed: 0,
                done: now,
            };
        }
        if !self.accepts_writes() || capacity <= 0.0 || wait > timeout {
            // Every alert waits for the whole delivery timeout, then fails.
            let step = encode + timeout;
            return BatchOutcome {
                first: now + step,
                step,
                delivered: 0,
                failed: alerts,
                done: now + step.times(u64::from(alerts)),
            };
        }
        let transfer =
            SimDuration::from_secs_f64(bytes_per_alert * self.compression_ratio / capacity);
        let step = encode + round_trip + self.health.added_latency() + transfer;
        let start = queued_at.max(self.queue_free_at);
        self.queue_free_at = start + transfer.times(u64::from(alerts));
        let first = now + wait + step;
        BatchOutcome {
            first,
            step,
            delivered: alerts,
            failed: 0,
            done: first + step.times(u64::from(alerts - 1)),
        }
    }
}

impl KafkaCluster {
    /// One alert produced at `now` to a partition without a leader until
    /// `until`: librdkafka retries NOT_LEADER_FOR_PARTITION after metadata
    /// refreshes, so the alert is produced as usual once the leader is
    /// elected, if that happens within delivery.timeout.ms of the produce
    /// call (after encoding); otherwise it fails at the timeout.
    pub fn produce_stalled(
        &mut self,
        queued_at: SimTime,
        now: SimTime,
        until: SimTime,
        bytes_per_alert: f64,
        encode: SimDuration,
        round_trip: SimDuration,
    ) -> BatchOutcome {
        let called = now + encode;
        let deadline = called + self.delivery_timeout;
        if until <= deadline {
            let at = until.max(called);
            return self.produce_batch_queued_at(
                queued_at,
                at,
                1,
                bytes_per_alert,
                SimDuration::ZERO,
                round_trip,
            );
        }
        BatchOutcome {
            first: deadline,
            step: encode + self.delivery_timeout,
            delivered: 0,
            failed: 1,
            done: deadline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Kafka {
        Kafka::default()
    }

    #[test]
    fn alerts_follow_at_encode_plus_round_trip() {
        let mut k = KafkaCluster::new(&spec());
        let out = k.produce_batch(
            SimTime(0),
            50,
            82_000.0,
            SimDuration(100),
            SimDuration(5000),
        );
        assert_eq!(out.delivered, 50);
        // 5 x 10 Gbit/s / 3 replicas = 2.083 GB/s; 82 kB x 0.9 in 35.4 us.
        assert_eq!(out.step, SimDuration(100 + 5000 + 35));
        assert_eq!(out.done, out.outcome_at(49));
    }

    #[test]
    fn a_saturated_cluster_makes_later_batches_wait_then_time_out() {
        let mut s = spec();
        s.broker_bandwidth_mbps = 8.0;
        s.brokers = 3;
        s.compression_ratio = 1.0;
        let mut k = KafkaCluster::new(&s);
        // 1 MB/s per broker, 3 brokers, 3 replicas: 1 MB = 1 s of queue.
        let none = SimDuration::ZERO;
        let a = k.produce_batch(SimTime(0), 10, 100_000.0, none, none);
        assert_eq!(a.delivered, 10);
        let b = k.produce_batch(SimTime(0), 10, 100_000.0, none, none);
        assert_eq!(b.delivered, 10, "1 s wait is within the 1.2 s timeout");
        assert!(b.first > a.first);
        let c = k.produce_batch(SimTime(0), 10, 100_000.0, none, none);
        assert_eq!((c.delivered, c.failed), (0, 10));
    }

    /// 3 brokers of 1 MB/s each, RF 3: the inbound links take 1 MB/s of
    /// writes. Readers keeping pace are more copies on the leaders'
    /// outbound links; a reader catching up takes what it reads, down to
    /// the fair share of the flows.
    #[test]
    fn readers_on_the_leaders_links_slow_the_writes() {
        let mut s = spec();
        s.broker_bandwidth_mbps = 8.0;
        s.brokers = 3;
        let mut k = KafkaCluster::new(&s);
        let mb = |k: &KafkaCluster| (k.capacity_bytes_per_s() / 1e3).round() / 1e3;
        assert_eq!(mb(&k), 1.0, "no reader: the inbound links decide");
        k.set_reader_egress(ReaderEgress {
            keeping: 2,
            ..ReaderEgress::default()
        });
        assert_eq!(mb(&k), 0.75, "3 MB/s out over 2 followers and 2 readers");
        let catching_up = |bytes_per_s: f64| ReaderEgress {
            keeping: 1,
            catching_up: 1,
            catching_up_bytes_per_s: bytes_per_s,
        };
        k.set_reader_egress(catching_up(300_000.0));
        assert_eq!(mb(&k), 0.9, "what the catch-up leaves, over 3 flows");
        k.set_reader_egress(catching_up(10e6));
        assert_eq!(mb(&k), 0.75, "a fast catch-up gets only its fair share");
    }

    #[test]
    fn losing_in_sync_replicas_fails_every_alert() {
        let mut k = KafkaCluster::new(&spec());
        k.set_brokers_up(1);
        assert!(!k.accepts_writes());
        let out = k.produce_batch(SimTime(0), 4, 1000.0, SimDuration::ZERO, SimDuration(5));
        assert_eq!((out.delivered, out.failed), (0, 4));
        assert_eq!(out.done, SimTime(4 * 1_200_000));
    }

    /// Step 5,000 us (round trip) + 0 encode; election at 1 s: an alert
    /// produced at 0.5 s waits 0.5 s (within 1.2 s) and is acknowledged one
    /// step after the election; one produced at 2 s before an election at
    /// 4 s fails at 2 + 1.2 s.
    #[test]
    fn a_leaderless_partition_delays_an_alert_or_times_it_out() {
        let mut s = spec();
        s.compression_ratio = 1.0;
        let mut k = KafkaCluster::new(&s);
        let rt = SimDuration(5000);
        let none = SimDuration::ZERO;
        let waited = k.produce_stalled(
            SimTime(0),
            SimTime(500_000),
            SimTime(1_000_000),
            0.0,
            none,
            rt,
        );
        assert_eq!((waited.delivered, waited.failed), (1, 0));
        assert_eq!(waited.first, SimTime(1_005_000));
        assert_eq!(waited.done, waited.first);
        let lost = k.produce_stalled(
            SimTime(0),
            SimTime(2_000_000),
            SimTime(4_000_000),
            0.0,
            none,
            rt,
        );
        assert_eq!((lost.delivered, lost.failed), (0, 1));
        assert_eq!(
            (lost.first, lost.done),
            (SimTime(3_200_000), SimTime(3_200_000))
        );
        // An election exactly at the deadline is still in time.
        let edge = k.produce_stalled(SimTime(0), SimTime(0), SimTime(1_200_000), 0.0, none, rt);
        assert_eq!(edge.delivered, 1);
    }
}
