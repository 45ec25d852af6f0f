//! The readers of the alert topic (the community brokers of
//! `[[consumers]]`), each reading every acknowledged alert in order at its
//! own rate, and what they never get.
//!
//! A reader sees an alert one fetch latency after the broker acknowledged
//! it and takes `1 / throughput` per alert, one after the other (a FIFO
//! per reader: a slow reader falls behind and stays behind). Its receipts
//! are computed when the batch is acknowledged, since nothing later can
//! change them.
//!
//! Three things lose alerts to a reader, each owned here:
//!
//! - **Retention.** The topic deletes an alert `kafka.retention_s` after it
//!   was written. A reader that reaches it later never gets it. Kafka
//!   deletes whole log segments once their newest record is that old, so a
//!   real alert may live somewhat longer; the model deletes at exactly
//!   that age, the earliest Kafka would (losses are an upper bound by at
//!   most one segment's span).
//! - **Away too long** (`consumer_offline`). While away, the reader reads
//!   nothing; when it comes back it resumes at its committed offset and
//!   catches up at its rate. Kafka keeps an empty group's offsets
//!   `kafka.offsets_retention_s` (since Kafka 2.1 the clock starts when the
//!   group becomes empty), so a reader away longer comes back without one
//!   and its `auto_offset_reset` decides: `latest` skips every alert
//!   written before it came back that it had not read; `earliest` starts at
//!   the oldest retained alert (re-reading what it had read before it left:
//!   that extra egress is not counted here).
//! - **The cluster redeployed** (`kafka_redeploy`). Readers reach the
//!   brokers through the ingress, the redeploy's last step: each is away
//!   for the whole redeploy, then catches up from its offset. With
//!   `data_lost` (the brokers' volumes deleted) the alerts it had not read
//!   when the cluster was lost are gone, and so are the offsets: it starts
//!   where its `auto_offset_reset` says in the new log (`latest` skips what
//!   the producer wrote between the Kafka step and the ingress).
//!
//! What the readers fetch at an instant ([`Readers::egress`]) loads the
//! leaders' outbound links, which the followers' fetches share: the Kafka
//! model slows acks=all writes when the readers catching up fill them.
//!
//! Not modelled: `retention.bytes` (unset in production, so the broker's
//! default, no size limit, applies), and the disk reads of a reader far
//! behind (the model takes every fetch from memory).

use alertsim_scenarios::{Consumer, Fault, Kafka, OffsetReset};

use crate::model::kafka::{BatchOutcome, ReaderEgress};
use crate::time::{SimDuration, SimTime};

/// The readers, none behind yet.
#[derive(Debug)]
pub struct Readers {
    readers: Vec<Reader>,
    retention: SimDuration,
}

#[derive(Debug)]
struct Reader {
    per_alert: SimDuration,
    fetch: SimDuration,
    /// When it is done with the last alert it read.
    free_at: SimTime,
    /// When the last alert it read became available to it: reading at
    /// its rate since then, it has a backlog.
    last_available: SimTime,
    reset: OffsetReset,
    /// Its `consumer_offline` and `kafka_redeploy` windows, in start order.
    away: Vec<Away>,
}

/// One time a reader is away.
#[derive(Debug, Clone, Copy)]
struct Away {
    from: SimTime,
    until: SimTime,
    /// It came back after the group's offsets expired (or were deleted).
    offset_expired: bool,
    /// The log was deleted at `from`: what it had not read by then is gone.
    log_lost: bool,
}

/// What happens to one alert at one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Read, done at this time.
    Read(SimTime),
    /// Never read.
    Lost,
}

