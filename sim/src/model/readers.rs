//! The readers of the alert topic (the community brokers of
//! `[[consumers]]`), each reading every acknowledged alert in order at its
//! own rate, and what they never get.
//!
//! A reader sees an alert one fetch latency after the broker acknowledged
//! it and takes `1 / throughput` per alert (or longer, when its user's
//! client quota, `quota_bytes_per_s`, allows fewer bytes), one after the
//! other (a FIFO per reader: a slow reader falls behind and stays behind). Its receipts
//! are computed when the batch is acknowledged, since nothing later can
//! change them.
//!
//! Four things lose alerts to a reader, each owned here:
//!
//! - **Retention.** The topic deletes an alert `kafka.retention_s` after it
//!   was written, or, with `kafka.retention_bytes` set, once its partition
//!   has written that many bytes after it, whichever comes first. A reader
//!   that reaches it later never gets it. Kafka deletes whole closed log
//!   segments (once their newest record is that old, or while the
//!   partition without its oldest segment is still over the size), so a
//!   real alert may live somewhat longer; the model ignores segments and
//!   deletes at exactly that age or size, the earliest Kafka would (losses
//!   are an upper bound by at most one segment's span or bytes). For the
//!   size, the topic's alerts are taken as spread evenly over its
//!   partitions (`retention_bytes * partitions` bytes kept in all), each
//!   alert of the size it is fetched at, in the order batches were
//!   appended.
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
//! - **A new topic** (`schema_changes[].new_topic`). Alerts from the
//!   cutover on are on `lsst-alerts-v{major}`: a reader whose user is
//!   never granted access there reads none of them; one granted later
//!   subscribes then, with no committed offset (`latest` skips what was
//!   written before its grant).
//!
//! Whether the size limit deletes an alert before a reader gets to it
//! depends on what is written later, so with `retention_bytes` set a
//! reader's receipts wait (`pending`) until the log has either pushed the
//! alert out or cannot any more before the reader reaches it: every batch
//! appended later is acknowledged after the time it is appended at. The
//! run's end settles what is left ([`Readers::finish`]).
//!
//! What the readers fetch at an instant ([`Readers::egress`]) loads the
//! leaders' outbound links, which the followers' fetches share: the Kafka
//! model slows acks=all writes when the readers catching up fill them.
//! Not modelled: the disk reads of a reader far behind (the model takes
//! every fetch from memory).

use std::collections::VecDeque;

use alertsim_scenarios::{Consumer, Fault, Kafka, OffsetReset, SchemaChange};

use crate::model::kafka::{BatchOutcome, ReaderEgress};
use crate::time::{SimDuration, SimTime};

/// The readers, none behind yet; `T` is what the caller tags each batch
/// with, handed back with each of its receipts.
#[derive(Debug)]
pub struct Readers<T = ()> {
    readers: Vec<Reader<T>>,
    retention: SimDuration,
    /// With `kafka.retention_bytes`: the topic's log, to know when the size
    /// limit deletes an alert.
    log: Option<Log>,
}

/// One batch's delivered alerts as the readers take them.
#[derive(Debug, Clone, Copy)]
struct Appended {
    /// Acknowledgement of its first alert.
    first: SimTime,
    /// Between consecutive acknowledgements.
    step: SimDuration,
    /// Alerts.
    count: u32,
    /// Bytes of each alert.
    bytes: f64,
    /// Bytes appended to the topic before its first alert.
    offset: f64,
    /// Its number in append order.
    seq: u64,
}

impl Appended {
    fn acked(&self, k: u32) -> SimTime {
        self.first + self.step.times(u64::from(k))
    }

    /// Bytes appended up to and including alert `k`.
    fn end_of(&self, k: u32) -> f64 {
        self.offset + f64::from(k + 1) * self.bytes
    }
}

/// The topic's log under a size limit: the batches appended that a
/// pending alert may still need, in append order.
#[derive(Debug)]
struct Log {
    /// Bytes the topic keeps in all (`retention_bytes * partitions`).
    limit: f64,
    batches: VecDeque<Appended>,
    /// Bytes appended so far.
    end: f64,
    /// The next batch's number.
    next_seq: u64,
}

