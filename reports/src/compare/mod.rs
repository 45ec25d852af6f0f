//! Baseline comparison of two report.json files: which figures moved, and
//! whether any moved the wrong way by more than the tolerance (a
//! regression, exit code 1 in `alertsim compare`).
//!
//! Works on the JSON values rather than the typed [`crate::Report`] so that a
//! report missing a figure (older or newer writer with the same
//! `format_version`) is still comparable on the figures both have.
//! [`overlay`] draws both runs' series on the same axes where the typed
//! report reads, and [`page`] writes compare.html and compare.md.

pub mod overlay;
pub mod page;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::human;
use crate::report::FORMAT_VERSION;

/// Which direction is good for a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (latency, losses).
    Lower,
    /// Higher is better (alerts delivered, gates passed).
    Higher,
}

/// A compared figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// Dotted path in report.json.
    pub path: &'static str,
    /// Good direction.
    pub better: Better,
    /// Whether moving the wrong way beyond the tolerance is a regression
    /// (otherwise the figure is shown for information).
    pub gating: bool,
}

const fn m(path: &'static str, better: Better, gating: bool) -> Metric {
    Metric {
        path,
        better,
        gating,
    }
}

/// The figures compared, in the order shown.
pub const METRICS: &[Metric] = &[
    m("gates.passed", Better::Higher, true),
    m("latency_s.p50", Better::Lower, true),
    m("latency_s.p90", Better::Lower, true),
    m("latency_s.p98", Better::Lower, true),
    m("latency_s.p99", Better::Lower, true),
    m("latency_s.max", Better::Lower, false),
    m("alerts.delivered", Better::Higher, true),
    m("alerts.lost", Better::Lower, true),
    m("alerts.duplicated", Better::Lower, true),
    m("late_visits", Better::Lower, true),
    m("failed_visits", Better::Lower, true),
    m("alerts.produced", Better::Higher, false),
    m("jobs.created", Better::Lower, false),
    m("jobs.max_running", Better::Lower, false),
    m("jobs.busy_pod_s", Better::Lower, false),
    m("jobs.idle_pod_s", Better::Lower, false),
    m("jobs.idle_fraction", Better::Lower, false),
    m("throughput.peak_alerts_per_s", Better::Higher, false),
    m("bytes.delivered", Better::Higher, false),
    m("simulated_s", Better::Lower, false),
];

/// How a figure moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Same value.
    Unchanged,
    /// Moved the good way.
    Improved,
    /// Moved the wrong way, within the tolerance (or not a gating figure).
    Worse,
    /// Moved the wrong way beyond the tolerance: a regression.
    Regressed,
}

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The figure.
    pub metric: Metric,
    /// Baseline value.
    pub baseline: f64,
    /// Candidate value.
    pub candidate: f64,
    /// Change relative to the baseline in percent (`None` when the baseline is 0).
    pub change_pct: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Figures present in both reports, in [`METRICS`] order.
    pub rows: Vec<Row>,
    /// Remarks: different scenarios or seeds, figures missing from one side.
    pub notes: Vec<String>,
    /// The tolerance used, percent.
    pub tolerance_pct: f64,
}

/// Why a report could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{}:{line}:{column}: not valid JSON: {message} (expected a report.json written by alertsim)", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// JSON, but not a report of a known version.
    #[error("{}: {message} (expected a report.json with \"format_version\": {FORMAT_VERSION})", path.display())]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads a report.json as JSON and checks its `format_version`.
pub fn read_report(path: &Path) -> Result<Value, CompareError> {
    let read = |source| CompareError::Read {
        path: path.to_owned(),
        source,
    };
    let bytes = crate::bounded_read::read_bounded(path, crate::bounded_read::MAX_INPUT_BYTES)
        .map_err(read)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {}", e.utf8_error()),
        ))
    })?;
    report_from_str(&text, path)
}

