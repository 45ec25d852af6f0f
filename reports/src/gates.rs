//! Gates: the scenario's `[gates]` limits evaluated on a run's figures,
//! giving a pass/fail list (exit code 1 when any fails). The report holds
//! the result and calls [`evaluate`] when it is finalised; the gates see
//! the figures, not the report ([`GateInputs`]). [`evaluate_with`] writes
//! the same descriptions with the pages' figures (`Style::Human`), so that
//! report.json keeps its exact ones and the pages never word a gate apart.

use alertsim_scenarios::Gates;
use serde::{Deserialize, Serialize};

use crate::human;
use crate::metrics::archive::ArchiveReport;
use crate::metrics::recovery::RecoveryRecord;
use crate::metrics::summary::AlertTotals;
use crate::metrics::visit::VisitRecord;
use crate::number::{micros, ratio};
use crate::schema::SchemaReport;

/// All gate results.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateReport {
    /// True when every gate passed.
    pub passed: bool,
    /// One entry per gate, in a fixed order.
    pub results: Vec<GateResult>,
}

/// One gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateResult {
    /// Gate name: `late_visit_fraction`, `failed_visit_fraction`,
    /// `lost_alerts`, and when set `recovery_time`, `undecodable_alerts`;
    /// `lost_to_readers` when the scenario has readers; `archive_gaps`
    /// when the run modelled the archive.
    pub name: String,
    /// What is compared, in words.
    pub description: String,
    /// The measured value.
    pub actual: f64,
    /// The limit (pass when `actual <= limit`).
    pub limit: f64,
    /// Whether it passed.
    pub passed: bool,
}

/// The figures the gates judge: a report's, before its gates are set.
#[derive(Debug, Clone, Copy)]
pub struct GateInputs<'a> {
    /// Visits observed.
    pub visits: u64,
    /// Late visits (all, in scope or not).
    pub late_visits: u64,
    /// Failed visits.
    pub failed_visits: u64,
    /// One record per visit.
    pub per_visit: &'a [VisitRecord],
    /// Alert totals.
    pub alerts: &'a AlertTotals,
    /// Recovery figures, one per fault.
    pub recovery: &'a [RecoveryRecord],
    /// The archive, when the run modelled it.
    pub archive: Option<&'a ArchiveReport>,
    /// Schema changes and undecodable alerts, when the scenario has them.
    pub schema: Option<&'a SchemaReport>,
}

/// How a gate's description writes its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// report.json's: every figure in full (`81.788927 s`, `40000`).
    Exact,
    /// The pages': as [`crate::human`] writes them (`81.8 s`, `40,000`).
    Human,
}

impl Style {
    fn seconds(self, x: f64) -> String {
        match self {
            Style::Exact => format!("{x} s"),
            Style::Human => human::duration(x),
        }
    }

    fn count(self, n: u64) -> String {
        match self {
            Style::Exact => n.to_string(),
            Style::Human => human::count(n),
        }
    }
}

/// Evaluates every gate on the run's figures.
pub fn evaluate(gates: &Gates, figures: &GateInputs<'_>) -> GateReport {
    evaluate_with(gates, figures, Style::Exact)
}