impl Log {
    /// When the size limit deletes the alert whose last byte is at
    /// `end_bytes`: the acknowledgement of the first alert after which more
    /// than `limit` bytes follow it; `None` while not yet appended.
    fn deleted_at(&self, end_bytes: f64) -> Option<SimTime> {
        let target = end_bytes + self.limit;
        let i = self
            .batches
            .partition_point(|b| b.offset + f64::from(b.count) * b.bytes <= target);
        let b = self.batches.get(i)?;
        // The first alert of `b` whose end passes `target`.
        let k = ((target - b.offset) / b.bytes).floor().max(0.0) as u32;
        Some(b.acked(k.min(b.count.saturating_sub(1))))
    }

    /// Forgets the batches before number `seq`.
    fn forget_before(&mut self, seq: u64) {
        while self.batches.front().is_some_and(|b| b.seq < seq) {
            self.batches.pop_front();
        }
    }
}

/// Alerts of a batch a reader has yet to settle, from alert `next` on.
#[derive(Debug)]
struct Pending<T> {
    batch: Appended,
    next: u32,
    tag: T,
}

#[derive(Debug)]
struct Reader<T> {
    per_alert: SimDuration,
    /// Its user's client quota, bytes per second (none: unthrottled).
    quota_bytes_per_s: Option<f64>,
    fetch: SimDuration,
    /// When it is done with the last alert it read.
    free_at: SimTime,
    /// When the last alert it read became available to it: reading at
    /// its rate since then, it has a backlog.
    last_available: SimTime,
    reset: OffsetReset,
    /// Its `consumer_offline` and `kafka_redeploy` windows, in start order.
    away: Vec<Away>,
    /// The schema changes that cut over to a new topic, in time order.
    cutovers: Vec<Cutover>,
    /// Alerts not yet settled, in order.
    pending: VecDeque<Pending<T>>,
}

/// A cutover to a new topic as one reader meets it.
#[derive(Debug, Clone, Copy)]
struct Cutover {
    /// Alerts acknowledged from then on are on the new topic.
    at: SimTime,
    /// When its user is granted access there (never: `None`).
    access_from: Option<SimTime>,
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

impl<T: Copy> Readers<T> {
    /// One reader per consumer, with the `consumer_offline` faults that
    /// name it, every `kafka_redeploy`, the cutovers to new topics among
    /// `schema_changes`, and the topic's retention from `kafka`.
    pub fn new(
        consumers: &[Consumer],
        kafka: &Kafka,
        faults: &[Fault],
        schema_changes: &[SchemaChange],
    ) -> Self {
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
                let mut cutovers: Vec<Cutover> = schema_changes
                    .iter()
                    .filter(|change| change.new_topic)
                    .map(|change| Cutover {
                        at: SimTime::from_secs_f64(change.at_s),
                        access_from: c.new_topic_granted.then(|| {
                            SimTime::from_secs_f64(change.at_s + c.new_topic_grant_delay_s)
                        }),
                    })
                    .collect();
                cutovers.sort_by_key(|x| x.at);
                Reader {
                    per_alert: if c.throughput_alerts_per_s > 0.0 {
                        SimDuration::from_secs_f64(1.0 / c.throughput_alerts_per_s)
                    } else {
                        SimDuration(u64::MAX / 4)
                    },
                    quota_bytes_per_s: c.quota_bytes_per_s.filter(|q| *q > 0.0),
                    fetch: SimDuration::from_secs_f64(c.fetch_latency_ms / 1000.0),
                    free_at: SimTime::from_secs_f64(c.start_delay_s),
                    last_available: SimTime::ZERO,
                    reset: c.auto_offset_reset,
                    away,
                    cutovers,
                    pending: VecDeque::new(),
                }
            })
            .collect();
        Readers {
            readers,
            retention: SimDuration::from_secs_f64(kafka.retention_s),
            log: kafka.retention_bytes.map(|bytes| Log {
                // Validated >= 1.
                limit: bytes.max(1) as f64 * f64::from(kafka.partitions.max(1)),
                batches: VecDeque::new(),
                end: 0.0,
                next_seq: 0,
            }),
        }
    }

    /// Every reader takes the delivered alerts of a batch, each of
    /// `bytes_per_alert`, appended at `now` and tagged `tag`: calls
    /// `received(reader, at, acknowledged, tag)` for each alert read, and
    /// `lost(reader, alerts)` for alerts some reader never gets. Without a
    /// size limit every alert is settled here; with one, an alert is
    /// settled once the log decides it (a later call, or
    /// [`Readers::finish`]).
    pub fn receive_batch(
        &mut self,
        batch: &BatchOutcome,
        bytes_per_alert: f64,
        now: SimTime,
        tag: T,
        received: impl FnMut(usize, SimTime, SimTime, T),
        lost: impl FnMut(usize, u64),
    ) {
        if batch.delivered == 0 {
            return;
        }
        let mut appended = Appended {
            first: batch.first,
            step: batch.step,
            count: batch.delivered,
            bytes: bytes_per_alert.max(0.0),
            offset: 0.0,
            seq: 0,
        };
        if let Some(log) = &mut self.log {
            appended.offset = log.end;
            appended.seq = log.next_seq;
            log.end += f64::from(appended.count) * appended.bytes;
            log.next_seq += 1;
            log.batches.push_back(appended);
        }
        for reader in &mut self.readers {
            reader.pending.push_back(Pending {
                batch: appended,
                next: 0,
                tag,
            });
        }
        self.settle(now, received, lost);
    }

    /// Settles every alert still pending: nothing is appended after the
    /// run's end.
    pub fn finish(
        &mut self,
        received: impl FnMut(usize, SimTime, SimTime, T),
        lost: impl FnMut(usize, u64),
    ) {
        self.settle(SimTime(u64::MAX), received, lost);
    }

    /// Settles each reader's pending alerts in order, as far as what is
    /// known at `horizon` (every later batch is acknowledged after it)
    /// decides them.
    fn settle(
        &mut self,
        horizon: SimTime,
        mut received: impl FnMut(usize, SimTime, SimTime, T),
        mut lost: impl FnMut(usize, u64),
    ) {
        let retention = self.retention;
        let log = self.log.as_ref();
        for (c, reader) in self.readers.iter_mut().enumerate() {
            let mut never = 0u64;
            'batches: while let Some(mut p) = reader.pending.pop_front() {
                let per_alert = reader.per_alert_of(p.batch.bytes);
                while p.next < p.batch.count {
                    let k = p.next;
                    let acked = p.batch.acked(k);
                    let Some(start) = reader.start_of(acked, retention) else {
                        never += 1;
                        p.next += 1;
                        continue;
                    };
                    if let Some(log) = log {
                        match log.deleted_at(p.batch.end_of(k)) {
                            // Pushed out by the size limit before it got there.
                            Some(deleted) if deleted <= start => {
                                never += 1;
                                p.next += 1;
                                continue;
                            }
                            Some(_) => {}
                            // Nothing appended later can delete it before `start`.
                            None if start <= horizon => {}
                            None => {
                                reader.pending.push_front(p);
                                break 'batches;
                            }
                        }
                    }
                    let done = start + per_alert;
                    reader.free_at = done;
                    reader.last_available = acked + reader.fetch;
                    received(c, done, acked, p.tag);
                    p.next += 1;
                }
            }
            if never > 0 {
                lost(c, never);
            }
        }
        if let Some(log) = &mut self.log {
            let oldest = self
                .readers
                .iter()
                .filter_map(|r| r.pending.front().map(|p| p.batch.seq))
                .min()
                .unwrap_or(log.next_seq);
            log.forget_before(oldest);
        }
    }
}