impl Readers {
    /// One reader per consumer, with the `consumer_offline` faults that
    /// name it and the topic's retention from `kafka`.
    pub fn new(consumers: &[Consumer], kafka: &Kafka, faults: &[Fault]) -> Self {
        let offsets_retention = SimDuration::from_secs_f64(kafka.offsets_retention_s);
        let readers = consumers
            .iter()
            .map(|c| {
                let mut away: Vec<Away> = faults
                    .iter()
                    .filter_map(|f| match f {
                        Fault::ConsumerOffline {
                            at_s,
                            duration_s,
                            consumer,
                        } if *consumer == c.name => Some(Away {
                            from: SimTime::from_secs_f64(*at_s),
                            until: SimTime::from_secs_f64(at_s + duration_s),
                            offset_expired: SimDuration::from_secs_f64(*duration_s)
                                > offsets_retention,
                            log_lost: false,
                        }),
                        // Readers come through the ingress, back last.
                        Fault::KafkaRedeploy { data_lost, .. } => {
                            let (from, until) = f.window_s();
                            Some(Away {
                                from: SimTime::from_secs_f64(from),
                                until: SimTime::from_secs_f64(until),
                                offset_expired: *data_lost,
                                log_lost: *data_lost,
                            })
                        }
                        _ => None,
                    })
                    .collect();
                away.sort_by_key(|a| a.from);
                Reader {
                    per_alert: if c.throughput_alerts_per_s > 0.0 {
                        SimDuration::from_secs_f64(1.0 / c.throughput_alerts_per_s)
                    } else {
                        SimDuration(u64::MAX / 4)
                    },
                    fetch: SimDuration::from_secs_f64(c.fetch_latency_ms / 1000.0),
                    free_at: SimTime::from_secs_f64(c.start_delay_s),
                    last_available: SimTime::ZERO,
                    reset: c.auto_offset_reset,
                    away,
                }
            })
            .collect();
        Readers {
            readers,
            retention: SimDuration::from_secs_f64(kafka.retention_s),
        }
    }

    /// How many readers there are.
    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// True without readers.
    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    /// What the readers fetch at `now`, alerts of `bytes_per_alert`: a
    /// reader away fetches nothing, one with a backlog (still reading at
    /// `now`, and its last alert waited for it rather than it for the
    /// alert) fetches at its rate, the others keep pace.
    pub fn egress(&self, now: SimTime, bytes_per_alert: f64) -> ReaderEgress {
        let mut egress = ReaderEgress::default();
        for r in &self.readers {
            if r.away.iter().any(|a| a.from <= now && now < a.until) {
                continue;
            }
            if r.free_at > now && r.free_at > r.last_available + r.per_alert {
                egress.catching_up += 1;
                egress.catching_up_bytes_per_s +=
                    bytes_per_alert / r.per_alert.as_secs_f64().max(1e-9);
            } else {
                egress.keeping += 1;
            }
        }
        egress
    }

    /// Every reader takes the delivered alerts of a batch: calls
    /// `received(reader, at, acknowledged)` for each alert read, and
    /// `lost(reader, alerts)` once per reader that never gets some.
    pub fn receive_batch(
        &mut self,
        batch: &BatchOutcome,
        mut received: impl FnMut(usize, SimTime, SimTime),
        mut lost: impl FnMut(usize, u64),
    ) {
        let retention = self.retention;
        for (c, reader) in self.readers.iter_mut().enumerate() {
            let mut never = 0u64;
            for k in 0..batch.delivered {
                let acked = batch.outcome_at(k);
                match reader.read(acked, retention) {
                    Fate::Read(at) => received(c, at, acked),
                    Fate::Lost => never += 1,
                }
            }
            if never > 0 {
                lost(c, never);
            }
        }
    }
}

