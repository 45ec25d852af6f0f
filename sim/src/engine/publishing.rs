//! Publishing a detector's alerts: the producer's batches against the Kafka
//! model (split where an alert meets a partition without a leader), what the
//! production publish policy does with failures (lose or spool), and the
//! safe profile's replay of the spool. The faults that act on Kafka: brokers
//! down (`broker_outage`, `kafka_redeploy`, `broker_disk_full`: Kafka
//! halts a broker whose log disk is full), slow brokers, writes rejected
//! (`network_partition`), partitions without a leader,
//! and a stalled broker (`broker_stalled`); the partitions' placement on
//! the brokers and each broker's share of the delivered bytes.

use std::collections::VecDeque;

use alertsim_core::publish::{Failure, FailureStage, Policy, Verdict};
use alertsim_scenarios::Scenario;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::stages::Acks;
use super::{Engine, Event};
use crate::model::kafka::{BatchOutcome, KafkaCluster};
use crate::model::kube::JobId;
use crate::model::placement::{Partitions, Placement};
use crate::rng::{Stream, stream};
use crate::sizes::AlertSizes;
use crate::time::{SimDuration, SimTime};

mod brokers;

/// Encoder throughput of one worker core, bytes per second: the direct
/// Avro encoder's target (issue 2), a fixed figure so that runs stay
/// deterministic (wall-clock measurements never enter a report).
pub const ENCODE_BYTES_PER_S: f64 = 800e6;

/// Which attempt at a batch of alerts this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// First time: counted as produced.
    Fresh,
    /// Replayed from the spool after failing: produced already, not delivered.
    Replay,
    /// A reclaimed entry processed again: every acknowledged alert is a duplicate.
    Again,
}

/// Alerts the publisher holds for replay: their visit, how many, and the
/// schema id generation written in their header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spooled {
    visit: u32,
    alerts: u32,
    generation: u32,
}

/// The Kafka cluster as the producers see it, and the publisher's spool.
pub(super) struct Publishing {
    kafka: KafkaCluster,
    spool: VecDeque<Spooled>,
    sizes: AlertSizes,
    sizes_rng: ChaCha8Rng,
    kafka_rng: ChaCha8Rng,
    partition_rng: ChaCha8Rng,
    /// Brokers in the cluster.
    brokers: u32,
    /// Brokers taken down by faults under way.
    brokers_down: u32,
    /// Which brokers each outage fault under way took down.
    outages: Vec<(u32, Vec<u32>)>,
    /// The partitions' replicas and leaders, and the bytes per broker.
    placed: Partitions,
    /// `kafka.replica_lag_time_max_ms`.
    replica_lag: SimDuration,
    /// `kafka.broker_session_timeout_ms`: a stopped broker is fenced then.
    session_timeout: SimDuration,
    /// `kafka.min_insync_replicas`.
    min_insync: u32,
    /// `kafka.replication_factor`.
    replication: u32,
    /// Partitions of the alert topic.
    partitions: u32,
    /// The acknowledgements of the last fresh publication (for the budget).
    last_acks: Option<Acks>,
    /// Alerts too large to send that the publisher keeps (`safe`): each
    /// visit and how many.
    unsendable: Vec<(u32, u32)>,
}

impl Publishing {
    /// The scenario's healthy cluster, alert sizes drawn from `sizes`.
    pub(super) fn new(s: &Scenario, sizes: AlertSizes) -> Self {
        Publishing {
            kafka: KafkaCluster::new(&s.kafka),
            spool: VecDeque::new(),
            sizes,
            sizes_rng: stream(s.seed, Stream::AlertSizes),
            kafka_rng: stream(s.seed, Stream::Kafka),
            partition_rng: stream(s.seed, Stream::Partitions),
            brokers: s.kafka.brokers,
            brokers_down: 0,
            outages: Vec::new(),
            placed: Partitions::new(
                Placement::striped(
                    s.kafka.brokers,
                    s.kafka.partitions,
                    s.kafka.replication_factor,
                    &mut stream(s.seed, Stream::Placement),
                ),
                s.kafka.leader_imbalance_check_interval_s,
            ),
            replica_lag: SimDuration(s.kafka.replica_lag_time_max_ms.saturating_mul(1000)),
            session_timeout: SimDuration(s.kafka.broker_session_timeout_ms.saturating_mul(1000)),
            min_insync: s.kafka.min_insync_replicas,
            replication: s.kafka.replication_factor,
            partitions: s.kafka.partitions,
            last_acks: None,
            unsendable: Vec::new(),
        }
    }

    /// Whether nothing waits in the spool.
    pub(super) fn spool_is_empty(&self) -> bool {
        self.spool.is_empty()
    }

