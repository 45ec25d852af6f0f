//! What the night asked of the Kafka brokers' network and disks, from the
//! report's own figures: the bytes the producers wrote (ingress), the bytes
//! the followers copied from the leaders (replication), and the bytes the
//! readers fetched (egress: every reader reads every alert it received).
//! Ten full readers make egress about ten times the ingress, which the
//! producer's figures alone never show.
//!
//! Per broker (`per_broker`, by broker id): the simulator places the
//! partitions as Kafka's KRaft controller does and moves leaders when
//! brokers go down or stall (`alertsim-sim` `model::placement`), and hands
//! the recorder each broker's ingress (as leader), replication in (as
//! follower) and out (as leader). Readers fetch from the leaders, so each
//! broker's share of the readers' bytes is its share of the ingress. A run
//! that measured no placement (the load generator) spreads the load evenly
//! over the brokers, as Kafka's placement of 45 partitions on 5 brokers
//! does. A broker's peak inbound rate is the cluster's delivered peak
//! times its share of the night's inbound bytes (exact while the leaders do
//! not move); the readers' own peaks (catching up at their rates) are not
//! modelled, so outbound rates are means only.

use serde::{Deserialize, Serialize};

use crate::number::{micros, millis, ratio};

/// The bytes one broker took and sent in a run, as the simulator's
/// placement measured them (the recorder's input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerBytes {
    /// Written by the producers to the partitions it led.
    pub ingress: u64,
    /// Copied into it as a follower.
    pub replication_in: u64,
    /// Copied out of it, as a leader, to its followers.
    pub replication_out: u64,
}

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
    /// (producers and replication), the brokers' mean.
    pub broker_ingress_mean_mbit_per_s: f64,
    /// Inbound megabits per second of one broker in the busiest sampling
    /// interval of the producers, the brokers' mean.
    pub broker_ingress_peak_mbit_per_s: f64,
    /// Mean outbound megabits per second of one broker over the run
    /// (replication and readers), the brokers' mean.
    pub broker_egress_mean_mbit_per_s: f64,
    /// One broker's network bandwidth (`kafka.broker_bandwidth_mbps`).
    pub broker_bandwidth_mbit_per_s: f64,
    /// Share of that bandwidth left at the mean broker's inbound peak
    /// (negative when the peak exceeds it).
    pub ingress_headroom: f64,
    /// Bytes the mean broker wrote to its disk in the run (its replicas).
    pub broker_disk_bytes: u64,
    /// Each broker, by id (absent from reports written before it).
    #[serde(default)]
    pub per_broker: Vec<BrokerCapacity>,
    /// The busiest broker's disk at the topic's retention (absent from
    /// reports written before it).
    #[serde(default)]
    pub disk: DiskAtRetention,
    /// The broker that moved the most bytes (in and out).
    #[serde(default)]
    pub busiest_broker: Busiest,
}

/// One broker's share of the night.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerCapacity {
    /// Broker id, from 0.
    pub broker: u32,
    /// Bytes the producers wrote to the partitions it led.
    pub ingress_bytes: u64,
    /// Bytes it copied in as a follower.
    pub replication_in_bytes: u64,
    /// Bytes it sent to its followers as a leader.
    pub replication_out_bytes: u64,
    /// Bytes the readers fetched from it (its share of the ingress).
    pub readers_bytes: u64,
    /// Mean inbound megabits per second over the run.
    pub in_mean_mbit_per_s: f64,
    /// Inbound megabits per second at the producers' busiest interval.
    pub in_peak_mbit_per_s: f64,
    /// Mean outbound megabits per second over the run.
    pub out_mean_mbit_per_s: f64,
    /// Share of its bandwidth left at its inbound peak.
    pub in_headroom: f64,
    /// Bytes written to its disk (ingress and replication in).
    pub disk_bytes: u64,
}

/// What the broker writing the most keeps on disk once the topic holds
/// `kafka.retention_s` of days like this run (a run shorter than a day
/// counts as that day's whole traffic: one night a day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskAtRetention {
    /// One broker's log disk (`kafka.broker_disk_bytes`).
    pub size_bytes: u64,
    /// Bytes per day the broker writing the most writes to it.
    pub per_day_bytes: u64,
    /// Those over the retention: what it keeps.
    pub retained_bytes: u64,
    /// Share of the disk left at retention (negative: the disk fills
    /// before retention frees anything, a `broker_disk_full`).
    pub headroom: f64,
    /// Days until the disk is full at this rate with nothing deleted.
    pub days_to_fill: f64,
}

/// The busiest broker: most bytes in and out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Busiest {
    /// Its id (the lowest of equals).
    pub broker: u32,
    /// Bytes in and out.
    pub total_bytes: u64,
    /// Those over the brokers' mean (1 when the load is even).
    pub over_mean: f64,
    /// Its inbound peak, megabits per second.
    pub in_peak_mbit_per_s: f64,
    /// Its mean outbound rate, megabits per second.
    pub out_mean_mbit_per_s: f64,
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
    /// Each broker's bytes as the placement measured them (empty: spread
    /// evenly).
    pub placed: &'a [BrokerBytes],
    /// `kafka.broker_disk_bytes`.
    pub disk_size_bytes: u64,
    /// `kafka.retention_s`.
    pub retention_s: f64,
}

