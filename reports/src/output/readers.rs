//! The Readers section of report.md and report.html: one row per consumer
//! (a community broker reading the alert topic) with the alerts it read,
//! the acknowledged alerts it never got (`alerts.lost_to_readers`), how far
//! behind the broker it read (its receipt stage: from the broker's
//! acknowledgement to its read) and its p98 latency from the end of
//! readout; on report.html a bar chart of each reader's receipt p98 with
//! the alerts it lost on a second axis. Also the readers named by the
//! verdict when the `lost_to_readers` gate fails. No consumers, no section.

use std::fmt::Write as _;

use plotters::style::RGBColor;

use crate::chart::bars::{BarFrame, Bars, bar_chart};
use crate::chart::figure;
use crate::human;
use crate::metrics::latency::Percentiles;
use crate::output::files::ReportError;
use crate::output::tables::{escape, html_table, markdown_table};
use crate::report::Report;

/// Readers named by the verdict at most.
const MAX_NAMED: usize = 5;

/// What the section shows, above its table.
const INTRO: &str = "Each reader (consumer of the alert topic): the alerts it read, the acknowledged alerts it never got (the topic deleted them first, or it came back without a committed offset and skipped them), how far behind the broker it read (receipt: from the broker's acknowledgement of an alert to the reader's read) and its p98 latency from the end of readout.";

/// The table's columns.
const HEADERS: [&str; 7] = [
    "reader",
    "received",
    "lost",
    "receipt p50",
    "receipt p98",
    "receipt max",
    "latency p98",
];

/// One reader's figures.
struct Reader<'a> {
    name: &'a str,
    received: u64,
    lost: u64,
    receipt: Percentiles,
    latency_p98: f64,
}

/// The scenario's readers in its order, each with the alerts it lost (0
/// when the report does not list it).
fn readers(r: &Report) -> Vec<Reader<'_>> {
    r.consumers
        .iter()
        .map(|c| Reader {
            name: &c.name,
            received: c.received,
            lost: r.alerts.lost_to_readers.get(&c.name).copied().unwrap_or(0),
            receipt: c.receipt_s,
            latency_p98: c.latency_s.p98,
        })
        .collect()
}

/// The table's rows; a receipt never timed (a report from before it was)
/// reads `-`.
fn rows(r: &Report) -> impl Iterator<Item = Vec<String>> + '_ {
    readers(r).into_iter().map(|x| {
        let timed = x.receipt != Percentiles::default();
        let receipt = |v: f64| {
            if timed {
                human::duration(v)
            } else {
                "-".to_owned()
            }
        };
        vec![
            x.name.to_owned(),
            human::count(x.received),
            human::count(x.lost),
            receipt(x.receipt.p50),
            receipt(x.receipt.p98),
            receipt(x.receipt.max),
            human::duration(x.latency_p98),
        ]
    })
}

/// "alerce (8,123), ampel (12)": the readers that lost alerts, most lost
/// first, a few then "and N more"; `None` when none did.
pub(crate) fn who_lost(r: &Report) -> Option<String> {
    let mut lost: Vec<(&str, u64)> = r
        .alerts
        .lost_to_readers
        .iter()
        .filter(|&(_, &n)| n > 0)
        .map(|(name, &n)| (name.as_str(), n))
        .collect();
    lost.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut s = lost
        .iter()
        .take(MAX_NAMED)
        .map(|(name, n)| format!("{name} ({})", human::count(*n)))
        .collect::<Vec<_>>()
        .join(", ");
    if lost.len() > MAX_NAMED {
        let _ = write!(
            s,
            " and {} more",
            human::count((lost.len() - MAX_NAMED) as u64)
        );
    }
    (!lost.is_empty()).then_some(s)
}

/// report.md's Readers section.
pub(crate) fn markdown(r: &Report) -> String {
    let mut s = String::new();
    if r.consumers.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\n## Readers\n\n{INTRO}\n");
    markdown_table(&mut s, &HEADERS, rows(r));
    s
}

/// report.html's Readers section: the table and the chart.
pub(crate) fn html(r: &Report) -> Result<String, ReportError> {
    let mut h = String::new();
    if r.consumers.is_empty() {
        return Ok(h);
    }
    let _ = writeln!(h, "<h2>Readers</h2>\n<p>{}</p>", escape(INTRO));
    html_table(&mut h, &HEADERS, rows(r));
    match chart(r)? {
        Some(svg) => h.push_str(&figure("readers", &svg)),
        None => h.push_str("<p>No reader timed a receipt or lost an alert: no chart.</p>\n"),
    }
    Ok(h)
}