    /// Alerts waiting in the spool.
    pub(super) fn spooled_alerts(&self) -> u64 {
        self.spool
            .iter()
            .map(|spooled| u64::from(spooled.alerts))
            .sum()
    }

    /// Empties the spool and the alerts too large to send: each visit and
    /// how many of its alerts were held.
    pub(super) fn drain_spool(&mut self) -> Vec<(u32, u32)> {
        let mut held: Vec<(u32, u32)> = self.spool.drain(..).map(|s| (s.visit, s.alerts)).collect();
        held.append(&mut self.unsendable);
        held
    }
}

impl Engine<'_> {
    /// The worker of `job` has processed its detector: the packager
    /// publishes its alerts (after replaying the spool when the brokers
    /// take writes again) and the worker is done when the last is out.
    pub(super) fn package(&mut self, now: SimTime, job: JobId) {
        if !self.workers.alive(job) {
            return;
        }
        let Some(held) = self.workers.start_publishing(job) else {
            return;
        };
        // A reclaimed entry whose alerts went out before sends them again.
        let attempt = if self.outcomes.first_publication(held.id) {
            Attempt::Fresh
        } else {
            Attempt::Again
        };
        let mut start = now;
        if self.publishing.kafka.accepts_writes() && !self.publishing.spool.is_empty() {
            start = self.replay_spool(start);
        }
        let alerts = self.fanout.detector_alerts(held.body);
        let generation = self.workers.schema_id_generation(job);
        self.publishing.last_acks = None;
        let (done, _) = self.publish(start, held.body.visit, alerts, attempt, generation);
        if let Some(acks) = self.publishing.last_acks.take() {
            self.record_stages(job, held.body, &held.timeline, acks);
        }
        self.queue.schedule(done, Event::DetectorDone(job));
    }

    /// Publishes `alerts` alerts of `visit` from `start`, one after the
    /// other (the packager flushes after each), their header carrying a
    /// schema id of `generation`; returns when the packager is done and how
    /// many failed. Failed alerts are lost (Rubin's profile) or spooled for
    /// replay (safe profile).
    fn publish(
        &mut self,
        start: SimTime,
        visit: u32,
        alerts: u32,
        attempt: Attempt,
        generation: u32,
    ) -> (SimTime, u32) {
        if alerts == 0 {
            return (start, 0);
        }
        let p = &mut self.publishing;
        // Only a fresh attempt can meet an alert too large to send: a replay
        // or a second processing re-sends alerts that fit already.
        let limit = match attempt {
            Attempt::Fresh => self.s.kafka.largest_deliverable_alert_bytes(),
            Attempt::Replay | Attempt::Again => u64::MAX,
        };
        let drawn = p.sizes.draw(alerts, limit, &mut p.sizes_rng);
        let bytes = drawn.mean_bytes;
        let whole_bytes = bytes.round().max(0.0) as u64;
        let encode = SimDuration::from_secs_f64(bytes / ENCODE_BYTES_PER_S);
        let round_trip_ms = self.s.kafka.produce_latency_ms.sample(&mut p.kafka_rng);
        let round_trip = SimDuration::from_secs_f64(round_trip_ms / 1000.0);
        let sent = alerts - drawn.too_large;
        let batches = self.produce(start, sent, bytes, encode, round_trip);
        let readout_end = self.fanout.readout_end(visit).unwrap_or(SimTime::ZERO);
        if attempt == Attempt::Fresh {
            for _ in 0..alerts {
                self.rec.alert_produced(visit, whole_bytes);
            }
            self.refuse_too_large(visit, drawn.too_large);
        }
        let done = batches.last().map_or(start, |b| b.done);
        if attempt == Attempt::Again {
            for _ in 0..batches.iter().map(|b| b.delivered).sum::<u32>() {
                self.rec.alert_duplicated(visit);
            }
            return (done, 0);
        }
        if attempt == Attempt::Fresh {
            self.publishing.last_acks = Acks::of(&batches, round_trip);
        }
        let delivered: u32 = batches.iter().map(|b| b.delivered).sum();
        let now = self.queue.now();
        self.publishing
            .placed
            .account(now, f64::from(delivered) * whole_bytes as f64);
        // Readers fetch the record batches as the producer compressed them.
        let fetched = bytes * self.s.kafka.compression_ratio.max(0.0);
        let mut failed = 0;
        for batch in &batches {
            for k in 0..batch.delivered {
                let latency = batch.outcome_at(k).saturating_since(readout_end);
                self.rec
                    .alert_delivered(visit, whole_bytes, latency.as_secs_f64());
            }
            failed += batch.failed;
            self.readers
                .receive(batch, fetched, now, readout_end, generation, &mut self.rec);
            self.archive_written(now, batch, readout_end);
        }
        if failed > 0 {
            self.settle_failures(visit, failed, generation);
        }
        (done, failed)
    }

    /// The producer's batches for `alerts` alerts from `start`: one batch
    /// while every partition has a leader; otherwise runs of alerts on
    /// partitions with a leader, each alert on a leaderless partition on its
    /// own (it waits for the election or fails at the delivery timeout, and
    /// the packager waits with it).
    fn produce(
        &mut self,
        start: SimTime,
        alerts: u32,
        bytes: f64,
        encode: SimDuration,
        round_trip: SimDuration,
    ) -> Vec<BatchOutcome> {
        let now = self.queue.now();
        let mut egress = self.readers.egress(now, bytes);
        if self.archive.is_some() {
            // The archive's ingester reads every alert too; it is counted
            // as keeping pace (at most 20 replicas of 30 alerts/s).
            egress.keeping += 1;
        }
        let p = &mut self.publishing;
        p.kafka.set_reader_egress(egress);
        let partitions = p.partitions.max(1);
        let mut batches = Vec::new();
        let mut at = start;
        let mut left = alerts;
        while left > 0 {
            let rng = &mut p.partition_rng;
            let run = p
                .kafka
                .leadership
                .next_run(left, at, || rng.random_range(0..partitions));
            if run.normal > 0 {
                let batch = p
                    .kafka
                    .produce_batch_queued_at(now, at, run.normal, bytes, encode, round_trip);
                at = batch.done;
                left -= run.normal;
                batches.push(batch);
            }
            if let Some(until) = run.stalled_until {
                let batch = p
                    .kafka
                    .produce_stalled(now, at, until, bytes, encode, round_trip);
                at = batch.done;
                left -= 1;
                batches.push(batch);
            }
        }
        batches
    }

    /// The production policy decides what happens to alerts whose delivery
    /// failed. The model's failures are delivery timeouts (librdkafka's
    /// retries are inside the model's delivery timeout), so a retry verdict
    /// means spool and replay.
    fn settle_failures(&mut self, visit: u32, failed: u32, generation: u32) {
        match Policy::for_profile(self.plan.publisher_profile).decide(
            FailureStage::Delivery,
            Failure::TimedOut,
            0,
        ) {
            Verdict::Spool | Verdict::Retry { .. } => self.publishing.spool.push_back(Spooled {
                visit,
                alerts: failed,
                generation,
            }),
            Verdict::Lose => {
                for _ in 0..failed {
                    self.rec.alert_lost(visit);
                }
            }
        }
    }

    /// Alerts larger than the producer's or the broker's limit are refused
    /// at the produce call: the policy loses them (`rubin`, as the packager
    /// does) or keeps them (`safe`), but no replay can send them, so they
    /// stay with the publisher and count as lost at the end of the night.
    fn refuse_too_large(&mut self, visit: u32, too_large: u32) {
        if too_large == 0 {
            return;
        }
        match Policy::for_profile(self.plan.publisher_profile).decide(
            FailureStage::Produce,
            Failure::TooLarge,
            0,
        ) {
            Verdict::Lose => {
                for _ in 0..too_large {
                    self.rec.alert_lost(visit);
                }
            }
            Verdict::Spool | Verdict::Retry { .. } => {
                self.publishing.unsendable.push((visit, too_large));
            }
        }
    }

    /// The safe profile re-publishes spooled alerts at the next
    /// opportunity; what fails again stays in the spool. The spool is
    /// shared: each worker about to publish takes its share of it (the
    /// entries over the workers busy now, rounded up) rather than the
    /// whole, so a backlog drains across the workers in parallel.
    fn replay_spool(&mut self, at: SimTime) -> SimTime {
        let waiting = self.publishing.spool.len();
        let busy = self.workers.busy().max(1) as usize;
        self.replay_entries(at, waiting.div_ceil(busy))
    }

    /// Once no worker holds a detector any more, what the workers left in
    /// the spool is replayed whole, as `alertsim replay` does after a
    /// load run (and at the next try if the brokers refuse it now).
    pub(super) fn replay_leftover_spool(&mut self, now: SimTime) {
        if self.workers.busy() == 0
            && !self.publishing.spool.is_empty()
            && self.publishing.kafka.accepts_writes()
        {
            let all = self.publishing.spool.len();
            self.replay_entries(now, all);
        }
    }

    /// Replays up to `entries` spooled batches from `at`, stopping at one
    /// that fails again; returns when the last one was done.
    fn replay_entries(&mut self, mut at: SimTime, entries: usize) -> SimTime {
        for _ in 0..entries {
            let Some(spooled) = self.publishing.spool.pop_front() else {
                break;
            };
            let (done, failed) = self.publish(
                at,
                spooled.visit,
                spooled.alerts,
                Attempt::Replay,
                spooled.generation,
            );
            at = done;
            if failed > 0 {
                break;
            }
        }
        at
    }
}
