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

/// The consumers and what they make of the schema ids.
pub(super) struct Readers {
    consumers: TopicReaders,
    /// One batch's receipts (consumer, time, the alert's acknowledgement),
    /// kept to reuse its memory.
    receipts: Vec<(usize, SimTime, SimTime)>,
    schema: Option<SchemaPlan>,
}

impl Readers {
    /// The scenario's consumers, none behind yet.
    pub(super) fn new(s: &Scenario) -> Self {
        Readers {
            consumers: TopicReaders::new(&s.consumers, &s.kafka, &s.faults),
            receipts: Vec::new(),
            schema: schema_evolution::plan_for(s),
        }
    }

    /// The consumers read a batch's delivered alerts, written with a
    /// schema id of `generation` for a visit read out at `readout_end`.
    pub(super) fn receive(
        &mut self,
        batch: &BatchOutcome,
        readout_end: SimTime,
        generation: u32,
        rec: &mut Recorder,
    ) {
        if batch.delivered == 0 || self.consumers.is_empty() {
            return;
        }
        let receipts = &mut self.receipts;
        receipts.clear();
        self.consumers.receive_batch(
            batch,
            |c, at, acked| receipts.push((c, at, acked)),
            |c, alerts| rec.alerts_lost_to_reader(c, alerts),
        );
        if let Some(plan) = &mut self.schema {
            for &(c, at, _) in receipts.iter() {
                plan.record_receipt(c, batch.first, at, generation);
            }
        }
        for &(c, at, acked) in receipts.iter() {
            rec.alert_received(c, at.saturating_since(readout_end).as_secs_f64());
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
