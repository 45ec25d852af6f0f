//! Alert schema changes during a run: the producer's version over time
//! (each `[[schema_changes]]` entry is checked by the registry's real
//! compatibility check and either adopted or refused), each consumer's
//! reader version over time, and per-consumer counts of alerts it could not
//! decode or decoded with fields lost, whether because schema resolution
//! fails or because the consumer could not get the schema of the alert's
//! id from the registry (outage, rebuild: see [`crate::model::registry`]).
//!
//! The (writer, reader) outcomes come from
//! [`alertsim_core::alert::schema_history::outcome_table`], computed once
//! per plan with apache-avro's schema resolution on real encoded alerts, so
//! counting an alert is a table look-up and the run stays deterministic.

use std::collections::BTreeMap;

use alertsim_core::alert::schema_history::{
    HistoryError, ReadOutcome, SchemaVersion, outcome_table, registration_refusals,
};
use alertsim_core::registry::compat::CompatibilityLevel;
use alertsim_reports::{Report, SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};
use alertsim_scenarios::Scenario;

use crate::model::registry::{IdCaches, RegistryTimeline};
use crate::time::SimTime;

/// Why the scenario's schema settings cannot be simulated (validation
/// normally catches these first).
#[derive(Debug, thiserror::Error)]
pub enum SchemaPlanError {
    /// A version string the core does not know.
    #[error(
        "{path}: alert schema version `{version}` is not simulated (expected \"10.0\" or \"11.0\")"
    )]
    UnknownVersion {
        /// Scenario key.
        path: String,
        /// The value found.
        version: String,
    },
    /// The compatibility level does not parse.
    #[error("schema_registry.compatibility: {0}")]
    Level(String),
    /// Deriving or checking a schema failed.
    #[error(transparent)]
    History(#[from] HistoryError),
}

/// One `[[schema_changes]]` entry as the registry decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDecision {
    /// When, virtual seconds (scaled to ms for exactness).
    pub at_ms: u64,
    /// Version the producer had.
    pub from: SchemaVersion,
    /// Version it asked to register.
    pub to: SchemaVersion,
    /// Reasons the registry refused it; empty when adopted.
    pub refusals: Vec<String>,
}

/// A consumer's reader schema over time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reader {
    start: SchemaVersion,
    upgrade: Option<(u64, SchemaVersion)>,
}

impl Reader {
    fn at(&self, at_ms: u64) -> SchemaVersion {
        match self.upgrade {
            Some((when, version)) if at_ms >= when => version,
            _ => self.start,
        }
    }
}

/// Per-consumer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadCounts {
    /// Alerts the consumer could not decode.
    pub undecodable: u64,
    /// Alerts decoded with fields lost.
    pub fields_lost: u64,
}

/// The producer's and consumers' versions over a run, and the counts so far.
#[derive(Debug, Clone)]
pub struct SchemaPlan {
    /// The registry's verdict on each change, in time order.
    pub decisions: Vec<ChangeDecision>,
    /// Producer version from each time on (first entry at 0).
    producer: Vec<(u64, SchemaVersion)>,
    readers: Vec<Reader>,
    outcomes: BTreeMap<(SchemaVersion, SchemaVersion), ReadOutcome>,
    /// Counts per consumer, in scenario order.
    pub counts: Vec<ReadCounts>,
    /// The registry's availability and each consumer's cached ids.
    ids: IdCaches,
}

fn version(path: String, text: &str) -> Result<SchemaVersion, SchemaPlanError> {
    SchemaVersion::parse(text).ok_or_else(|| SchemaPlanError::UnknownVersion {
        path,
        version: text.to_owned(),
    })
}

fn ms(seconds: f64) -> u64 {
    // Validated non-negative and finite; the cast saturates otherwise.
    (seconds * 1000.0).round() as u64
}

impl SchemaPlan {
    /// Whether the scenario uses schema changes, reader versions or
    /// registry faults; when not, the run carries no plan and its report
    /// has no schema section.
    pub fn wanted(scenario: &Scenario) -> bool {
        !scenario.schema_changes.is_empty()
            || RegistryTimeline::from_scenario(scenario).has_faults()
            || scenario
                .consumers
                .iter()
                .any(|c| c.reader_version.is_some() || c.reader_upgrade_to.is_some())
    }

