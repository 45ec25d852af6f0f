//! `alertsim scenarios lint`: configuration defects in rendered manifests
//! that `helm lint`, kubeconform and KEDA's own validation do not catch.
//! One module per rule; each finding names a severity, the object, the
//! field and the reason (with what it costs where that can be said).
//!
//! Not a rule: the schema registry's compatibility level. Rubin's sync Job
//! posts every version to `alert-packet` in IMPORT mode, where Confluent's
//! registry skips compatibility checks, and registers each
//! `lsst-alerts-v{X.Y}-value` as a new subject with one version, so no
//! level can stop it (`syncAllSchemasToRegistry.py` of lsst/alert_packet;
//! `KafkaSchemaRegistry.register` of confluentinc/schema-registry).

pub mod context;
pub mod duplicate_keys;
pub mod keda_release;
pub mod message_size;
pub mod min_replicas;
pub mod node_pool;
pub mod producer_user;
pub mod readers;
pub mod retention;
pub mod values;

use std::fmt;

use serde::Serialize;

pub use context::{KedaVersion, LintInput, NodePool};

/// How bad a finding is: errors make the lint exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something that breaks or loses data as deployed.
    Error,
    /// Something that costs capacity or may break.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// `Kind/name` of the object concerned.
    pub object: String,
    /// The field (facts notation), or `(absent)` for a missing object.
    pub field: String,
    /// Why it is a problem and what it costs.
    pub reason: String,
    /// File of the object or value.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} ({}:{}) [{}]\n  {}",
            self.severity, self.object, self.field, self.file, self.line, self.rule, self.reason
        )
    }
}

/// A rule that could not run on this input, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The rule.
    pub rule: &'static str,
    /// Why it did not run.
    pub reason: String,
}

/// Everything the lint found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// Findings, errors first, then by file and line.
    pub findings: Vec<Finding>,
    /// Rules that did not run.
    pub skipped: Vec<Skipped>,
}

impl LintReport {
    pub(crate) fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub(crate) fn skip(&mut self, rule: &'static str, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            rule,
            reason: reason.into(),
        });
    }

    /// Errors found.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Findings of one rule.
    pub fn of_rule(&self, rule: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.rule == rule).collect()
    }
}

/// Every rule, in the order they run.
pub const RULES: [&str; 8] = [
    retention::RULE,
    producer_user::RULE,
    readers::RULE,
    keda_release::RULE,
    node_pool::RULE,
    message_size::RULE,
    min_replicas::RULE,
    duplicate_keys::RULE,
];

/// Runs every rule.
pub fn lint(input: &LintInput<'_>) -> LintReport {
    let mut report = LintReport::default();
    retention::check(input, &mut report);
    producer_user::check(input, &mut report);
    readers::check(input, &mut report);
    keda_release::check(input, &mut report);
    node_pool::check(input, &mut report);
    message_size::check(input, &mut report);
    min_replicas::check(input, &mut report);
    duplicate_keys::check(input, &mut report);
    report.findings.sort_by(|a, b| {
        (a.severity, &a.file, a.line, &a.object, &a.field)
            .cmp(&(b.severity, &b.file, b.line, &b.object, &b.field))
    });
    report
}

/// Days, with one decimal, for retention messages.
pub(crate) fn days(ms: i64) -> String {
    format!("{:.1} days", ms as f64 / 86_400_000.0)
}
