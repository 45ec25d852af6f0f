//! The sweep as a Markdown table (sweep.md, and what the command prints).

use std::fmt::Write as _;

use super::SweepResult;

/// One row per point, in grid order, a column per varied key.
pub fn markdown(result: &SweepResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Sweep of `{}` (seed {})\n",
        result.scenario, result.seed
    );
    for set in &result.set {
        let _ = writeln!(out, "- `--set {set}`");
    }
    for vary in &result.vary {
        let _ = writeln!(out, "- `--vary {vary}`");
    }
    out.push('\n');
    let keys: Vec<&str> = result
        .points
        .first()
        .map(|p| p.settings.iter().map(|s| s.key.as_str()).collect())
        .unwrap_or_default();
    let mut header = String::from("| # |");
    let mut rule = String::from("|--:|");
    for k in &keys {
        let _ = write!(header, " {k} |");
        rule.push_str("--:|");
    }
    header.push_str(
        " gates | p98 latency s | late visits | lost alerts | jobs | max running | pod-h busy | pod-h idle | pod-h |",
    );
    rule.push_str(":--|--:|--:|--:|--:|--:|--:|--:|--:|");
    let _ = writeln!(out, "{header}\n{rule}");
    for p in &result.points {
        let mut row = format!("| {} |", p.index);
        for s in &p.settings {
            let _ = write!(row, " {} |", s.value);
        }
        let gates = if p.passed {
            "pass".to_owned()
        } else {
            format!("FAIL ({})", p.failed_gates.join(", "))
        };
        let _ = writeln!(
            row,
            " {gates} | {:.1} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} |",
            p.p98_latency_s,
            p.late_visits,
            p.lost_alerts,
            p.jobs_created,
            p.max_running,
            p.busy_pod_h,
            p.idle_pod_h,
            p.pod_h
        );
        out.push_str(&row);
    }
    out
}
