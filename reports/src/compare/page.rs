//! compare.html and compare.md: which run is which, the charts with both
//! runs overlaid (see [`overlay`](super::overlay)), and the table of what
//! moved. compare.html is one self-contained file (inline SVG, no script);
//! compare.md carries the table and each chart's summary in words.

use std::fmt::Write as _;

use super::Comparison;
use super::overlay::{OVERLAYS, Side, binning_note, draw, heading};
use crate::chart::{ChartError, escape, figure};
use crate::human;

/// The table's rows: figure, baseline, candidate, change, verdict.
fn moved_rows(c: &Comparison) -> Vec<[String; 5]> {
    c.moved()
        .map(|r| {
            [
                r.metric.path.to_owned(),
                human::number(r.baseline),
                human::number(r.candidate),
                r.change_text(),
                r.verdict_text().to_owned(),
            ]
        })
        .collect()
}

const HEADERS: [&str; 5] = ["figure", "baseline", "candidate", "change", "verdict"];

fn describe(side: &Side<'_>) -> String {
    match side.report {
        Some(r) => format!(
            "{} ({} run of {}, seed {})",
            side.file,
            side.kind.word(),
            r.scenario,
            r.seed
        ),
        None => format!(
            "{} ({} run; its series could not be read, so it is in the table only)",
            side.file,
            side.kind.word()
        ),
    }
}