/// The brokers' share of a run.
pub fn capacity(i: &CapacityInputs<'_>) -> Capacity {
    let brokers = i.brokers.max(1);
    let placed = if i.placed.is_empty() {
        even(brokers, i.replication_factor, i.delivered_bytes)
    } else {
        i.placed.to_vec()
    };
    let ingress = i.delivered_bytes;
    let replication: u64 = placed.iter().map(|b| b.replication_in).sum();
    let readers: f64 = i.received.iter().map(|&n| n as f64).sum::<f64>() * i.mean_alert_bytes;
    let readers = readers.round().max(0.0) as u64;
    let per_broker = |bytes: u64| bytes as f64 / f64::from(brokers);
    let mbit_per_s = |bytes: f64| ratio(bytes * 8.0 / 1e6, i.run_s);
    let headroom = |peak: f64| micros(ratio(i.bandwidth_mbit_per_s - peak, i.bandwidth_mbit_per_s));
    // A broker's peak: the delivered peak times its inbound copies per
    // delivered byte.
    let peak_of =
        |inbound: u64| i.peak_delivered_mbit_per_s * ratio(inbound as f64, ingress as f64);
    let placed_ingress: u64 = placed.iter().map(|b| b.ingress).sum();
    let rows: Vec<BrokerCapacity> = (0..brokers)
        .map(|id| {
            let b = placed.get(id as usize).copied().unwrap_or_default();
            let share = ratio(b.ingress as f64, placed_ingress as f64);
            let read = (readers as f64 * share).round() as u64;
            let inbound = b.ingress + b.replication_in;
            let outbound = b.replication_out + read;
            BrokerCapacity {
                broker: id,
                ingress_bytes: b.ingress,
                replication_in_bytes: b.replication_in,
                replication_out_bytes: b.replication_out,
                readers_bytes: read,
                in_mean_mbit_per_s: millis(mbit_per_s(inbound as f64)),
                in_peak_mbit_per_s: millis(peak_of(inbound)),
                out_mean_mbit_per_s: millis(mbit_per_s(outbound as f64)),
                in_headroom: headroom(peak_of(inbound)),
                disk_bytes: inbound,
            }
        })
        .collect();
    let busiest = busiest(&rows);
    let most_written = rows.iter().map(|r| r.disk_bytes).max().unwrap_or(0);
    let disk = disk_at_retention(most_written, i);
    let ingress_peak = peak_of(ingress + replication) / f64::from(brokers);
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
        ingress_headroom: headroom(ingress_peak),
        broker_disk_bytes: per_broker(ingress + replication).round() as u64,
        per_broker: rows,
        disk,
        busiest_broker: busiest,
    }
}

/// A broker that wrote `written` bytes in the run, at the topic's
/// retention: a day's bytes are the run's spread over its days (at least
/// one).
fn disk_at_retention(written: u64, i: &CapacityInputs<'_>) -> DiskAtRetention {
    const DAY_S: f64 = 86_400.0;
    let per_day = written as f64 * DAY_S / i.run_s.max(DAY_S);
    let retained = per_day * i.retention_s.max(0.0) / DAY_S;
    let size = i.disk_size_bytes as f64;
    DiskAtRetention {
        size_bytes: i.disk_size_bytes,
        per_day_bytes: per_day.round() as u64,
        retained_bytes: retained.round() as u64,
        headroom: micros(ratio(size - retained, size)),
        days_to_fill: millis(ratio(size, per_day)),
    }
}

/// The load spread evenly: each broker leads `1/brokers` of the partitions
/// and follows `(replication_factor - 1)/brokers` of them.
fn even(brokers: u32, replication_factor: u32, ingress: u64) -> Vec<BrokerBytes> {
    let followers = u64::from(replication_factor.clamp(1, brokers) - 1);
    let n = u64::from(brokers);
    // Whole bytes: the first `ingress % n` brokers take one more.
    let split = |total: u64, b: u64| total / n + u64::from(b < total % n);
    (0..n)
        .map(|b| BrokerBytes {
            ingress: split(ingress, b),
            replication_in: split(ingress * followers, b),
            replication_out: split(ingress * followers, b),
        })
        .collect()
}

