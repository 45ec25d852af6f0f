//! What the night asked of the Kafka brokers' network and disks, from the
//! report's own figures: the bytes the producers wrote (ingress), the bytes
//! the followers copied from the leaders (replication: every byte to each
//! of the `replication_factor - 1` followers), and the bytes the readers
//! fetched (egress: every reader reads every alert it received). Ten full
//! readers make egress about ten times the ingress, which the producer's
//! figures alone never show.
//!
//! A first cut: the load is spread evenly over the brokers, as Kafka's
//! assignment of 45 partitions to 5 brokers gives each broker 9 leaders
//! and 27 replicas; the placement of single partitions, a slow follower
//! and readers catching up at their own rates are not modelled, so no
//! broker is busier than another and the readers' peak is not known.

use serde::{Deserialize, Serialize};

use crate::number::{micros, millis, ratio};

/// The brokers' share of the night, in report.json's `capacity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Brokers the load is spread over (`kafka.brokers`).
    pub brokers: u32,
    /// Bytes the producers wrote to the leaders (the acknowledged alerts).
    pub ingress_bytes: u64,
    /// Bytes the followers copied from the leaders.
    pub replication_bytes: u64,
    /// Bytes the readers fetched.
    pub readers_bytes: u64,
    /// Bytes leaving the brokers (replication and readers) over the bytes
    /// the producers wrote.
    pub egress_over_ingress: f64,
    /// Mean inbound megabits per second of one broker over the run
    /// (producers and replication).
    pub broker_ingress_mean_mbit_per_s: f64,
    /// Inbound megabits per second of one broker in the busiest sampling
    /// interval of the producers.
    pub broker_ingress_peak_mbit_per_s: f64,
    /// Mean outbound megabits per second of one broker over the run
    /// (replication and readers).
    pub broker_egress_mean_mbit_per_s: f64,
    /// One broker's network bandwidth (`kafka.broker_bandwidth_mbps`).
    pub broker_bandwidth_mbit_per_s: f64,
    /// Share of that bandwidth left at the inbound peak (negative when the
    /// peak exceeds it).
    pub ingress_headroom: f64,
    /// Bytes one broker wrote to its disk in the run (its replicas of
    /// every alert).
    pub broker_disk_bytes: u64,
}

/// The figures a capacity estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct CapacityInputs<'a> {
    /// `kafka.brokers`.
    pub brokers: u32,
    /// `kafka.replication_factor`.
    pub replication_factor: u32,
    /// `kafka.broker_bandwidth_mbps`.
    pub bandwidth_mbit_per_s: f64,
    /// Bytes of the acknowledged alerts.
    pub delivered_bytes: u64,
    /// Mean size of an alert, bytes.
    pub mean_alert_bytes: f64,
    /// Alerts each reader received.
    pub received: &'a [u64],
    /// Highest delivered megabits per second over one sampling interval.
    pub peak_delivered_mbit_per_s: f64,
    /// Length of the run, seconds.
    pub run_s: f64,
}

/// The brokers' share of a run.
pub fn capacity(i: &CapacityInputs<'_>) -> Capacity {
    let brokers = i.brokers.max(1);
    let followers = u64::from(i.replication_factor.saturating_sub(1));
    let ingress = i.delivered_bytes;
    let replication = ingress.saturating_mul(followers);
    let readers: f64 = i.received.iter().map(|&n| n as f64).sum::<f64>() * i.mean_alert_bytes;
    let readers = readers.round().max(0.0) as u64;
    let per_broker = |bytes: u64| bytes as f64 / f64::from(brokers);
    let mbit_per_s = |bytes: f64| ratio(bytes * 8.0 / 1e6, i.run_s);
    // Every produced byte lands on the leader and on each follower.
    let inbound_copies = (1 + followers) as f64 / f64::from(brokers);
    let ingress_peak = i.peak_delivered_mbit_per_s * inbound_copies;
    Capacity {
        brokers,
        ingress_bytes: ingress,
        replication_bytes: replication,
        readers_bytes: readers,
        egress_over_ingress: millis(ratio((replication + readers) as f64, ingress as f64)),
        broker_ingress_mean_mbit_per_s: millis(mbit_per_s(per_broker(ingress + replication))),
        broker_ingress_peak_mbit_per_s: millis(ingress_peak),
        broker_egress_mean_mbit_per_s: millis(mbit_per_s(per_broker(replication + readers))),
        broker_bandwidth_mbit_per_s: millis(i.bandwidth_mbit_per_s),
        ingress_headroom: micros(ratio(
            i.bandwidth_mbit_per_s - ingress_peak,
            i.bandwidth_mbit_per_s,
        )),
        broker_disk_bytes: per_broker(ingress + replication).round() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5 brokers, RF 3, 1,000 bytes delivered as 10 alerts of 100 bytes,
    /// read whole by 9 readers and half by a tenth, over 100 s, with a
    /// peak of 40 Mbit/s: replication 2,000 bytes, readers 9,500, egress
    /// 11,500 = 11.5 times the ingress; each broker takes in (1,000 +
    /// 2,000) / 5 = 600 bytes (0.000048 Mbit/s over 100 s) and its peak is
    /// 40 x 3 / 5 = 24 Mbit/s of 100: 76% headroom.
    #[test]
    fn egress_counts_every_reader_and_the_followers() {
        let received = [10, 10, 10, 10, 10, 10, 10, 10, 10, 5];
        let c = capacity(&CapacityInputs {
            brokers: 5,
            replication_factor: 3,
            bandwidth_mbit_per_s: 100.0,
            delivered_bytes: 1_000,
            mean_alert_bytes: 100.0,
            received: &received,
            peak_delivered_mbit_per_s: 40.0,
            run_s: 100.0,
        });
        assert_eq!(
            (c.ingress_bytes, c.replication_bytes, c.readers_bytes),
            (1_000, 2_000, 9_500)
        );
        assert_eq!(c.egress_over_ingress, 11.5);
        assert_eq!(c.broker_ingress_peak_mbit_per_s, 24.0);
        assert_eq!(c.ingress_headroom, 0.76);
        assert_eq!(c.broker_disk_bytes, 600);
        assert_eq!(c.broker_ingress_mean_mbit_per_s, 0.0);
        assert_eq!(c.broker_egress_mean_mbit_per_s, 0.0);
    }

    #[test]
    fn an_empty_run_divides_by_nothing() {
        let c = capacity(&CapacityInputs {
            brokers: 0,
            replication_factor: 0,
            bandwidth_mbit_per_s: 0.0,
            delivered_bytes: 0,
            mean_alert_bytes: 0.0,
            received: &[],
            peak_delivered_mbit_per_s: 0.0,
            run_s: 0.0,
        });
        assert_eq!(c.egress_over_ingress, 0.0);
        assert_eq!(c.ingress_headroom, 0.0);
        assert_eq!(c.brokers, 1);
    }
}
