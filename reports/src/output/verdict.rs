//! The night's verdict at the top of report.md and report.html: whether
//! the gates passed and, when not, the one or two reasons: each failing
//! gate, the visits that failed it (a few ids, then "and N more") and the
//! stage that made them late (each late visit's cause from the latency
//! budget, `metrics::budget`). Also the gates table's rows, its figures
//! written for people. The descriptions come from the gates' own code
//! (`gates::evaluate_with`), so the pages and report.json say the same.

use std::fmt::Write as _;

use crate::gates::{GateResult, Style, evaluate_with};
use crate::human;
use crate::metrics::budget::LateCause;
use crate::metrics::visit::VisitRecord;
use crate::output::readers;
use crate::output::tables::escape;
use crate::report::Report;

/// Visit ids named in a reason at most.
const MAX_IDS: usize = 5;
/// Failing gates explained at the top at most (the gates table has all).
const MAX_REASONS: usize = 2;
/// Causes named per reason at most.
const MAX_CAUSES: usize = 2;

/// A gate's figure (its actual value or limit) as the pages show it.
fn figure(gate: &str, x: f64) -> String {
    match gate {
        "late_visit_fraction" | "failed_visit_fraction" => human::percent(x),
        "recovery_time" if x >= f64::MAX => "never".to_owned(),
        "recovery_time" => human::duration(x),
        _ if x >= 0.0 && x.fract() == 0.0 && x < 1e19 => human::count(x as u64),
        _ => human::number(x),
    }
}

/// The gates table's rows: name, result, actual, limit, detail.
pub(crate) fn gate_rows(r: &Report) -> Vec<(GateResult, [String; 3])> {
    let described = evaluate_with(&r.config.gates, &r.gate_inputs(), Style::Human);
    r.gates
        .results
        .iter()
        .map(|g| {
            let detail = described
                .results
                .iter()
                .find(|d| d.name == g.name)
                .map_or_else(|| g.description.clone(), |d| d.description.clone());
            (
                g.clone(),
                [figure(&g.name, g.actual), figure(&g.name, g.limit), detail],
            )
        })
        .collect()
}

/// One failing gate explained.
struct Reason {
    gate: String,
    /// The measured figure against its limit, and the gate's description.
    figures: String,
    /// The visits (or faults, or consumers) that failed it.
    who: Option<String>,
    /// Why: the stage that made them late, the fault they met.
    cause: Option<String>,
}

/// The verdict's headline and its reasons.
struct Verdict {
    headline: String,
    reasons: Vec<Reason>,
}

/// "42, 80 and 3 more".
fn ids(ids: &[u32]) -> String {
    let shown: Vec<String> = ids.iter().take(MAX_IDS).map(u32::to_string).collect();
    let mut s = shown.join(", ");
    if ids.len() > MAX_IDS {
        let _ = write!(
            s,
            " and {} more",
            human::count((ids.len() - MAX_IDS) as u64)
        );
    }
    s
}

/// The visits' ids, worst first: most alerts lost, then highest p98.
fn worst_first(visits: &[&VisitRecord]) -> Vec<u32> {
    let mut v = visits.to_vec();
    v.sort_by(|a, b| {
        b.lost
            .cmp(&a.lost)
            .then(b.p98_latency_s.total_cmp(&a.p98_latency_s))
            .then(a.visit.cmp(&b.visit))
    });
    v.iter().map(|v| v.visit).collect()
}