/// [`read_report`] on text already read; `path` names it in errors.
pub fn report_from_str(text: &str, path: &Path) -> Result<Value, CompareError> {
    let value: Value = serde_json::from_str(text).map_err(|e| CompareError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match value.get("format_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(value),
        Some(v) => Err(CompareError::NotAReport {
            path: path.to_owned(),
            message: format!("format_version {v} is not supported"),
        }),
        None => Err(CompareError::NotAReport {
            path: path.to_owned(),
            message: "no format_version field".to_owned(),
        }),
    }
}

/// Compares the figures of two reports. `tolerance_pct` is the relative
/// change allowed in the wrong direction before a gating figure regresses;
/// a figure that was 0 regresses on any increase, and `gates.passed`
/// regresses when it turns false.
pub fn compare(baseline: &Value, candidate: &Value, tolerance_pct: f64) -> Comparison {
    let tolerance = if tolerance_pct.is_finite() && tolerance_pct >= 0.0 {
        tolerance_pct
    } else {
        0.0
    };
    let mut out = Comparison {
        tolerance_pct: tolerance,
        ..Comparison::default()
    };
    for key in ["scenario", "seed"] {
        let (a, b) = (baseline.get(key), candidate.get(key));
        if a != b {
            out.notes.push(format!(
                "{key} differs: {} vs {}",
                a.map_or("-".to_owned(), Value::to_string),
                b.map_or("-".to_owned(), Value::to_string)
            ));
        }
    }
    for metric in METRICS {
        match (
            number(baseline, metric.path),
            number(candidate, metric.path),
        ) {
            (Some(b), Some(c)) => out.rows.push(row(*metric, b, c, tolerance)),
            (None, None) => {}
            (b, _) => out.notes.push(format!(
                "{} missing from the {}",
                metric.path,
                if b.is_none() { "baseline" } else { "candidate" }
            )),
        }
    }
    out
}

fn row(metric: Metric, baseline: f64, candidate: f64, tolerance: f64) -> Row {
    let change_pct = if baseline == 0.0 {
        None
    } else {
        Some((candidate - baseline) / baseline.abs() * 100.0)
    };
    let worse = match metric.better {
        Better::Lower => candidate > baseline,
        Better::Higher => candidate < baseline,
    };
    let verdict = if candidate == baseline {
        Verdict::Unchanged
    } else if !worse {
        Verdict::Improved
    } else if !metric.gating {
        Verdict::Worse
    } else {
        let beyond = match change_pct {
            None => true,
            Some(_) if metric.path == "gates.passed" => true,
            Some(p) => p.abs() > tolerance,
        };
        if beyond {
            Verdict::Regressed
        } else {
            Verdict::Worse
        }
    };
    Row {
        metric,
        baseline,
        candidate,
        change_pct,
        verdict,
    }
}

/// The value at a dotted path as a number (booleans as 1 and 0).
fn number(v: &Value, path: &str) -> Option<f64> {
    let mut cur = v;
    for seg in path.split('.') {
        cur = cur.get(seg)?;
    }
    match cur {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => other.as_f64(),
    }
}

impl Row {
    /// The verdict in words, as the table shows it.
    pub fn verdict_text(&self) -> &'static str {
        match self.verdict {
            Verdict::Unchanged => "same",
            Verdict::Improved => "better",
            Verdict::Worse if self.metric.gating => "worse (within tolerance)",
            Verdict::Worse => "worse (informational)",
            Verdict::Regressed => "REGRESSED",
        }
    }

    /// The change in percent (`+20.0%`), or `new` when the baseline was 0.
    pub fn change_text(&self) -> String {
        self.change_pct
            .map_or_else(|| "new".to_owned(), |p| format!("{p:+.1}%"))
    }
}

impl Comparison {
    /// The verdict line: the regressions beyond the tolerance, or none.
    pub fn verdict_line(&self) -> String {
        let regressions = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Regressed)
            .count();
        if regressions > 0 {
            format!(
                "regression: {regressions} figure(s) worse beyond {}% tolerance",
                self.tolerance_pct
            )
        } else {
            format!("no regression (tolerance {}%)", self.tolerance_pct)
        }
    }

    /// True when any gating figure regressed.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Regressed)
    }

    /// The rows whose value changed.
    pub fn moved(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.verdict != Verdict::Unchanged)
    }

    /// A plain-text table of what moved, the notes and a verdict line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let moved: Vec<_> = self.moved().collect();
        if moved.is_empty() {
            let _ = writeln!(s, "no change in {} figures", self.rows.len());
        } else {
            let _ = writeln!(
                s,
                "{:<30} {:>16} {:>16} {:>10}  verdict",
                "figure", "baseline", "candidate", "change"
            );
            for r in moved {
                let change = r.change_text();
                let verdict = r.verdict_text();
                let _ = writeln!(
                    s,
                    "{:<30} {:>16} {:>16} {:>10}  {verdict}",
                    r.metric.path,
                    human::number(r.baseline),
                    human::number(r.candidate),
                    change
                );
            }
        }
        for note in &self.notes {
            let _ = writeln!(s, "note: {note}");
        }
        let _ = writeln!(s, "{}", self.verdict_line());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(p98: f64, lost: u64, passed: bool) -> Value {
        json!({
            "format_version": 1, "scenario": "s", "seed": 1,
            "latency_s": { "p50": 1.0, "p90": 2.0, "p98": p98, "p99": 4.0, "max": 9.0 },
            "alerts": { "produced": 10, "delivered": 10 - lost, "lost": lost, "duplicated": 0 },
            "late_visits": 0, "failed_visits": 0,
            "gates": { "passed": passed, "results": [] }
        })
    }

    #[test]
    fn identical_reports_do_not_regress() {
        let a = report(3.0, 0, true);
        let c = compare(&a, &a, 5.0);
        assert!(!c.regressed());
        assert_eq!(c.moved().count(), 0);
        assert!(c.render().starts_with("no change"));
    }

    #[test]
    fn latency_up_beyond_tolerance_regresses_within_does_not() {
        let base = report(3.0, 0, true);
        assert!(compare(&base, &report(3.3, 0, true), 5.0).regressed());
        assert!(!compare(&base, &report(3.1, 0, true), 5.0).regressed());
        assert!(!compare(&base, &report(2.0, 0, true), 0.0).regressed());
    }

    #[test]
    fn any_loss_from_zero_and_failing_gates_regress() {
        let base = report(3.0, 0, true);
        let c = compare(&base, &report(3.0, 1, true), 50.0);
        assert!(c.regressed());
        assert!(c.render().contains("alerts.lost"));
        assert!(compare(&base, &report(3.0, 0, false), 100.0).regressed());
    }

    #[test]
    fn different_scenarios_are_noted() {
        let mut other = report(3.0, 0, true);
        other["seed"] = json!(2);
        let c = compare(&report(3.0, 0, true), &other, 5.0);
        assert!(c.notes.iter().any(|n| n.starts_with("seed differs")));
    }
}
