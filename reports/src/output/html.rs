//! report.html: one self-contained file (no scripts, no external assets)
//! with the gates, the key figures, the latency budget (stacked chart and
//! late-visit table), recovery and schema tables, and inline
//! SVG charts drawn by plotters' SVG backend. Without font libraries plotters estimates text extents and
//! writes real `<text>` elements, which the browser renders, so axis labels
//! and legends need no fonts at build or run time.

use std::fmt::Write as _;

use plotters::prelude::*;

use crate::human;
use crate::metrics::recovery::RecoveryRecord;
use crate::output::files::ReportError;
use crate::output::load_validity::LoadValidity;
use crate::output::tables::{escape, html_table};
use crate::output::{budget, figures, verdict};
use crate::report::Report;
use crate::schema::{SchemaChangeRecord, SchemaConsumerRecord};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 320;
/// Longer series are reduced to this many points (about two per pixel
/// column) so that a night's thousands of samples stay readable.
const MAX_POINTS: usize = 450;

/// How consecutive points are merged when a series is reduced.
#[derive(Debug, Clone, Copy)]
enum Merge {
    /// Keep the peak (lag, Jobs: the envelope matters).
    Max,
    /// Keep the mean (throughput: the average rate over the bin).
    Mean,
}

/// Reduces `points` to at most [`MAX_POINTS`], each output point at the
/// first x of its bin.
fn reduce(points: Vec<(f64, f64)>, merge: Merge) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let per_bin = points.len().div_ceil(MAX_POINTS);
    points
        .chunks(per_bin)
        .filter_map(|bin| {
            let x = bin.first()?.0;
            let y = match merge {
                Merge::Max => bin.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
                Merge::Mean => bin.iter().map(|p| p.1).sum::<f64>() / bin.len() as f64,
            };
            Some((x, y))
        })
        .collect()
}

/// ", peak per 90 s" when the series is reduced to bins of several
/// samples (each bin's `merge`), nothing when every sample is drawn.
fn binning(r: &Report, merge: &str) -> String {
    let per_bin = r.series.t_s.len().div_ceil(MAX_POINTS);
    if per_bin <= 1 {
        String::new()
    } else {
        format!(
            ", {merge} per {}",
            human::duration(per_bin as f64 * r.series.interval_s)
        )
    }
}

/// One line of a chart.
struct Line<'a> {
    name: &'a str,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
}

/// Renders report.html.
pub fn render(r: &Report) -> Result<String, ReportError> {
    render_with(r, None)
}

