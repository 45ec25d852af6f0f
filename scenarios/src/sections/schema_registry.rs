//! `[schema_registry]`: the registry's compatibility level and the alert
//! schema version the producer starts with, plus the checks that tie
//! `[[schema_changes]]` and each consumer's reader schema to known versions.

use serde::{Deserialize, Serialize};

use crate::sections::consumers::Consumer;
use crate::sections::faults::SchemaChange;
use crate::validate::Checker;

/// Alert schema versions the simulator knows (see
/// `alertsim_core::alert::schema_history`).
pub const KNOWN_VERSIONS: [&str; 2] = ["10.0", "11.0"];

/// Confluent's compatibility levels, as written in scenario files.
pub const COMPATIBILITY_LEVELS: [&str; 7] = [
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
];

/// The registry's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemaRegistry {
    /// Compatibility level checked when the producer registers a new
    /// version (default `NONE`, production's: FACTS "Schema registry as
    /// deployed"; Confluent's own default is `BACKWARD`).
    pub compatibility: String,
    /// Alert schema version registered and produced at the start (default `"11.0"`).
    pub start_version: String,
    /// Rubin's deterministic schema ids (default true): the id is
    /// `major * 100 + minor`, computed by the producer, and the registry is
    /// filled in IMPORT mode with those ids, so a rebuilt registry gives the
    /// same ids. When false, each producer pod registers the schema at
    /// start-up and uses the id the registry assigns, and a rebuilt
    /// registry assigns new ids.
    pub deterministic_ids: bool,
    /// Seconds the registry has no subjects while its sync job runs, from
    /// the job's hard delete of every subject to the re-import of the
    /// schemas (default 5: an estimate, not measured; the job,
    /// `syncAllSchemasToRegistry` of lsst/alert_packet run by phalanx's
    /// `alert-stream-schema-sync` on every Argo CD sync, loads every schema
    /// version from its image between the two and then makes about four
    /// requests per version, 14 versions, each write going through the
    /// registry's Kafka topic). A consumer cannot fetch an id it has not
    /// cached meanwhile (404). The window follows every `kafka_redeploy`'s
    /// registry step and every `registry_sync` fault. 0: no window.
    pub sync_missing_s: f64,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        Self {
            compatibility: "NONE".into(),
            start_version: "11.0".into(),
            deterministic_ids: true,
            sync_missing_s: 5.0,
        }
    }
}

fn known_versions_text() -> String {
    KNOWN_VERSIONS
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Versions of the real history that the simulator does not model, with why.
const UNMODELLED: [(&str, &str); 2] = [
    (
        "7.4",
        "7.4 is not modelled (its alertId identity and records are not re-expressed as project types)",
    ),
    (
        "8.0",
        "8.0 is not modelled (no official 8.0 schema in the reference)",
    ),
];

fn check_version(path: &str, version: &str, c: &mut Checker) {
    let version = version.trim();
    if !KNOWN_VERSIONS.contains(&version) {
        let why = UNMODELLED
            .iter()
            .find(|(v, _)| *v == version)
            .map_or("not simulated", |(_, why)| why);
        c.fail(
            path,
            format!("alert schema version `{version}`: {why}"),
            &known_versions_text(),
        );
    }
}

impl SchemaRegistry {
    /// The reader version of `consumer` before any upgrade.
    pub fn reader_start_version<'a>(&'a self, consumer: &'a Consumer) -> &'a str {
        consumer
            .reader_version
            .as_deref()
            .unwrap_or(&self.start_version)
    }

    pub(crate) fn check(
        &self,
        schema_changes: &[SchemaChange],
        consumers: &[Consumer],
        c: &mut Checker,
    ) {
        if !COMPATIBILITY_LEVELS.contains(&self.compatibility.trim().to_ascii_uppercase().as_str())
        {
            c.fail(
                "schema_registry.compatibility",
                format!("`{}` is not a compatibility level", self.compatibility),
                &COMPATIBILITY_LEVELS.join(", "),
            );
        }
        check_version("schema_registry.start_version", &self.start_version, c);
        c.non_negative("schema_registry.sync_missing_s", self.sync_missing_s);
        for (i, change) in schema_changes.iter().enumerate() {
            if change.major_minor().is_some() {
                check_version(&format!("schema_changes.{i}.version"), &change.version, c);
            }
        }
        for (i, consumer) in consumers.iter().enumerate() {
            if let Some(version) = &consumer.reader_version {
                check_version(&format!("consumers.{i}.reader_version"), version, c);
            }
            match (&consumer.reader_upgrade_to, consumer.reader_upgrade_at_s) {
                (Some(version), Some(at_s)) => {
                    check_version(&format!("consumers.{i}.reader_upgrade_to"), version, c);
                    c.non_negative(&format!("consumers.{i}.reader_upgrade_at_s"), at_s);
                }
                (Some(_), None) => c.fail(
                    &format!("consumers.{i}.reader_upgrade_at_s"),
                    "reader_upgrade_to is set but not when",
                    "seconds from the start of the run",
                ),
                (None, Some(_)) => c.fail(
                    &format!("consumers.{i}.reader_upgrade_to"),
                    "reader_upgrade_at_s is set but not to which version",
                    &known_versions_text(),
                ),
                (None, None) => {}
            }
        }
    }
}