    /// Decides every change with the registry's check and fixes each consumer's readers.
    pub fn new(scenario: &Scenario) -> Result<Self, SchemaPlanError> {
        let registry = &scenario.schema_registry;
        let level: CompatibilityLevel = registry.compatibility.parse().map_err(
            |e: alertsim_core::registry::error::RegistryError| {
                SchemaPlanError::Level(e.to_string())
            },
        )?;
        let start = version(
            "schema_registry.start_version".into(),
            &registry.start_version,
        )?;
        let mut changes: Vec<(usize, u64, SchemaVersion, bool)> = Vec::new();
        for (i, change) in scenario.schema_changes.iter().enumerate() {
            let to = version(format!("schema_changes.{i}.version"), &change.version)?;
            changes.push((i, ms(change.at_s), to, change.new_topic));
        }
        changes.sort_by_key(|&(i, at, _, _)| (at, i));
        let mut registered = vec![start];
        let mut producer = vec![(0, start)];
        let mut decisions = Vec::new();
        let mut current = start;
        for (_, at_ms, to, new_topic) in changes {
            // A new topic is a new subject: nothing to be compatible with.
            if new_topic {
                registered.clear();
            }
            let refusals = registration_refusals(level, to, &registered)?;
            if refusals.is_empty() {
                registered.push(to);
                producer.push((at_ms, to));
                decisions.push(ChangeDecision {
                    at_ms,
                    from: current,
                    to,
                    refusals,
                });
                current = to;
            } else {
                decisions.push(ChangeDecision {
                    at_ms,
                    from: current,
                    to,
                    refusals,
                });
            }
        }
        let mut readers = Vec::new();
        for (i, consumer) in scenario.consumers.iter().enumerate() {
            let start = version(
                format!("consumers.{i}.reader_version"),
                registry.reader_start_version(consumer),
            )?;
            let upgrade = match (&consumer.reader_upgrade_to, consumer.reader_upgrade_at_s) {
                (Some(to), Some(at)) => Some((
                    ms(at),
                    version(format!("consumers.{i}.reader_upgrade_to"), to)?,
                )),
                _ => None,
            };
            readers.push(Reader { start, upgrade });
        }
        let outcomes = outcome_table()?
            .into_iter()
            .map(|(w, r, o)| ((w, r), o))
            .collect();
        let counts = vec![ReadCounts::default(); readers.len()];
        let ids = IdCaches::new(RegistryTimeline::from_scenario(scenario), readers.len());
        Ok(Self {
            decisions,
            producer,
            readers,
            outcomes,
            counts,
            ids,
        })
    }

    /// The producer's version at `at_ms`.
    pub fn producer_at(&self, at_ms: u64) -> SchemaVersion {
        self.producer
            .iter()
            .rev()
            .find(|(when, _)| *when <= at_ms)
            .map_or(self.producer[0].1, |&(_, v)| v)
    }

    /// Counts `alerts` alerts written at `written_ms` and read by `consumer` at `read_ms`.
    pub fn record(&mut self, consumer: usize, written_ms: u64, read_ms: u64, alerts: u64) {
        let writer = self.producer_at(written_ms);
        let Some(reader) = self.readers.get(consumer).map(|r| r.at(read_ms)) else {
            return;
        };
        let outcome = self
            .outcomes
            .get(&(writer, reader))
            .copied()
            .unwrap_or(ReadOutcome::Fails);
        let counts = &mut self.counts[consumer];
        match outcome {
            ReadOutcome::Decodes => {}
            ReadOutcome::LosesFields => counts.fields_lost += alerts,
            ReadOutcome::Fails => counts.undecodable += alerts,
        }
    }
}

impl SchemaPlan {
    /// Counts one alert written at `written` with an id of `generation`
    /// and read by `consumer` at `read`: undecodable when the consumer
    /// cannot get the schema of its id from the registry, else as
    /// [`SchemaPlan::record`] decides.
    pub fn record_receipt(
        &mut self,
        consumer: usize,
        written: SimTime,
        read: SimTime,
        generation: u32,
    ) {
        let (written_ms, read_ms) = (time_ms(written), time_ms(read));
        let id = self.producer_at(written_ms).schema_id().unsigned_abs();
        if !self.ids.resolve(consumer, (id, generation), read) {
            if let Some(counts) = self.counts.get_mut(consumer) {
                counts.undecodable += 1;
            }
            return;
        }
        self.record(consumer, written_ms, read_ms, 1);
    }
}

/// Virtual time in whole milliseconds, the plan's clock.
pub fn time_ms(at: SimTime) -> u64 {
    ms(at.as_secs_f64())
}

/// The plan for a run, `None` when the scenario does not use schema
/// changes. A validated scenario always gives a plan when it wants one
/// (validation checks the same versions and levels).
pub fn plan_for(scenario: &Scenario) -> Option<SchemaPlan> {
    if SchemaPlan::wanted(scenario) {
        SchemaPlan::new(scenario).ok()
    } else {
        None
    }
}

/// Puts the plan's decisions and counts into the report's `schema` section
/// and evaluates the gates again (`max_undecodable_alerts` reads it).
pub fn attach(mut report: Report, plan: Option<SchemaPlan>, scenario: &Scenario) -> Report {
    let Some(plan) = plan else {
        return report;
    };
    report.schema = Some(SchemaReport {
        compatibility: scenario
            .schema_registry
            .compatibility
            .trim()
            .to_ascii_uppercase(),
        changes: plan
            .decisions
            .iter()
            .map(|d| SchemaChangeRecord {
                at_s: d.at_ms as f64 / 1000.0,
                from: d.from.as_str().into(),
                to: d.to.as_str().into(),
                accepted: d.refusals.is_empty(),
                reason: d.refusals.join("; "),
            })
            .collect(),
        consumers: scenario
            .consumers
            .iter()
            .zip(&plan.counts)
            .map(|(c, counts)| SchemaConsumerRecord {
                name: c.name.clone(),
                undecodable: counts.undecodable,
                fields_lost: counts.fields_lost,
            })
            .collect(),
    });
    report.finalise();
    report
}

#[cfg(test)]
#[path = "schema_evolution_tests.rs"]
mod tests;