/// [`evaluate`], the descriptions written in `style`.
pub fn evaluate_with(gates: &Gates, figures: &GateInputs<'_>, style: Style) -> GateReport {
    let visits = figures.visits as f64;
    let in_scope = |v: &&VisitRecord| v.alerts < gates.latency_scope_max_alerts;
    let scoped_visits = figures.per_visit.iter().filter(in_scope).count();
    let scoped_late = figures
        .per_visit
        .iter()
        .filter(in_scope)
        .filter(|v| v.late)
        .count();
    let worst_p98 = figures
        .per_visit
        .iter()
        .filter(|v| v.late)
        .map(|v| v.p98_latency_s)
        .fold(0.0, f64::max);
    let mut results = vec![
        gate(
            "late_visit_fraction",
            format!(
                "late visits (98% of alerts not within {}) among visits under {} alerts: \
                 {} of {}; {} late in all (worst late p98 {})",
                style.seconds(gates.p98_latency_s),
                style.count(gates.latency_scope_max_alerts),
                style.count(scoped_late as u64),
                style.count(scoped_visits as u64),
                style.count(figures.late_visits),
                style.seconds(worst_p98)
            ),
            ratio(scoped_late as f64, scoped_visits as f64),
            gates.max_late_visit_fraction,
        ),
        gate(
            "failed_visit_fraction",
            format!(
                "failed visits: {} of {}",
                style.count(figures.failed_visits),
                style.count(figures.visits)
            ),
            ratio(figures.failed_visits as f64, visits),
            gates.max_failed_visit_fraction,
        ),
        gate(
            "lost_alerts",
            format!(
                "alerts lost: {} of {} produced",
                style.count(figures.alerts.lost),
                style.count(figures.alerts.produced)
            ),
            figures.alerts.lost as f64,
            gates.max_lost_alerts as f64,
        ),
    ];
    if let Some(max_rto) = gates.max_rto_s {
        // A fault never recovered from counts as an infinite RTO.
        let worst = figures
            .recovery
            .iter()
            .map(|r| r.rto_s.unwrap_or(f64::INFINITY))
            .fold(0.0, f64::max);
        let shown = if worst.is_finite() {
            style.seconds(worst)
        } else {
            "never".to_owned()
        };
        results.push(gate(
            "recovery_time",
            format!(
                "longest recovery (fault start until visits are on time again) of {} faults: {shown}",
                style.count(figures.recovery.len() as u64)
            ),
            if worst.is_finite() { worst } else { f64::MAX },
            max_rto,
        ));
    }
    if let Some(max) = gates.max_undecodable_alerts {
        let schema = figures.schema;
        let undecodable = schema.map_or(0, |s| s.undecodable_total());
        let consumers = schema.map_or(0, |s| s.consumers.len());
        results.push(gate(
            "undecodable_alerts",
            format!(
                "alerts a consumer could not decode (schema resolution failed or schema id \
                 not found), added over {} consumers: {}",
                style.count(consumers as u64),
                style.count(undecodable)
            ),
            undecodable as f64,
            max as f64,
        ));
    }
    if !figures.alerts.lost_to_readers.is_empty() {
        let limit = gates.max_lost_to_readers;
        let (worst, most) = figures
            .alerts
            .lost_to_readers
            .iter()
            .max_by_key(|(name, n)| (**n, std::cmp::Reverse(*name)))
            .map_or(("", 0), |(name, n)| (name.as_str(), *n));
        let description = if most == 0 {
            format!(
                "alerts a reader never got, most of {} readers: none",
                style.count(figures.alerts.lost_to_readers.len() as u64)
            )
        } else {
            format!(
                "alerts a reader never got, most of {} readers: {} ({worst})",
                style.count(figures.alerts.lost_to_readers.len() as u64),
                style.count(most)
            )
        };
        results.push(gate(
            "lost_to_readers",
            description,
            most as f64,
            limit as f64,
        ));
    }
    if let Some(archive) = figures.archive {
        let description = format!(
            "alerts the archive never got: {} ({} after a redeploy that deleted the volumes)",
            style.count(archive.gaps),
            style.count(archive.gaps_after_redeploy)
        );
        results.push(gate(
            "archive_gaps",
            description,
            archive.gaps as f64,
            gates.max_archive_gaps as f64,
        ));
    }
    GateReport {
        passed: results.iter().all(|r| r.passed),
        results,
    }
}

fn gate(name: &str, description: String, actual: f64, limit: f64) -> GateResult {
    GateResult {
        name: name.to_owned(),
        description,
        actual: micros(actual),
        limit,
        passed: actual <= limit,
    }
}
