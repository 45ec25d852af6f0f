//! The sweep as one self-contained HTML page (sweep.html, or find.html for
//! `--find`): which point is chosen and why, the cost against latency
//! chart inline with that point marked, then the table of points.

use std::fmt::Write as _;

use super::chart::{Choice, cheapest_passing};
use super::{SweepResult, chart, describe};

/// The page, the cheapest passing point chosen; every text from the input
/// is escaped.
pub fn html(result: &SweepResult) -> String {
    html_with(result, cheapest_passing(result))
}

/// The page with `choice` as the chosen point.
pub fn html_with(result: &SweepResult, choice: Option<Choice>) -> String {
    let mut out = String::new();
    let title = format!("Sweep of {} (seed {})", result.scenario, result.seed);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}.fail{{color:#c0392b}}</style>\n\
         </head>\n<body>\n<h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    out.push_str("<ul>\n");
    for set in &result.set {
        let _ = writeln!(out, "<li><code>--set {}</code></li>", escape(set));
    }
    for vary in &result.vary {
        let _ = writeln!(out, "<li><code>--vary {}</code></li>", escape(vary));
    }
    out.push_str("</ul>\n");
    match choice.and_then(|c| Some((c, result.points.iter().find(|p| p.index == c.index)?))) {
        Some((c, p)) => {
            let _ = writeln!(
                out,
                "<p><b>Chosen: point #{} ({})</b>, the {}: {:.2} pod-h, p98 latency {:.1} s.</p>",
                p.index,
                escape(&describe(&p.settings)),
                c.reason,
                p.pod_h,
                p.p98_latency_s
            );
        }
        None => out.push_str("<p class=\"fail\"><b>No point passes every gate.</b></p>\n"),
    }
    out.push_str("<figure class=\"chart\" data-chart=\"sweep\">\n");
    out.push_str(&chart::cost_latency_svg_with(result, choice));
    out.push_str("</figure>\n");
    out.push_str("<table>\n<tr><th>#</th>");
    if let Some(first) = result.points.first() {
        for s in &first.settings {
            let _ = write!(out, "<th>{}</th>", escape(&s.key));
        }
    }
    out.push_str(
        "<th>gates</th><th>p98 latency s</th><th>late visits</th><th>lost alerts</th>\
         <th>jobs</th><th>max running</th><th>pod-h busy</th><th>pod-h idle</th><th>pod-h</th></tr>\n",
    );
    for p in &result.points {
        let _ = write!(out, "<tr><td>{}</td>", p.index);
        for s in &p.settings {
            let _ = write!(out, "<td>{}</td>", s.value);
        }
        let gates = if p.passed {
            "<td>pass</td>".to_owned()
        } else {
            format!(
                "<td class=\"fail\">FAIL ({})</td>",
                escape(&p.failed_gates.join(", "))
            )
        };
        let _ = writeln!(
            out,
            "{gates}<td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            p.p98_latency_s,
            p.late_visits,
            p.lost_alerts,
            p.jobs_created,
            p.max_running,
            p.busy_pod_h,
            p.idle_pod_h,
            p.pod_h
        );
    }
    out.push_str("</table>\n</body>\n</html>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
