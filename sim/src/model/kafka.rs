//! The Kafka cluster and the producer as the packager drives it, as a fluid
//! model: the cluster accepts bytes at the brokers' combined inbound
//! bandwidth divided by the replication factor (acks=all writes every byte
//! to every replica), a produce waits behind the bytes queued before it, and
//! the packager flushes after every alert, so a worker's alerts follow one
//! another at (encode + round trip) intervals. A produce that cannot reach
//! min.insync.replicas, or waits longer than delivery.timeout.ms, fails.
//!
//! Community brokers (consumers) read every alert at their own rate.

use crate::params::{ConsumerParams, KafkaParams};
use crate::time::{SimDuration, SimTime};

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
    params: KafkaParams,
    brokers_up: u32,
    queue_free_at: SimTime,
}

impl KafkaCluster {
    /// All brokers up, nothing queued.
    pub fn new(params: &KafkaParams) -> Self {
        KafkaCluster {
            brokers_up: params.brokers,
            params: params.clone(),
            queue_free_at: SimTime::ZERO,
        }
    }

    /// Brokers currently reachable.
    pub fn brokers_up(&self) -> u32 {
        self.brokers_up
    }

    /// Sets how many brokers are reachable (faults).
    pub fn set_brokers_up(&mut self, up: u32) {
        self.brokers_up = up.min(self.params.brokers);
    }

    /// Whether acks=all can succeed: a partition keeps min.insync.replicas
    /// in sync only while that many of its replicas' brokers are up.
    pub fn accepts_writes(&self) -> bool {
        let replicas_up = self.params.replication.min(self.brokers_up);
        self.brokers_up > 0 && replicas_up >= self.params.min_insync.max(1)
    }

    /// Bytes per second the cluster can take with acks=all.
    pub fn capacity_bytes_per_s(&self) -> f64 {
        let replication = f64::from(self.params.replication.max(1));
        f64::from(self.brokers_up) * self.params.broker_bytes_per_s / replication
    }

    /// Produces `alerts` alerts of `bytes_per_alert` each, starting at
    /// `now`, with `encode` spent encoding each one before it is sent.
    pub fn produce_batch(
        &mut self,
        now: SimTime,
        alerts: u32,
        bytes_per_alert: f64,
        encode: SimDuration,
    ) -> BatchOutcome {
        let timeout = SimDuration::from_secs_f64(self.params.delivery_timeout_s);
        let capacity = self.capacity_bytes_per_s();
        let wait = self.queue_free_at.saturating_since(now);
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
        let transfer = SimDuration::from_secs_f64(bytes_per_alert / capacity);
        let round_trip = SimDuration::from_secs_f64(self.params.produce_latency_s);
        let step = encode + round_trip + transfer;
        let start = now.max(self.queue_free_at);
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

/// The community brokers reading the topic.
#[derive(Debug)]
pub struct Consumers {
    readers: Vec<Reader>,
}

#[derive(Debug)]
struct Reader {
    per_byte_us: f64,
    fetch: SimDuration,
    free_at: SimTime,
}

impl Consumers {
    /// One reader per consumer.
    pub fn new(params: &[ConsumerParams]) -> Self {
        Consumers {
            readers: params
                .iter()
                .map(|c| Reader {
                    per_byte_us: if c.bytes_per_s > 0.0 {
                        1e6 / c.bytes_per_s
                    } else {
                        f64::INFINITY
                    },
                    fetch: SimDuration::from_secs_f64(c.fetch_latency_s),
                    free_at: SimTime::ZERO,
                })
                .collect(),
        }
    }

    /// How many consumers there are.
    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// True without consumers.
    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    /// Delivers the delivered alerts of a batch to every consumer; calls
    /// `received(consumer, alert_index, at)` for each receipt.
    pub fn receive_batch(
        &mut self,
        batch: &BatchOutcome,
        bytes_per_alert: f64,
        mut received: impl FnMut(usize, u32, SimTime),
    ) {
        for (c, reader) in self.readers.iter_mut().enumerate() {
            let read = SimDuration::from_secs_f64(bytes_per_alert * reader.per_byte_us / 1e6);
            for k in 0..batch.delivered {
                let available = batch.outcome_at(k) + reader.fetch;
                let at = available.max(reader.free_at) + read;
                reader.free_at = at;
                received(c, k, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SimParams;

    #[test]
    fn alerts_follow_at_encode_plus_round_trip() {
        let p = SimParams::default();
        let mut k = KafkaCluster::new(&p.kafka);
        let out = k.produce_batch(SimTime(0), 50, 82_000.0, SimDuration(100));
        assert_eq!(out.delivered, 50);
        // 2.5 GB/s -> 82 kB in 32.8 us; 5 ms round trip; 100 us encode.
        assert_eq!(out.step, SimDuration(100 + 5000 + 33));
        assert_eq!(out.done, out.outcome_at(49));
    }

    #[test]
    fn a_saturated_cluster_makes_later_batches_wait_then_time_out() {
        let mut p = SimParams::default().kafka;
        p.broker_bytes_per_s = 1e6;
        p.brokers = 3;
        let mut k = KafkaCluster::new(&p);
        // 1 MB/s with 3 brokers and 3 replicas: 1 MB = 1 s of queue.
        let a = k.produce_batch(SimTime(0), 10, 100_000.0, SimDuration::ZERO);
        assert_eq!(a.delivered, 10);
        let b = k.produce_batch(SimTime(0), 10, 100_000.0, SimDuration::ZERO);
        assert_eq!(b.delivered, 10, "1 s wait is within the 1.2 s timeout");
        assert!(b.first > a.first);
        let c = k.produce_batch(SimTime(0), 10, 100_000.0, SimDuration::ZERO);
        assert_eq!((c.delivered, c.failed), (0, 10));
    }

    #[test]
    fn losing_in_sync_replicas_fails_every_alert() {
        let p = SimParams::default().kafka;
        let mut k = KafkaCluster::new(&p);
        k.set_brokers_up(1);
        assert!(!k.accepts_writes());
        let out = k.produce_batch(SimTime(0), 4, 1000.0, SimDuration::ZERO);
        assert_eq!((out.delivered, out.failed), (0, 4));
        assert_eq!(out.done, SimTime(4 * 1_200_000));
    }

    #[test]
    fn a_slow_consumer_falls_behind() {
        let mut fast = SimParams::default().consumers[0].clone();
        fast.fetch_latency_s = 0.0;
        let mut slow = fast.clone();
        fast.bytes_per_s = 1e9;
        slow.bytes_per_s = 1e6;
        let mut c = Consumers::new(&[fast, slow]);
        let batch = BatchOutcome {
            first: SimTime(0),
            step: SimDuration(1000),
            delivered: 10,
            failed: 0,
            done: SimTime(9000),
        };
        let mut last = [SimTime(0); 2];
        c.receive_batch(&batch, 10_000.0, |i, _, at| last[i] = at);
        assert_eq!(last[0], SimTime(9000 + 10));
        assert_eq!(last[1], SimTime(10 * 10_000));
    }
}
