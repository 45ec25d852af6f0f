//! The recovery records as a timeline on report.html: two rows per fault,
//! its window in red, and below it the time from its start until visits
//! were on time again (the record's `rto_s`) in orange, or in grey to the
//! end of the run when they never were. Inline SVG from plotters, the
//! legend in HTML under it; each bar's `<title>` gives its figures on hover.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::chart::figure;
use crate::chart::series_tag::{Tag, tag};
use crate::human;
use crate::metrics::recovery::RecoveryRecord;
use crate::output::files::ReportError;

const FAULT: RGBColor = RGBColor(214, 39, 40);
const RECOVERING: RGBColor = RGBColor(255, 127, 14);
const NOT_RECOVERED: RGBColor = RGBColor(150, 150, 150);

/// One row's bars: the fault window, and the time until on time again.
struct Row {
    start: f64,
    end: f64,
    recovered_at: Option<f64>,
    /// The end of its recovery window: the next fault's start, or the run's end.
    window_end: f64,
}

/// The timeline as a `<figure class="chart">`, or nothing without records.
pub fn html(records: &[RecoveryRecord], run_s: f64) -> Result<String, ReportError> {
    if records.is_empty() {
        return Ok(String::new());
    }
    Ok(figure("recovery-timeline", &svg(records, run_s)?) + &legend())
}

fn svg(records: &[RecoveryRecord], run_s: f64) -> Result<String, ReportError> {
    let err = |e: &dyn std::fmt::Display| ReportError::Chart {
        chart: "recovery-timeline",
        message: e.to_string(),
    };
    let rows: Vec<Row> = records
        .iter()
        .map(|r| Row {
            start: r.start_s,
            end: r.end_s.max(r.start_s),
            recovered_at: r.rto_s.map(|rto| r.start_s + rto),
            window_end: records
                .iter()
                .map(|o| o.start_s)
                .filter(|&s| s > r.start_s)
                .fold(run_s, f64::min),
        })
        .collect();
    let x_max = rows
        .iter()
        .flat_map(|r| [r.end, r.recovered_at.unwrap_or(0.0)])
        .fold(run_s, f64::max)
        .max(1.0);
    let min_width = x_max / 300.0;
    // From the top: each fault's window, then its recovery below it
    // (plotters counts rows from the bottom).
    let n = 2 * rows.len();
    let window_row = |i: usize| n - 1 - 2 * i;
    let recovery_row = |i: usize| n - 2 - 2 * i;
    let mut names: Vec<String> = records
        .iter()
        .enumerate()
        .flat_map(|(i, r)| [format!("{}. {}", i + 1, r.fault), "recovery".to_owned()])
        .collect();
    names.reverse();
    let height = (80 + 30 * n as u32).clamp(200, 2400);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(
                "Recovery: each fault's window, and from its start until visits were on time again",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .x_desc("time (s)")
            .x_label_formatter(&|x| human::number(*x))
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| err(&e))?;
        let band = |row: usize, a: f64, b: f64, colour: RGBColor| {
            Rectangle::new(
                [
                    (a, SegmentValue::Exact(row)),
                    (b, SegmentValue::Exact(row + 1)),
                ],
                colour.filled(),
            )
        };
        c.draw_series(rows.iter().enumerate().map(|(i, r)| {
            band(
                window_row(i),
                r.start,
                r.end.max(r.start + min_width),
                FAULT,
            )
        }))
        .map_err(|e| err(&e))?;
        c.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
            let to = r.recovered_at?;
            Some(band(
                recovery_row(i),
                r.start,
                to.max(r.start + min_width),
                RECOVERING,
            ))
        }))
        .map_err(|e| err(&e))?;
        c.draw_series(
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.recovered_at.is_none())
                .map(|(i, r)| {
                    band(
                        recovery_row(i),
                        r.start,
                        r.window_end.max(r.end),
                        NOT_RECOVERED,
                    )
                }),
        )
        .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(tag(&svg, &tags(records, &rows)))
}

/// The legend, under the chart.
fn legend() -> String {
    let swatch = |RGBColor(r, g, b): RGBColor, text: &str| {
        format!("<span style=\"color:#{r:02x}{g:02x}{b:02x}\">&#9632;</span> {text}")
    };
    format!(
        "<p>{} &nbsp; {} &nbsp; {}</p>\n",
        swatch(FAULT, "fault window"),
        swatch(
            RECOVERING,
            "from the fault's start until visits were on time again (RTO)"
        ),
        swatch(NOT_RECOVERED, "not on time again within its window")
    )
}

/// The bars' tags, in drawing order: every fault window, then the
/// recoveries, then the rows never on time again.
fn tags<'a>(records: &'a [RecoveryRecord], rows: &[Row]) -> Vec<Tag<'a>> {
    let bar = |colour, r: &'a RecoveryRecord, title: String| Tag {
        element: "rect",
        colour_attr: "fill",
        colour,
        count: 1,
        name: &r.fault,
        title,
    };
    let mut tags: Vec<Tag<'a>> = records
        .iter()
        .map(|r| {
            bar(
                FAULT,
                r,
                format!(
                    "{}: from {} to {}; {} alerts lost",
                    r.fault,
                    human::duration(r.start_s),
                    human::duration(r.end_s),
                    human::count(r.alerts_lost)
                ),
            )
        })
        .collect();
    for (r, row) in records.iter().zip(rows) {
        if let (Some(_), Some(rto)) = (row.recovered_at, r.rto_s) {
            tags.push(bar(
                RECOVERING,
                r,
                format!(
                    "{}: on time again {} after its start",
                    r.fault,
                    human::duration(rto)
                ),
            ));
        }
    }
    for (r, row) in records.iter().zip(rows) {
        if row.recovered_at.is_none() {
            tags.push(bar(
                NOT_RECOVERED,
                r,
                format!("{}: visits not on time again within its window", r.fault),
            ));
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fault: &str, start_s: f64, end_s: f64, rto_s: Option<f64>) -> RecoveryRecord {
        RecoveryRecord {
            fault: fault.to_owned(),
            start_s,
            end_s,
            detect_s: None,
            rto_s,
            alerts_lost: 3,
            alerts_duplicated: 0,
            alerts_lost_seconds: 0.0,
            backlog_peak: 0,
            drain_s: None,
        }
    }

    #[test]
    fn one_row_per_record_with_its_window_and_recovery() {
        let records = [
            record("broker-outage", 100.0, 400.0, Some(700.0)),
            record("redis-restart", 900.0, 900.0, None),
        ];
        let page = html(&records, 1200.0).unwrap_or_default();
        assert!(page.starts_with("<figure class=\"chart\" data-chart=\"recovery-timeline\">"));
        assert!(page.contains("1. broker-outage") && page.contains("2. redis-restart"));
        // Two fault windows, one recovery, one never on time again.
        assert_eq!(page.matches("class=\"series\"").count(), 4, "{page}");
        assert!(
            page.contains(
                "<title>broker-outage: on time again 11 min 40 s after its start</title>"
            ),
            "{page}"
        );
        assert!(page.contains("redis-restart: visits not on time again"));
        assert_eq!(html(&[], 10.0).unwrap_or_default(), "");
    }
}