/// compare.html.
pub fn html(c: &Comparison, sides: &[Side<'_>; 2]) -> Result<String, ChartError> {
    let title = format!("Compare: {}", heading(sides));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{t}</title>\n<style>\
         body{{font-family:sans-serif;margin:2em;max-width:960px}}\
         table{{border-collapse:collapse;margin-bottom:1.5em}}\
         td,th{{border:1px solid #bbb;padding:.25em .6em;text-align:left}}\
         .regressed{{color:#cf222e;font-weight:bold}}.better{{color:#1a7f37}}\
         .missing{{color:#9a6700}}\
         </style></head><body>\n<h1>{t}</h1>\n<ul>\n",
        t = escape(&title)
    );
    for (side, colour) in sides.iter().zip(super::overlay::COLOURS) {
        let plotters::style::RGBColor(r, g, b) = colour;
        let _ = writeln!(
            h,
            "<li><span style=\"color:#{r:02x}{g:02x}{b:02x}\">&#9632;</span> <b>{}</b>: {}</li>",
            side.role,
            escape(&describe(side))
        );
    }
    h.push_str("</ul>\n");
    let cls = if c.regressed() { "regressed" } else { "better" };
    let _ = writeln!(
        h,
        "<p class=\"{cls}\">{}</p>\n<h2>What moved</h2>",
        escape(&c.verdict_line())
    );
    let rows = moved_rows(c);
    if rows.is_empty() {
        let _ = writeln!(h, "<p>No change in {} figures.</p>", c.rows.len());
    } else {
        h.push_str("<table>\n<tr>");
        for name in HEADERS {
            let _ = write!(h, "<th>{name}</th>");
        }
        h.push_str("</tr>\n");
        for row in &rows {
            let cls = match row[4].as_str() {
                "REGRESSED" => " class=\"regressed\"",
                "better" => " class=\"better\"",
                _ => "",
            };
            h.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let attr = if i == 4 { cls } else { "" };
                let _ = write!(h, "<td{attr}>{}</td>", escape(cell));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    for note in &c.notes {
        let _ = writeln!(h, "<p>Note: {}</p>", escape(note));
    }
    h.push_str("<h2>Both runs on the same axes</h2>\n");
    if let Some(note) = binning_note(sides) {
        let _ = writeln!(h, "<p>{}</p>", escape(&note));
    }
    for overlay in &OVERLAYS {
        let drawn = draw(overlay, sides, true)?;
        match &drawn.svg {
            Some(svg) => h.push_str(&figure(overlay.id, svg)),
            None => {
                let _ = writeln!(h, "<h3>{}</h3>", escape(overlay.title));
            }
        }
        let missing = drawn.summary.contains(" has no ");
        let _ = writeln!(
            h,
            "<p{}>{}</p>",
            if missing { " class=\"missing\"" } else { "" },
            escape(&drawn.summary)
        );
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

/// compare.md.
pub fn markdown(c: &Comparison, sides: &[Side<'_>; 2]) -> Result<String, ChartError> {
    let mut s = String::new();
    let _ = writeln!(s, "# Compare: {}\n", heading(sides));
    for side in sides {
        let _ = writeln!(s, "- {}: {}", side.role, describe(side));
    }
    let _ = writeln!(s, "\n{}\n\n## What moved\n", c.verdict_line());
    let rows = moved_rows(c);
    if rows.is_empty() {
        let _ = writeln!(s, "No change in {} figures.", c.rows.len());
    } else {
        let _ = writeln!(s, "| {} |\n|{}", HEADERS.join(" | "), " --- |".repeat(5));
        for row in &rows {
            let _ = writeln!(s, "| {} |", row.join(" | "));
        }
    }
    for note in &c.notes {
        let _ = writeln!(s, "\nNote: {note}");
    }
    s.push_str("\n## The charts of compare.html, in words\n\n");
    if let Some(note) = binning_note(sides) {
        let _ = writeln!(s, "{note}\n");
    }
    for overlay in &OVERLAYS {
        let drawn = draw(overlay, sides, false)?;
        let _ = writeln!(s, "- {}", drawn.summary);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare;
    use crate::compare::overlay::RunKind;
    use crate::report::Report;

    fn report(latency_s: f64) -> Report {
        let mut r = Report::new(&alertsim_scenarios::Scenario::default(), 100.0);
        r.latency_s.p98 = latency_s;
        r.series.interval_s = 10.0;
        r.series.t_s = vec![0.0, 10.0, 20.0];
        r.series.lag = vec![0, 5, 1];
        r.series.jobs_running = vec![1, 3, 2];
        r.series.mbit_per_s = vec![0.0, 20.0, 10.0];
        for visit in 0..3 {
            r.per_visit.push(crate::VisitRecord {
                visit,
                readout_end_s: f64::from(visit) * 10.0,
                alerts: 1,
                produced: 1,
                delivered: 1,
                lost: 0,
                duplicated: 0,
                failed_detectors: 0,
                detectors_dropped: 0,
                p98_latency_s: latency_s + f64::from(visit),
                max_latency_s: latency_s + f64::from(visit),
                late: false,
                failed: false,
                budget: None,
                late_cause: None,
            });
        }
        r
    }

    #[test]
    fn both_runs_are_drawn_named_and_a_missing_series_is_said() {
        let (a, mut b) = (report(10.0), report(20.0));
        b.series = crate::Series::default();
        let json = |r: &Report| serde_json::to_value(r).unwrap_or_default();
        let c = compare(&json(&a), &json(&b), 5.0);
        let sides = [
            Side {
                role: "baseline",
                file: "a/report.json",
                kind: RunKind::Sim,
                report: Some(&a),
            },
            Side {
                role: "candidate",
                file: "b/report.json",
                kind: RunKind::Load,
                report: Some(&b),
            },
        ];
        let page = html(&c, &sides).unwrap_or_default();
        assert!(page.contains("sim vs load"), "{page}");
        // Latency: both drawn (a line, and a dot per visit); the series over
        // time: the baseline's only.
        assert_eq!(page.matches("<figure class=\"chart\"").count(), 4);
        assert!(page.contains("data-series=\"baseline (sim): a/report.json\""));
        assert_eq!(
            page.matches(
                "<polyline class=\"series\" data-series=\"candidate (load): b/report.json\""
            )
            .count(),
            1
        );
        assert_eq!(
            page.matches("the candidate (b/report.json) has no").count(),
            3
        );
        assert!(page.contains("latency_s.p98"), "the table of what moved");
        let md = markdown(&c, &sides).unwrap_or_default();
        assert!(md.contains("| latency_s.p98 |"), "{md}");
        assert!(md.contains("baseline highest 12 s at visit 2"), "{md}");
    }
}
