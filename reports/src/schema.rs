//! The `schema` section of report.json: the registry's verdict on each
//! `[[schema_changes]]` entry and, per consumer, the alerts it could not
//! decode (schema resolution failed, or the registry could not give the
//! schema of the alert's id) or decoded with fields lost. Present only when
//! the scenario uses schema changes, consumer reader versions or registry
//! faults. Shown in report.md and report.html too.

use serde::{Deserialize, Serialize};

use crate::human;

/// Schema changes and their effect on consumers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaReport {
    /// Compatibility level the registry checked.
    pub compatibility: String,
    /// One record per `[[schema_changes]]` entry, in time order.
    pub changes: Vec<SchemaChangeRecord>,
    /// One record per consumer, in scenario order.
    pub consumers: Vec<SchemaConsumerRecord>,
}

/// The registry's verdict on one schema change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaChangeRecord {
    /// When the producer tried to register the version.
    pub at_s: f64,
    /// Version the producer had.
    pub from: String,
    /// Version it asked for.
    pub to: String,
    /// Whether the registry accepted it (the producer switched).
    pub accepted: bool,
    /// Why it was refused; empty when accepted.
    pub reason: String,
}

/// What one consumer could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaConsumerRecord {
    /// Consumer name.
    pub name: String,
    /// Alerts received that it could not decode (resolution failed, or no
    /// schema for the alert's id from the registry).
    pub undecodable: u64,
    /// Alerts decoded with fields of the writer's schema dropped.
    pub fields_lost: u64,
}

impl SchemaChangeRecord {
    /// Column names of [`Self::cells`], for the report tables.
    pub const HEADERS: [&'static str; 5] = ["at", "from", "to", "registry", "reason"];

    /// The record as table cells.
    pub fn cells(&self) -> [String; 5] {
        [
            human::duration(self.at_s),
            self.from.clone(),
            self.to.clone(),
            if self.accepted {
                "accepted".to_owned()
            } else {
                "refused".to_owned()
            },
            if self.reason.is_empty() {
                "-".to_owned()
            } else {
                self.reason.clone()
            },
        ]
    }
}

impl SchemaConsumerRecord {
    /// Column names of [`Self::cells`], for the report tables.
    pub const HEADERS: [&'static str; 3] = ["consumer", "undecodable", "fields lost"];

    /// The record as table cells.
    pub fn cells(&self) -> [String; 3] {
        [
            self.name.clone(),
            human::count(self.undecodable),
            human::count(self.fields_lost),
        ]
    }
}

impl SchemaReport {
    /// Every consumer's undecodable alerts added up (an alert two consumers
    /// could not decode counts twice).
    pub fn undecodable_total(&self) -> u64 {
        self.consumers.iter().map(|c| c.undecodable).sum()
    }
}
