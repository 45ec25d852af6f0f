//! The fidelity table (`alertsim calibrate`) on report.md and report.html:
//! each figure simulated and measured, their ratio, and for the judged
//! ones whether they are within the tolerance. report.json does not carry
//! it; calibrate writes it in full to fidelity.json.

use crate::fidelity::{FidelityRow, FidelityTable};
use crate::human;
use crate::output::tables::{html_table, markdown_table};

const HEADERS: [&str; 5] = ["figure", "simulated", "measured", "ratio", "judged"];

fn cells(r: &FidelityRow, tolerance_pct: f64) -> Vec<String> {
    let ratio = r.ratio.map_or_else(
        || "no ratio (simulated 0)".to_owned(),
        |x| format!("{x:.3}"),
    );
    let judged = match r.within {
        Some(true) => format!("within {}%", human::number(tolerance_pct)),
        Some(false) => format!("OUTSIDE {}%", human::number(tolerance_pct)),
        None => "shown".to_owned(),
    };
    vec![
        r.figure.clone(),
        human::number(r.simulated),
        human::number(r.measured),
        ratio,
        judged,
    ]
}

fn summary(t: &FidelityTable) -> String {
    let judged = t.rows.iter().filter(|r| r.within.is_some()).count();
    let misses = t.misses().count();
    if misses == 0 {
        format!(
            "The simulator is within {}% of this run on all {judged} judged figures.",
            human::number(t.tolerance_pct)
        )
    } else {
        format!(
            "The simulator misses this run by more than {}% on {misses} of {judged} judged figures.",
            human::number(t.tolerance_pct)
        )
    }
}

fn rows(t: &FidelityTable) -> impl Iterator<Item = Vec<String>> + '_ {
    t.rows.iter().map(|r| cells(r, t.tolerance_pct))
}

/// report.md's section.
pub fn markdown(t: &FidelityTable) -> String {
    format!(
        "\n## Fidelity: simulated against measured\n\n{}",
        markdown_body(t)
    )
}

/// The section without its heading: the verdict in words, then the table.
pub fn markdown_body(t: &FidelityTable) -> String {
    let mut s = format!("{}\n\n", summary(t));
    markdown_table(&mut s, &HEADERS, rows(t));
    s
}

/// report.html's section.
pub fn html(t: &FidelityTable) -> String {
    let cls = if t.passed() { "pass" } else { "fail" };
    let mut h = format!(
        "<h2 id=\"fidelity\">Fidelity: simulated against measured</h2>\n<p class=\"{cls}\">{}</p>\n",
        summary(t)
    );
    html_table(&mut h, &HEADERS, rows(t));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(within: Option<bool>) -> FidelityTable {
        FidelityTable {
            tolerance_pct: 15.0,
            rows: vec![FidelityRow {
                figure: "latency_s.p50".into(),
                simulated: 10.0,
                measured: 12.5,
                ratio: Some(1.25),
                within,
            }],
        }
    }

    #[test]
    fn a_miss_is_written_out_and_counted() {
        let md = markdown(&table(Some(false)));
        assert!(
            md.contains("| latency_s.p50 | 10 | 12.5 | 1.250 | OUTSIDE 15% |"),
            "{md}"
        );
        assert!(md.contains("on 1 of 1 judged figures"), "{md}");
        let html = html(&table(Some(false)));
        assert!(html.contains("<p class=\"fail\">"), "{html}");
        assert!(markdown(&table(Some(true))).contains("within 15% of this run on all 1"));
    }
}