/// The broker with the most bytes in and out (the lowest id of equals).
fn busiest(rows: &[BrokerCapacity]) -> Busiest {
    let total = |r: &BrokerCapacity| {
        r.ingress_bytes + r.replication_in_bytes + r.replication_out_bytes + r.readers_bytes
    };
    let all: u64 = rows.iter().map(total).sum();
    let mean = ratio(all as f64, rows.len() as f64);
    let mut best: Option<&BrokerCapacity> = None;
    for r in rows {
        if best.is_none_or(|b| total(r) > total(b)) {
            best = Some(r);
        }
    }
    best.map_or_else(Busiest::default, |b| Busiest {
        broker: b.broker,
        total_bytes: total(b),
        over_mean: micros(ratio(total(b) as f64, mean)),
        in_peak_mbit_per_s: b.in_peak_mbit_per_s,
        out_mean_mbit_per_s: b.out_mean_mbit_per_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(received: &'a [u64], placed: &'a [BrokerBytes]) -> CapacityInputs<'a> {
        CapacityInputs {
            brokers: 5,
            replication_factor: 3,
            bandwidth_mbit_per_s: 100.0,
            delivered_bytes: 1_000,
            mean_alert_bytes: 100.0,
            received,
            peak_delivered_mbit_per_s: 40.0,
            run_s: 100.0,
            placed,
            disk_size_bytes: 10_000,
            retention_s: 7.0 * 86_400.0,
        }
    }

    /// 5 brokers, RF 3, 1,000 bytes delivered as 10 alerts of 100 bytes,
    /// read whole by 9 readers and half by a tenth, over 100 s, with a
    /// peak of 40 Mbit/s: replication 2,000 bytes, readers 9,500, egress
    /// 11,500 = 11.5 times the ingress; each broker takes in (1,000 +
    /// 2,000) / 5 = 600 bytes (0.000048 Mbit/s over 100 s) and its peak is
    /// 40 x 3 / 5 = 24 Mbit/s of 100: 76% headroom.
    #[test]
    fn egress_counts_every_reader_and_the_followers() {
        let received = [10, 10, 10, 10, 10, 10, 10, 10, 10, 5];
        let c = capacity(&inputs(&received, &[]));
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
        // Spread evenly: every broker alike, the busiest is broker 0.
        assert_eq!(c.per_broker.len(), 5);
        for b in &c.per_broker {
            assert_eq!(
                (b.ingress_bytes, b.replication_in_bytes, b.readers_bytes),
                (200, 400, 1_900)
            );
            assert_eq!(b.in_peak_mbit_per_s, 24.0);
            assert_eq!(b.disk_bytes, 600);
        }
        assert_eq!(
            (c.busiest_broker.broker, c.busiest_broker.over_mean),
            (0, 1.0)
        );
    }

    /// Broker 3 led half the partitions' bytes: it takes half the readers'
    /// egress and is the busiest, its peak 40 x 600/1,000.
    #[test]
    fn the_placement_names_the_busiest_broker() {
        let b = |ingress, replication_in, replication_out| BrokerBytes {
            ingress,
            replication_in,
            replication_out,
        };
        let placed = [
            b(125, 500, 250),
            b(125, 500, 250),
            b(125, 500, 250),
            b(500, 100, 1_000),
            b(125, 400, 250),
        ];
        let c = capacity(&inputs(&[10; 10], &placed));
        assert_eq!(c.replication_bytes, 2_000);
        let busiest = &c.busiest_broker;
        assert_eq!(busiest.broker, 3);
        assert_eq!(busiest.total_bytes, 500 + 100 + 1_000 + 5_000);
        assert_eq!(c.per_broker[3].in_peak_mbit_per_s, 24.0);
        assert_eq!(c.per_broker[0].readers_bytes, 1_250);
        assert!(busiest.over_mean > 1.5, "{busiest:?}");
    }

    /// 5 brokers, RF 3, 1,000 bytes in 100 s: each broker writes 600
    /// (its 200 and 400 copied in). A run under a day is that day's
    /// traffic: 600 a day, 4,200 kept over 7 days, 58% of a 10,000-byte
    /// disk left, full in 16.67 days. A two-day run halves the day's bytes.
    #[test]
    fn the_disk_keeps_retention_days_of_the_broker_writing_the_most() {
        let received = [];
        let c = capacity(&inputs(&received, &[]));
        assert_eq!(
            c.disk,
            DiskAtRetention {
                size_bytes: 10_000,
                per_day_bytes: 600,
                retained_bytes: 4_200,
                headroom: 0.58,
                days_to_fill: 16.667,
            }
        );
        let two_days = capacity(&CapacityInputs {
            run_s: 2.0 * 86_400.0,
            ..inputs(&received, &[])
        });
        assert_eq!(two_days.disk.per_day_bytes, 300);
        let full = capacity(&CapacityInputs {
            disk_size_bytes: 1_000,
            ..inputs(&received, &[])
        });
        assert!(full.disk.headroom < 0.0, "{:?}", full.disk);
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
            placed: &[],
            disk_size_bytes: 0,
            retention_s: 0.0,
        });
        assert_eq!(c.egress_over_ingress, 0.0);
        assert_eq!(c.disk.headroom, 0.0);
        assert_eq!(c.ingress_headroom, 0.0);
        assert_eq!(c.brokers, 1);
        assert_eq!(c.busiest_broker, Busiest::default());
    }
}
