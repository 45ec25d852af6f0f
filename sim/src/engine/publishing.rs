//! Publishing a detector's alerts: the producer's batches against the Kafka
//! model (split where an alert meets a partition without a leader), what the
//! production publish policy does with failures (lose or spool), the
//! consumers' receipts, and the safe profile's replay of the spool.

use alertsim_core::publish::{Failure, FailureStage, Policy, Profile, Verdict};
use alertsim_scenarios::PublisherProfile;
use rand::RngExt;

use super::{ENCODE_BYTES_PER_S, Engine, Send};
use crate::model::kafka::BatchOutcome;
use crate::time::{SimDuration, SimTime};

/// Alerts the publisher holds for replay: their visit, how many, and the
/// schema id generation written in their header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spooled {
    pub(super) visit: u32,
    pub(super) alerts: u32,
    pub(super) generation: u32,
}

impl Engine<'_> {
    /// Publishes `alerts` alerts of `visit` from `start`, one after the
    /// other (the packager flushes after each), their header carrying a
    /// schema id of `generation`; returns when the packager is done and how
    /// many failed. Failed alerts are lost (Rubin's profile) or spooled for
    /// replay (safe profile).
    pub(super) fn publish(
        &mut self,
        start: SimTime,
        visit: u32,
        alerts: u32,
        send: Send,
        generation: u32,
    ) -> (SimTime, u32) {
        if alerts == 0 {
            return (start, 0);
        }
        let bytes = self.sizes.mean_of(alerts, &mut self.sizes_rng);
        let whole_bytes = bytes.round().max(0.0) as u64;
        let encode = SimDuration::from_secs_f64(bytes / ENCODE_BYTES_PER_S);
        let round_trip_ms = self.s.kafka.produce_latency_ms.sample(&mut self.kafka_rng);
        let round_trip = SimDuration::from_secs_f64(round_trip_ms / 1000.0);
        let batches = self.produce(start, alerts, bytes, encode, round_trip);
        let readout_end = self
            .visits
            .get(visit as usize)
            .map(|v| v.readout_end)
            .unwrap_or(SimTime::ZERO);
        if send == Send::Fresh {
            for _ in 0..alerts {
                self.rec.alert_produced(visit, whole_bytes);
            }
        }
        let done = batches.last().map_or(start, |b| b.done);
        if send == Send::Again {
            for _ in 0..batches.iter().map(|b| b.delivered).sum::<u32>() {
                self.rec.alert_duplicated(visit);
            }
            return (done, 0);
        }
        let mut failed = 0;
        for batch in &batches {
            for k in 0..batch.delivered {
                let latency = batch.outcome_at(k).saturating_since(readout_end);
                self.rec
                    .alert_delivered(visit, whole_bytes, latency.as_secs_f64());
            }
            failed += batch.failed;
            self.receive(batch, readout_end, generation);
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
        let partitions = self.s.kafka.partitions.max(1);
        let mut batches = Vec::new();
        let mut at = start;
        let mut left = alerts;
        while left > 0 {
            let rng = &mut self.partition_rng;
            let run = self
                .kafka
                .leadership
                .next_run(left, at, || rng.random_range(0..partitions));
            if run.normal > 0 {
                let batch = self
                    .kafka
                    .produce_batch_queued_at(now, at, run.normal, bytes, encode, round_trip);
                at = batch.done;
                left -= run.normal;
                batches.push(batch);
            }
            if let Some(until) = run.stalled_until {
                let batch = self
                    .kafka
                    .produce_stalled(now, at, until, bytes, encode, round_trip);
                at = batch.done;
                left -= 1;
                batches.push(batch);
            }
        }
        batches
    }

    /// The consumers read a batch's delivered alerts.
    fn receive(&mut self, batch: &BatchOutcome, readout_end: SimTime, generation: u32) {
        if batch.delivered == 0 || self.consumers.is_empty() {
            return;
        }
        let mut receipts = std::mem::take(&mut self.receipts);
        receipts.clear();
        self.consumers
            .receive_batch(batch, |c, at| receipts.push((c, at)));
        if let Some(plan) = &mut self.schema {
            for &(c, at) in &receipts {
                plan.record_receipt(c, batch.first, at, generation);
            }
        }
        for &(c, at) in &receipts {
            self.rec
                .alert_received(c, at.saturating_since(readout_end).as_secs_f64());
        }
        self.receipts = receipts;
    }

    /// The production policy decides what happens to alerts whose delivery
    /// failed. The model's failures are delivery timeouts (librdkafka's
    /// retries are inside the model's delivery timeout), so a retry verdict
    /// means spool and replay.
    fn settle_failures(&mut self, visit: u32, failed: u32, generation: u32) {
        let profile = match self.s.publisher.profile {
            PublisherProfile::Rubin => Profile::Rubin,
            PublisherProfile::Safe => Profile::Safe,
        };
        match Policy::for_profile(profile).decide(FailureStage::Delivery, Failure::TimedOut, 0) {
            Verdict::Spool | Verdict::Retry { .. } => self.spool.push_back(Spooled {
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

    /// The safe profile re-publishes spooled alerts at the next
    /// opportunity; what fails again stays in the spool.
    pub(super) fn replay_spool(&mut self, mut at: SimTime) -> SimTime {
        let mut rounds = self.spool.len();
        while rounds > 0 {
            rounds -= 1;
            let Some(spooled) = self.spool.pop_front() else {
                break;
            };
            let (done, failed) = self.publish(
                at,
                spooled.visit,
                spooled.alerts,
                Send::Replay,
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