impl Reader {
    /// Reads (or not) the next alert, acknowledged at `acked`.
    fn read(&mut self, acked: SimTime, retention: SimDuration) -> Fate {
        let available = acked + self.fetch;
        let mut start = available.max(self.free_at);
        for away in &self.away {
            // The alert is read before it leaves, or after it is back.
            if start < away.from || start >= away.until {
                continue;
            }
            if away.log_lost && acked < away.from {
                // Written before the volumes were deleted, never read.
                return Fate::Lost;
            }
            if away.offset_expired && self.reset == OffsetReset::Latest && acked < away.until {
                // Back without an offset, it starts at the end of the log.
                return Fate::Lost;
            }
            start = away.until;
        }
        if start > acked + retention {
            // The topic deleted it before the reader got there.
            return Fate::Lost;
        }
        let done = start + self.per_alert;
        self.free_at = done;
        self.last_available = available;
        Fate::Read(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(name: &str, alerts_per_s: f64) -> Consumer {
        Consumer {
            name: name.into(),
            throughput_alerts_per_s: alerts_per_s,
            start_delay_s: 0.0,
            fetch_latency_ms: 0.0,
            reader_version: None,
            reader_upgrade_at_s: None,
            reader_upgrade_to: None,
            auto_offset_reset: OffsetReset::Latest,
        }
    }

    fn offline(name: &str, at_s: f64, duration_s: f64) -> Fault {
        Fault::ConsumerOffline {
            at_s,
            duration_s,
            consumer: name.into(),
        }
    }

    /// `n` alerts acknowledged one second apart from `first_s`.
    fn batch(first_s: u64, n: u32) -> BatchOutcome {
        BatchOutcome {
            first: SimTime(first_s * 1_000_000),
            step: SimDuration(1_000_000),
            delivered: n,
            failed: 0,
            done: SimTime((first_s + u64::from(n)) * 1_000_000),
        }
    }

    /// Runs batches through the readers: (last receipt, received, lost)
    /// per reader.
    fn run(readers: &mut Readers, batches: &[BatchOutcome]) -> Vec<(SimTime, u64, u64)> {
        let mut out = vec![(SimTime(0), 0, 0); readers.len()];
        let mut lost = vec![0; readers.len()];
        for b in batches {
            readers.receive_batch(
                b,
                |c, at, _| {
                    out[c].0 = at;
                    out[c].1 += 1;
                },
                |c, n| lost[c] += n,
            );
        }
        for (o, l) in out.iter_mut().zip(lost) {
            o.2 = l;
        }
        out
    }

    fn kafka(retention_s: f64, offsets_retention_s: f64) -> Kafka {
        Kafka {
            retention_s,
            offsets_retention_s,
            ..Kafka::default()
        }
    }

    #[test]
    fn a_slow_reader_falls_behind() {
        let mut r = Readers::new(
            &[consumer("fast", 1e6), consumer("slow", 100.0)],
            &Kafka::default(),
            &[],
        );
        let b = BatchOutcome {
            first: SimTime(0),
            step: SimDuration(1000),
            delivered: 10,
            failed: 0,
            done: SimTime(9000),
        };
        let out = run(&mut r, &[b]);
        assert_eq!(out[0].0, SimTime(9000 + 1));
        assert_eq!(out[1].0, SimTime(10 * 10_000));
        assert_eq!((out[0].2, out[1].2), (0, 0));
    }

    /// Away 100 s with its offset kept and retention long: it reads every
    /// alert, those written while it was away from the moment it is back.
    #[test]
    fn a_reader_back_within_retention_catches_up_on_everything() {
        let mut r = Readers::new(
            &[consumer("fink", 1000.0), consumer("lasair", 1000.0)],
            &kafka(1000.0, 1000.0),
            &[offline("fink", 10.0, 100.0)],
        );
        let out = run(&mut r, &[batch(0, 20), batch(50, 20)]);
        assert_eq!((out[0].1, out[0].2), (40, 0));
        assert_eq!((out[1].1, out[1].2), (40, 0));
        // Its last alert waits for its return at 110 s and the 39 before it.
        assert_eq!(out[0].0, SimTime(110_000_000 + 30 * 1000));
        assert!(out[1].0 < SimTime(70_000_000));
    }

    /// Away longer than retention: what was written more than retention
    /// before its return is gone for it alone.
    #[test]
    fn retention_shorter_than_the_absence_loses_the_oldest_alerts_to_that_reader_only() {
        let mut r = Readers::new(
            &[consumer("fink", 1000.0), consumer("lasair", 1000.0)],
            &kafka(60.0, 1000.0),
            &[offline("fink", 10.0, 100.0)],
        );
        // Alerts at 10..30 s are older than 60 s at its return (110 s);
        // those at 50..70 s are not.
        let out = run(&mut r, &[batch(0, 10), batch(10, 20), batch(50, 20)]);
        assert_eq!(out[0].2, 20, "fink lost the alerts written at 10..30 s");
        assert_eq!(out[0].1, 30);
        assert_eq!(out[1], (out[1].0, 50, 0), "lasair never went away");
    }

    /// Away longer than the offsets' retention: `latest` skips everything
    /// written before the return; `earliest` reads what is still retained.
    #[test]
    fn an_expired_offset_leaves_the_reset_policy_to_decide() {
        let mut earliest = consumer("ampel", 1000.0);
        earliest.auto_offset_reset = OffsetReset::Earliest;
        let mut r = Readers::new(
            &[consumer("alerce", 1000.0), earliest],
            &kafka(10_000.0, 50.0),
            &[
                offline("alerce", 10.0, 100.0),
                offline("ampel", 10.0, 100.0),
            ],
        );
        let out = run(&mut r, &[batch(0, 10), batch(20, 20), batch(200, 5)]);
        assert_eq!((out[0].1, out[0].2), (15, 20), "latest skipped 20");
        assert_eq!((out[1].1, out[1].2), (35, 0), "earliest read them all");
    }

    /// Back before the offsets expire: `latest` does not matter.
    #[test]
    fn a_kept_offset_ignores_the_reset_policy() {
        let mut r = Readers::new(
            &[consumer("alerce", 1000.0)],
            &kafka(10_000.0, 500.0),
            &[offline("alerce", 10.0, 100.0)],
        );
        let out = run(&mut r, &[batch(20, 20)]);
        assert_eq!((out[0].1, out[0].2), (20, 0));
    }

    fn redeploy(data_lost: bool) -> Fault {
        Fault::KafkaRedeploy {
            at_s: 10.0,
            controller_pool_s: 10.0,
            broker_pool_s: 10.0,
            kafka_s: 10.0,
            registry_operator_s: 10.0,
            registry_s: 10.0,
            ingress_s: 50.0,
            data_lost,
        }
    }

    /// A redeploy from 10 s to 110 s (Kafka back at 40 s): readers read
    /// nothing until the ingress at 110 s. A slow reader (2 s an alert) has
    /// 5 of 10 alerts written at 0..10 s unread when the cluster is lost;
    /// 10 more are written at 60..70 s. Kept volumes: it reads all 20.
    /// Deleted: the 5 unread are gone, and without an offset `latest`
    /// skips the 10 written before its return; `earliest` reads them.
    #[test]
    fn a_redeploy_holds_the_readers_until_the_ingress_and_deleted_volumes_lose_the_unread() {
        let mut earliest = consumer("ampel", 0.5);
        earliest.auto_offset_reset = OffsetReset::Earliest;
        let readers = [consumer("alerce", 0.5), earliest];
        let batches = [batch(0, 10), batch(60, 10)];

        let mut kept = Readers::new(&readers, &Kafka::default(), &[redeploy(false)]);
        let out = run(&mut kept, &batches);
        assert_eq!((out[0].1, out[0].2), (20, 0));
        // Back at 110 s: 5 left over and 10 new at 2 s each.
        assert_eq!(out[0].0, SimTime(140_000_000));

        let mut lost = Readers::new(&readers, &Kafka::default(), &[redeploy(true)]);
        let out = run(&mut lost, &batches);
        assert_eq!(
            (out[0].1, out[0].2),
            (5, 15),
            "latest: 5 unread + 10 skipped"
        );
        assert_eq!((out[1].1, out[1].2), (15, 5), "earliest: only the 5 unread");
    }
}