/// Why `visits` were late, most frequent cause first, from each visit's
/// cause in the latency budget: "pipeline took longer than usual in 25 of
/// 25 visits (its median 35.6 s, here up to 75.5 s)"; then the fault
/// windows they were read out in, when any.
fn causes(r: &Report, visits: &[&VisitRecord]) -> Option<String> {
    let mut counts: Vec<(LateCause, u64)> = Vec::new();
    for v in visits {
        if let Some(c) = v.late_cause {
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total = human::count(visits.len() as u64);
    let mut parts: Vec<String> = counts
        .iter()
        .take(MAX_CAUSES)
        .map(|&(cause, n)| {
            if cause == LateCause::Undelivered {
                return format!(
                    "fewer than 98% of the alerts arrived in {} of {total} visits",
                    human::count(n)
                );
            }
            let stage = r
                .latency_budget
                .stages
                .iter()
                .find(|f| f.stage.name() == cause.name());
            let took = visits
                .iter()
                .filter(|v| v.late_cause == Some(cause))
                .filter_map(|v| Some(v.budget?.get(stage?.stage)))
                .fold(f64::NEG_INFINITY, f64::max);
            let mut s = format!(
                "{} took longer than usual in {} of {total} visits",
                cause.name(),
                human::count(n)
            );
            if let Some(f) = stage.filter(|_| took.is_finite()) {
                let _ = write!(
                    s,
                    " (its median {}, here up to {})",
                    human::duration(f.p50_s),
                    human::duration(took)
                );
            }
            s
        })
        .collect();
    // A visit read out up to the latency limit before a fault began can
    // still be caught by it.
    let reach = r.config.gates.p98_latency_s;
    for f in &r.faults {
        let during = visits
            .iter()
            .filter(|v| v.readout_end_s >= f.start_s - reach && v.readout_end_s <= f.end_s)
            .count();
        if during > 0 {
            parts.push(format!(
                "{} of them read out during or just before the fault {} ({} to {})",
                human::count(during as u64),
                f.kind,
                human::duration(f.start_s),
                human::duration(f.end_s)
            ));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn verdict(r: &Report) -> Verdict {
    let rows = gate_rows(r);
    let failed: Vec<&(GateResult, [String; 3])> = rows.iter().filter(|(g, _)| !g.passed).collect();
    if failed.is_empty() {
        return Verdict {
            headline: format!(
                "PASS: all {} gates passed.",
                human::count(rows.len() as u64)
            ),
            reasons: Vec::new(),
        };
    }
    let scope = r.config.gates.latency_scope_max_alerts;
    let reasons = failed
        .iter()
        .take(MAX_REASONS)
        .map(|(g, [actual, limit, detail])| {
            let figures = format!("{actual} against a limit of {limit} ({detail})");
            let visits: Vec<&VisitRecord> = match g.name.as_str() {
                "late_visit_fraction" => r
                    .per_visit
                    .iter()
                    .filter(|v| v.late && v.alerts < scope)
                    .collect(),
                "failed_visit_fraction" => r.per_visit.iter().filter(|v| v.failed).collect(),
                "lost_alerts" => r.per_visit.iter().filter(|v| v.lost > 0).collect(),
                _ => Vec::new(),
            };
            let who = if !visits.is_empty() {
                let what = match g.name.as_str() {
                    "late_visit_fraction" => "Late visits",
                    "failed_visit_fraction" => "Failed visits",
                    _ => "Visits that lost alerts",
                };
                Some(format!("{what}: {}", ids(&worst_first(&visits))))
            } else if g.name == "recovery_time" {
                let slow: Vec<String> = r
                    .recovery
                    .iter()
                    .filter(|x| x.rto_s.is_none_or(|rto| rto > g.limit))
                    .map(|x| {
                        format!(
                            "{} at {} ({})",
                            x.fault,
                            human::duration(x.start_s),
                            x.rto_s.map_or_else(
                                || "never recovered".to_owned(),
                                |s| format!("recovered after {}", human::duration(s))
                            )
                        )
                    })
                    .collect();
                (!slow.is_empty()).then(|| format!("Slow to recover: {}", slow.join(", ")))
            } else if g.name == "lost_to_readers" {
                readers::who_lost(r).map(|names| format!("Readers that lost alerts: {names}"))
            } else if g.name == "undecodable_alerts" {
                r.schema.as_ref().and_then(|s| {
                    let names: Vec<String> = s
                        .consumers
                        .iter()
                        .filter(|c| c.undecodable > 0)
                        .map(|c| format!("{} ({})", c.name, human::count(c.undecodable)))
                        .collect();
                    (!names.is_empty()).then(|| format!("Consumers: {}", names.join(", ")))
                })
            } else {
                None
            };
            Reason {
                gate: g.name.clone(),
                figures,
                who,
                cause: causes(r, &visits),
            }
        })
        .collect();
    let more = failed.len().saturating_sub(MAX_REASONS);
    Verdict {
        headline: format!(
            "FAIL: {} of {} gates failed{}.",
            human::count(failed.len() as u64),
            human::count(rows.len() as u64),
            if more > 0 {
                format!(" ({} more in the gates table)", human::count(more as u64))
            } else {
                String::new()
            }
        ),
        reasons,
    }
}

/// The verdict as report.md's opening lines.
pub(crate) fn markdown(r: &Report) -> String {
    let v = verdict(r);
    let mut s = format!("**{}**\n\n", v.headline);
    for reason in &v.reasons {
        let _ = write!(s, "- **{}** failed: {}.", reason.gate, reason.figures);
        if let Some(who) = &reason.who {
            let _ = write!(s, " {who}.");
        }
        if let Some(cause) = &reason.cause {
            let _ = write!(s, " Why: {cause}.");
        }
        s.push('\n');
    }
    if !v.reasons.is_empty() {
        s.push('\n');
    }
    s
}

/// The verdict as report.html's opening block.
pub(crate) fn html(r: &Report) -> String {
    let v = verdict(r);
    let cls = if r.gates.passed { "pass" } else { "fail" };
    let mut h = format!(
        "<div id=\"verdict\">\n<p class=\"{cls}\">{}</p>\n",
        escape(&v.headline)
    );
    if !v.reasons.is_empty() {
        h.push_str("<ul>\n");
        for reason in &v.reasons {
            let _ = write!(
                h,
                "<li><strong>{}</strong> failed: {}.",
                escape(&reason.gate),
                escape(&reason.figures)
            );
            if let Some(who) = &reason.who {
                let _ = write!(h, " {}.", escape(who));
            }
            if let Some(cause) = &reason.cause {
                let _ = write!(h, " Why: {}.", escape(cause));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</div>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_ids_then_how_many_more() {
        assert_eq!(ids(&[]), "");
        assert_eq!(ids(&[3, 1]), "3, 1");
        assert_eq!(ids(&[1, 2, 3, 4, 5]), "1, 2, 3, 4, 5");
        assert_eq!(ids(&[1, 2, 3, 4, 5, 6, 7]), "1, 2, 3, 4, 5 and 2 more");
    }

    #[test]
    fn gate_figures_in_their_kind() {
        assert_eq!(figure("late_visit_fraction", 0.025_355), "2.54%");
        assert_eq!(figure("recovery_time", 125.0), "2 min 05 s");
        assert_eq!(figure("recovery_time", f64::MAX), "never");
        assert_eq!(figure("lost_alerts", 12_345.0), "12,345");
        assert_eq!(figure("lost_alerts", 0.0), "0");
    }
}