/// Renders report.html, with a load run's validity near the top.
pub fn render_with(r: &Report, validity: Option<&LoadValidity>) -> Result<String, ReportError> {
    let t = &r.series.t_s;
    let windows: Vec<(f64, f64)> = r.faults.iter().map(|f| (f.start_s, f.end_s)).collect();
    let to_f = |v: &[u64]| -> Vec<f64> { v.iter().map(|&x| x as f64).collect() };
    let lag = chart(
        "lag-jobs",
        "Stream lag and Jobs over time",
        "virtual time (s)",
        "count",
        &[
            line(
                "stream lag (peak)",
                RGBColor(31, 119, 180),
                t,
                &to_f(&r.series.lag),
                Merge::Max,
            ),
            line(
                "Jobs running (peak)",
                RGBColor(255, 127, 14),
                t,
                &to_f(&r.series.jobs_running),
                Merge::Max,
            ),
            line(
                "Jobs pending (peak)",
                RGBColor(148, 103, 189),
                t,
                &to_f(&r.series.jobs_pending),
                Merge::Max,
            ),
            line(
                "pods busy (peak)",
                RGBColor(44, 160, 44),
                t,
                &to_f(&r.series.pods_busy),
                Merge::Max,
            ),
        ],
        None,
        &windows,
    )?;
    let visits: Vec<f64> = r.per_visit.iter().map(|v| f64::from(v.visit)).collect();
    let p98: Vec<f64> = r.per_visit.iter().map(|v| v.p98_latency_s).collect();
    let latency = chart(
        "latency",
        "p98 latency per visit (end of readout to Kafka ack)",
        "visit",
        "seconds",
        &[line(
            "p98 latency",
            RGBColor(31, 119, 180),
            &visits,
            &p98,
            Merge::Max,
        )],
        Some(("limit", r.config.gates.p98_latency_s)),
        &[],
    )?;
    let throughput_name = format!(
        "alerts/s acknowledged ({}{})",
        figures::sampling(r),
        binning(r, "highest")
    );
    let throughput = chart(
        "throughput",
        "Delivery throughput",
        "virtual time (s)",
        "alerts/s",
        &[line(
            &throughput_name,
            RGBColor(44, 160, 44),
            t,
            &r.series.delivered_per_s,
            Merge::Max,
        )],
        None,
        &windows,
    )?;
    let redis_name = format!("Redis utilisation{}", binning(r, "mean"));
    let redis = if r.series.redis_utilisation.is_empty() {
        None
    } else {
        Some(chart(
            "redis-cpu",
            "Redis CPU utilisation (share of redis.cpu_limit)",
            "virtual time (s)",
            "utilisation",
            &[line(
                &redis_name,
                RGBColor(214, 39, 40),
                t,
                &r.series.redis_utilisation,
                Merge::Mean,
            )],
            None,
            &windows,
        )?)
    };

    let mut h = String::new();
    let verdict = if r.gates.passed { "PASS" } else { "FAIL" };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>alertsim report: {name}</title>\n<style>\
         body{{font-family:sans-serif;margin:2em;max-width:960px}}\
         table{{border-collapse:collapse;margin-bottom:1.5em}}\
         td,th{{border:1px solid #bbb;padding:.25em .6em;text-align:left}}\
         .pass{{color:#1a7f37}}.fail{{color:#cf222e;font-weight:bold}}\
         </style></head><body>\n<h1>{name} <span class=\"{cls}\">{verdict}</span></h1>\n",
        name = escape(&r.scenario),
        cls = verdict.to_lowercase(),
    );
    if let Some(validity) = validity {
        h.push_str(&validity.headline_html());
    }
    h.push_str(&verdict::html(r));
    let _ = writeln!(h, "<p>{}</p>", escape(&r.description));
    if r.partial {
        h.push_str("<p class=\"fail\">Partial report: the run was interrupted; the figures cover only the part of the night that ran.</p>\n");
    }
    if let Some(validity) = validity {
        h.push_str(&validity.table_html());
    }
    h.push_str("<h2>Gates</h2>\n<table><tr><th>gate</th><th>result</th><th>actual</th><th>limit</th><th>detail</th></tr>\n");
    for (g, [actual, limit, detail]) in verdict::gate_rows(r) {
        let (cls, word) = if g.passed {
            ("pass", "pass")
        } else {
            ("fail", "FAIL")
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"{cls}\">{word}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.name),
            escape(&actual),
            escape(&limit),
            escape(&detail)
        );
    }
    h.push_str("</table>\n<h2>Key figures</h2>\n<table>\n");
    for (k, v) in figures::key_figures(r) {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    h.push_str("</table>\n");
    h.push_str(&budget::html(r)?);
    h.push_str("<h2>Charts</h2>\n");
    if !r.faults.is_empty() {
        h.push_str("<p>Shaded: fault windows (");
        let list: Vec<String> = r
            .faults
            .iter()
            .map(|f| {
                format!(
                    "{} {}&ndash;{}",
                    escape(&f.kind),
                    escape(&human::duration(f.start_s)),
                    escape(&human::duration(f.end_s))
                )
            })
            .collect();
        h.push_str(&list.join(", "));
        h.push_str(").</p>\n");
        h.push_str("<h2>Recovery</h2>\n");
        html_table(
            &mut h,
            &RecoveryRecord::HEADERS,
            r.recovery.iter().map(|x| x.cells().to_vec()),
        );
    }
    if let Some(schema) = &r.schema {
        let _ = writeln!(
            h,
            "<h2>Schema</h2>\n<p>Registry compatibility: {}. Alerts a consumer could not decode: {} in all.</p>",
            escape(&schema.compatibility),
            human::count(schema.undecodable_total())
        );
        if schema.changes.is_empty() {
            h.push_str("<p>No schema change.</p>\n");
        } else {
            html_table(
                &mut h,
                &SchemaChangeRecord::HEADERS,
                schema.changes.iter().map(|c| c.cells().to_vec()),
            );
        }
        html_table(
            &mut h,
            &SchemaConsumerRecord::HEADERS,
            schema.consumers.iter().map(|c| c.cells().to_vec()),
        );
    }
    for svg in [Some(lag), Some(latency), Some(throughput), redis]
        .into_iter()
        .flatten()
    {
        h.push_str("<figure>\n");
        h.push_str(&svg);
        h.push_str("\n</figure>\n");
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

fn line<'a>(name: &'a str, colour: RGBColor, xs: &[f64], ys: &[f64], merge: Merge) -> Line<'a> {
    Line {
        name,
        colour,
        points: reduce(xs.iter().copied().zip(ys.iter().copied()).collect(), merge),
    }
}

/// Draws one line chart as an SVG string.
fn chart(
    id: &'static str,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line<'_>],
    limit: Option<(&str, f64)>,
    shaded: &[(f64, f64)],
) -> Result<String, ReportError> {
    let err = |e: &dyn std::fmt::Display| ReportError::Chart {
        chart: id,
        message: e.to_string(),
    };
    let points = || lines.iter().flat_map(|l| l.points.iter());
    let x_min = points().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = points().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let (x_min, x_max) = if x_min.is_finite() && x_max > x_min {
        (x_min, x_max)
    } else {
        (0.0, 1.0)
    };
    let y_top = points()
        .map(|p| p.1)
        .chain(limit.map(|l| l.1))
        .fold(0.0, f64::max);
    let y_max = if y_top > 0.0 { y_top * 1.08 } else { 1.0 };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_min..x_max, 0.0..y_max)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|x| human::number(*x))
            .y_label_formatter(&|y| human::number(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| err(&e))?;
        // Fault windows behind the lines; instantaneous ones get a thin band.
        let min_width = (x_max - x_min) / 400.0;
        for &(start, end) in shaded {
            let (a, b) = (start.max(x_min), end.max(start + min_width).min(x_max));
            if a < b {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(a, 0.0), (b, y_max)],
                    RGBColor(214, 39, 40).mix(0.15).filled(),
                )))
                .map_err(|e| err(&e))?;
            }
        }
        for l in lines {
            let colour = l.colour;
            c.draw_series(LineSeries::new(
                l.points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(l.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        }
        if let Some((name, value)) = limit {
            c.draw_series(LineSeries::new(
                [(x_min, value), (x_max, value)],
                RED.stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label(format!("{name} {}", human::duration(value)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(1)));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_series_are_reduced_keeping_peaks_or_means() {
        let points: Vec<(f64, f64)> = (0..900).map(|i| (f64::from(i), f64::from(i % 2))).collect();
        let peaks = reduce(points.clone(), Merge::Max);
        assert!(peaks.len() <= MAX_POINTS);
        assert_eq!(peaks.len(), 450);
        assert!(peaks.iter().all(|p| p.1 == 1.0));
        let means = reduce(points, Merge::Mean);
        assert!(means.iter().all(|p| (p.1 - 0.5).abs() < 1e-9));
        let short = vec![(0.0, 1.0), (1.0, 2.0)];
        assert_eq!(reduce(short.clone(), Merge::Max), short);
    }
}
