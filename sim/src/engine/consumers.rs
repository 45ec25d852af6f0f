//! The community brokers reading the alert topic: each reads the delivered
//! alerts of every batch at its own rate, and its receipts are timed from
//! the visit's readout; with schema changes or registry faults, whether it
//! can decode each alert's schema id is tracked too.

use alertsim_reports::Recorder;
use alertsim_scenarios::Scenario;

use crate::model::kafka::{BatchOutcome, ReaderEgress};
use crate::model::readers::Readers as TopicReaders;
use crate::schema_evolution::{self, SchemaPlan};
use crate::time::SimTime;

/// What the receipts of a batch are timed and decoded by: the visit's
/// readout end, the id generation its alerts were written with, and the
/// batch's first acknowledgement.
#[derive(Debug, Clone, Copy)]
struct BatchTag {
    readout_end: SimTime,
    generation: u32,
    first: SimTime,
}

/// The consumers and what they make of the schema ids.
pub(super) struct Readers {
    consumers: TopicReaders<BatchTag>,
    /// The receipts settled by one call (consumer, time, the alert's
    /// acknowledgement, its batch), kept to reuse its memory.
    receipts: Vec<(usize, SimTime, SimTime, BatchTag)>,
    schema: Option<SchemaPlan>,
}

impl Readers {
    /// The scenario's consumers, none behind yet.
    pub(super) fn new(s: &Scenario) -> Self {
        Readers {
            consumers: TopicReaders::new(&s.consumers, &s.kafka, &s.faults, &s.schema_changes),
            receipts: Vec::new(),
            schema: schema_evolution::plan_for(s),
        }
    }

    /// The consumers read a batch's delivered alerts of `bytes_per_alert`,
    /// appended at `now` and written with a schema id of `generation` for a
    /// visit read out at `readout_end`. Receipts are recorded once the
    /// readers' model settles them (at once without `kafka.retention_bytes`).
    pub(super) fn receive(
        &mut self,
        batch: &BatchOutcome,
        bytes_per_alert: f64,
        now: SimTime,
        readout_end: SimTime,
        generation: u32,
        rec: &mut Recorder,
    ) {
        if batch.delivered == 0 || self.consumers.is_empty() {
            return;
        }
        let tag = BatchTag {
            readout_end,
            generation,
            first: batch.first,
        };
        let receipts = &mut self.receipts;
        receipts.clear();
        self.consumers.receive_batch(
            batch,
            bytes_per_alert,
            now,
            tag,
            |c, at, acked, tag| receipts.push((c, at, acked, tag)),
            |c, alerts| rec.alerts_lost_to_reader(c, alerts),
        );
        self.record(rec);
    }

    /// The run is over: the receipts still waiting on the log are settled.
    pub(super) fn finish(&mut self, rec: &mut Recorder) {
        let receipts = &mut self.receipts;
        receipts.clear();
        self.consumers.finish(
            |c, at, acked, tag| receipts.push((c, at, acked, tag)),
            |c, alerts| rec.alerts_lost_to_reader(c, alerts),
        );
        self.record(rec);
    }

    /// Records the receipts just settled.
    fn record(&mut self, rec: &mut Recorder) {
        if let Some(plan) = &mut self.schema {
            for &(c, at, _, tag) in &self.receipts {
                plan.record_receipt(c, tag.first, at, tag.generation);
            }
        }
        for &(c, at, acked, tag) in &self.receipts {
            rec.alert_received(c, at.saturating_since(tag.readout_end).as_secs_f64());
            rec.alert_receipt_stage(c, at.saturating_since(acked).as_secs_f64());
        }
    }

    /// What the readers fetch at `now` (see `model::readers`).
    pub(super) fn egress(&self, now: SimTime, bytes_per_alert: f64) -> ReaderEgress {
        self.consumers.egress(now, bytes_per_alert)
    }

    /// What the schema plan recorded, for the report.
    pub(super) fn into_schema_plan(self) -> Option<SchemaPlan> {
        self.schema
    }
}