impl<T> Readers<T> {
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
            let per_alert = r.per_alert_of(bytes_per_alert);
            if r.free_at > now && r.free_at > r.last_available + per_alert {
                egress.catching_up += 1;
                egress.catching_up_bytes_per_s +=
                    bytes_per_alert / per_alert.as_secs_f64().max(1e-9);
            } else {
                egress.keeping += 1;
            }
        }
        egress
    }

    /// How many readers there are.
    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// True without readers.
    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }
}

impl<T> Reader<T> {
    /// Time to read one alert of `bytes`: its own rate, or what its quota
    /// allows if that is slower (the broker throttles the fetch).
    fn per_alert_of(&self, bytes: f64) -> SimDuration {
        match self.quota_bytes_per_s {
            Some(quota) => self
                .per_alert
                .max(SimDuration::from_secs_f64(bytes / quota)),
            None => self.per_alert,
        }
    }

    /// When the reader starts on the next alert, acknowledged at `acked`,
    /// if it ever does (`None`: lost to it by an absence, a new topic or
    /// the retention time).
    fn start_of(&self, acked: SimTime, retention: SimDuration) -> Option<SimTime> {
        let mut start = (acked + self.fetch).max(self.free_at);
        if let Some(cutover) = self.cutovers.iter().rev().find(|x| x.at <= acked) {
            // On a new topic: readable once its user has access, from
            // where its `auto_offset_reset` starts a group with no offset
            // (never granted: lost).
            let from = cutover.access_from?;
            if self.reset == OffsetReset::Latest && acked < from {
                return None;
            }
            start = start.max(from);
        }
        for away in &self.away {
            // The alert is read before it leaves, or after it is back.
            if start < away.from || start >= away.until {
                continue;
            }
            if away.log_lost && acked < away.from {
                // Written before the volumes were deleted, never read.
                return None;
            }
            if away.offset_expired && self.reset == OffsetReset::Latest && acked < away.until {
                // Back without an offset, it starts at the end of the log.
                return None;
            }
            start = away.until;
        }
        if start > acked + retention {
            // The topic deleted it before the reader got there.
            return None;
        }
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(name: &str, alerts_per_s: f64) -> Consumer {
        Consumer {
            fetch_latency_ms: 0.0,
            ..Consumer::new(name, alerts_per_s)
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
                1000.0,
                b.first,
                (),
                |c, at, _, ()| {
                    out[c].0 = at;
                    out[c].1 += 1;
                },
                |c, n| lost[c] += n,
            );
        }
        readers.finish(
            |c, at, _, ()| {
                out[c].0 = at;
                out[c].1 += 1;
            },
            |c, n| lost[c] += n,
        );
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
            &[],
        );
        let out = run(&mut r, &[batch(0, 20), batch(50, 20)]);
        assert_eq!((out[0].1, out[0].2), (40, 0));
        assert_eq!((out[1].1, out[1].2), (40, 0));
        // Its last alert waits for its return at 110 s and the 39 before it.
        assert_eq!(out[0].0, SimTime(110_000_000 + 30 * 1000));
        assert!(out[1].0 < SimTime(70_000_000));
    }

    /// Away from 10 to 110 s while 1,000 alerts were written at 20..30 s:
    /// while away it fetches nothing; back, it reads its backlog at 100
    /// alerts/s until 120 s (catching up, at its rate); then it keeps pace.
    #[test]
    fn a_reader_back_from_an_absence_fetches_at_its_rate_until_it_has_caught_up() {
        let mut r = Readers::new(
            &[consumer("fink", 100.0), consumer("lasair", 1e6)],
            &kafka(1e6, 1e6),
            &[offline("fink", 10.0, 100.0)],
            &[],
        );
        let b = BatchOutcome {
            first: SimTime(20_000_000),
            step: SimDuration(10_000),
            delivered: 1000,
            failed: 0,
            done: SimTime(30_000_000),
        };
        run(&mut r, &[b]);
        let at = |s: u64| r.egress(SimTime(s * 1_000_000), 1000.0);
        assert_eq!((at(50).keeping, at(50).catching_up), (1, 0), "fink away");
        let back = at(115);
        assert_eq!((back.keeping, back.catching_up), (1, 1));
        assert_eq!(back.catching_up_bytes_per_s.round(), 100_000.0);
        assert_eq!((at(121).keeping, at(121).catching_up), (2, 0), "caught up");
    }

    /// Away longer than retention: what was written more than retention
    /// before its return is gone for it alone.
    #[test]
    fn retention_shorter_than_the_absence_loses_the_oldest_alerts_to_that_reader_only() {
        let mut r = Readers::new(
            &[consumer("fink", 1000.0), consumer("lasair", 1000.0)],
            &kafka(60.0, 1000.0),
            &[offline("fink", 10.0, 100.0)],
            &[],
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
            &[],
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
            &[],
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

        let mut kept = Readers::new(&readers, &Kafka::default(), &[redeploy(false)], &[]);
        let out = run(&mut kept, &batches);
        assert_eq!((out[0].1, out[0].2), (20, 0));
        // Back at 110 s: 5 left over and 10 new at 2 s each.
        assert_eq!(out[0].0, SimTime(140_000_000));

        let mut lost = Readers::new(&readers, &Kafka::default(), &[redeploy(true)], &[]);
        let out = run(&mut lost, &batches);
        assert_eq!(
            (out[0].1, out[0].2),
            (5, 15),
            "latest: 5 unread + 10 skipped"
        );
        assert_eq!((out[1].1, out[1].2), (15, 5), "earliest: only the 5 unread");
    }

    /// A reader of 1,000 alerts/s with a quota of 100,000 bytes/s reads
    /// alerts of 1,000 bytes at 100 a second: 10 alerts from 0 s take it
    /// until 0.1 s; unthrottled, 0.01 s.
    #[test]
    fn a_quota_throttles_a_reader_to_its_bytes() {
        let mut quota = consumer("babamul", 1000.0);
        quota.quota_bytes_per_s = Some(100_000.0);
        let mut r = Readers::new(
            &[quota, consumer("fink", 1000.0)],
            &Kafka::default(),
            &[],
            &[],
        );
        let b = BatchOutcome {
            first: SimTime(0),
            step: SimDuration(0),
            delivered: 10,
            failed: 0,
            done: SimTime(0),
        };
        let out = run(&mut r, &[b]);
        assert_eq!(out[0].0, SimTime(100_000));
        assert_eq!(out[1].0, SimTime(10_000));
    }

    /// A cutover to a new topic at 10 s: `alerce` is never granted (it
    /// reads only the 10 alerts before it); `ampel` is granted at 30 s
    /// with `latest` (it skips the 10 written at 10..20 s, reads the 5 at
    /// 40 s); `antares` at 30 s with `earliest` (reads all 25); `fink` at
    /// once (reads all 25).
    #[test]
    fn a_new_topic_is_read_by_the_readers_granted_access_from_their_grant() {
        let mut later = consumer("ampel", 1000.0);
        later.new_topic_grant_delay_s = 20.0;
        let mut later_earliest = consumer("antares", 1000.0);
        later_earliest.new_topic_grant_delay_s = 20.0;
        later_earliest.auto_offset_reset = OffsetReset::Earliest;
        let mut never = consumer("alerce", 1000.0);
        never.new_topic_granted = false;
        let cutover = SchemaChange {
            at_s: 10.0,
            version: "11.0".into(),
            new_topic: true,
        };
        let mut r = Readers::new(
            &[never, later, later_earliest, consumer("fink", 1000.0)],
            &Kafka::default(),
            &[],
            &[cutover],
        );
        let out = run(&mut r, &[batch(0, 10), batch(10, 10), batch(40, 5)]);
        let got: Vec<(u64, u64)> = out.iter().map(|o| (o.1, o.2)).collect();
        assert_eq!(got, [(10, 15), (15, 10), (25, 0), (25, 0)]);
        // Granted at 30 s, `antares` reads the 10 waiting alerts from then.
        assert!(out[2].0 >= SimTime(40_000_000));
    }

    fn with_retention_bytes(retention_bytes: Option<i64>) -> Kafka {
        Kafka {
            retention_s: 1e6,
            partitions: 2,
            retention_bytes,
            ..Kafka::default()
        }
    }

    /// 40 alerts of 1,000 bytes written 1 s apart; two partitions of 5,000
    /// bytes keep 10 of them, so alert k is deleted when alert k + 11 is
    /// written, at k + 11 s. A reader of 2 s an alert starts alert k at 2k
    /// s while it keeps up (k <= 10); from then on every other alert is
    /// gone when it gets there (11, 13, ..., 27: 9 alerts), and alerts 29
    /// and later are never pushed out. The 10^6 s retention alone loses
    /// nothing; the fast reader loses nothing either way. The same alerts
    /// in two batches give the same answer: the slow reader's receipts wait
    /// for the second batch.
    #[test]
    fn a_size_limit_loses_alerts_to_a_slow_reader_that_time_retention_alone_would_not() {
        let readers = [consumer("fast", 1e6), consumer("slow", 0.5)];
        let lost = |kafka: Kafka, batches: &[BatchOutcome]| -> Vec<(u64, u64)> {
            let mut r = Readers::new(&readers, &kafka, &[], &[]);
            run(&mut r, batches).iter().map(|o| (o.1, o.2)).collect()
        };
        let whole = [batch(0, 40)];
        let split = [batch(0, 20), batch(20, 20)];
        assert_eq!(lost(with_retention_bytes(None), &whole), [(40, 0), (40, 0)]);
        assert_eq!(
            lost(with_retention_bytes(Some(5000)), &whole),
            [(40, 0), (31, 9)]
        );
        assert_eq!(
            lost(with_retention_bytes(Some(5000)), &split),
            [(40, 0), (31, 9)]
        );
    }

    /// A pending alert is settled by a later batch even when the reader
    /// is still behind: without [`Readers::finish`], the first batch's
    /// alerts the second batch pushed out are already counted lost.
    #[test]
    fn a_later_batch_settles_what_it_pushes_out() {
        let mut r = Readers::new(
            &[consumer("slow", 0.5)],
            &with_retention_bytes(Some(5000)),
            &[],
            &[],
        );
        let mut lost = 0;
        for b in [batch(0, 20), batch(20, 20)] {
            r.receive_batch(&b, 1000.0, b.first, (), |_, _, _, ()| {}, |_, n| lost += n);
        }
        assert_eq!(lost, 9);
    }
}