/// Each reader's receipt p98 (left axis) and, when any reader lost
/// alerts, the alerts each lost (right axis, red); `None` when there is
/// nothing to draw.
fn chart(r: &Report) -> Result<Option<String>, ReportError> {
    let readers = readers(r);
    let behind: Vec<f64> = readers.iter().map(|x| x.receipt.p98).collect();
    let lost: Vec<f64> = readers.iter().map(|x| x.lost as f64).collect();
    let any_lost = lost.iter().any(|&n| n > 0.0);
    if !any_lost && !behind.iter().any(|&v| v > 0.0) {
        return Ok(None);
    }
    let mut series = vec![Bars {
        name: "receipt p98 (how far behind)",
        colour: RGBColor(31, 119, 180),
        values: behind,
        right_axis: false,
        show: human::duration,
    }];
    if any_lost {
        series.push(Bars {
            name: "alerts lost",
            colour: RGBColor(214, 39, 40),
            values: lost,
            right_axis: true,
            show: |n| human::count(n as u64),
        });
    }
    let title = if any_lost {
        "How far behind the broker each reader read, and the alerts it lost"
    } else {
        "How far behind the broker each reader read (no reader lost an alert)"
    };
    let groups: Vec<String> = readers.iter().map(|x| x.name.to_owned()).collect();
    let svg = bar_chart(
        &BarFrame {
            id: "readers",
            title,
            y_desc: "receipt p98",
            y_label: human::duration,
            log_y: true,
            y2_desc: "alerts lost",
            limit: None,
        },
        &groups,
        &series,
    )?;
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::summary::ConsumerReport;

    fn report(lost: &[(&str, u64)]) -> Report {
        let mut r = Report::new(&alertsim_scenarios::Scenario::default(), 100.0);
        for (i, name) in ["alerce", "ampel", "fink"].iter().enumerate() {
            r.consumers.push(ConsumerReport {
                name: (*name).to_owned(),
                received: 1000 + i as u64,
                latency_s: Percentiles {
                    p98: 30.0,
                    ..Percentiles::default()
                },
                receipt_s: Percentiles {
                    p50: 0.5,
                    p90: 1.0,
                    p98: 1.0 + i as f64,
                    p99: 2.0,
                    max: 125.0,
                },
            });
        }
        r.alerts.lost_to_readers = lost.iter().map(|(n, l)| ((*n).to_owned(), *l)).collect();
        r
    }

    #[test]
    fn a_row_per_reader_with_its_losses_and_how_far_behind() {
        let md = markdown(&report(&[("ampel", 12), ("alerce", 0)]));
        assert!(md.contains("## Readers"), "{md}");
        assert!(
            md.contains("| ampel | 1,001 | 12 | 500 ms | 2 s | 2 min 05 s | 30 s |"),
            "{md}"
        );
        // Absent from lost_to_readers reads 0.
        assert!(md.contains("| fink | 1,002 | 0 |"), "{md}");
    }

    #[test]
    fn no_consumers_no_section() {
        let r = Report::new(&alertsim_scenarios::Scenario::default(), 100.0);
        assert_eq!(markdown(&r), "");
        assert_eq!(html(&r).ok(), Some(String::new()));
    }

    #[test]
    fn the_chart_marks_each_reader_and_its_losses() {
        let h = html(&report(&[("fink", 3), ("alerce", 0)])).unwrap_or_default();
        assert!(h.contains("data-chart=\"readers\""), "{h}");
        // Three receipt bars and the one reader that lost alerts.
        assert_eq!(h.matches("<rect class=\"series\"").count(), 4, "{h}");
        assert!(h.contains("<title>fink: alerts lost 3</title>"), "{h}");
        let none = html(&report(&[])).unwrap_or_default();
        assert_eq!(none.matches("<rect class=\"series\"").count(), 3, "{none}");
        assert!(none.contains("no reader lost an alert"), "{none}");
    }

    #[test]
    fn the_verdict_names_the_readers_that_lost_most_first() {
        assert_eq!(who_lost(&report(&[("alerce", 0)])), None);
        let r = report(&[("a", 1), ("b", 9), ("c", 9), ("d", 2), ("e", 3), ("f", 4)]);
        assert_eq!(
            who_lost(&r).as_deref(),
            Some("b (9), c (9), f (4), e (3), d (2) and 1 more")
        );
    }
}
