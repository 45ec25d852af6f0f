//! report.html: one self-contained file (no scripts, no external assets)
//! with the gates, the key figures, the latency budget (stacked chart and
//! late-visit table), the readers (table and chart) and the brokers (table
//! and chart), recovery table and timeline, schema tables, and inline SVG
//! charts drawn by plotters (`crate::chart`).

use std::fmt::Write as _;

use plotters::style::RGBColor;

use crate::chart::{Frame, Merge, figure, line, line_chart, points_per_bin};
use crate::human;
use crate::metrics::recovery::RecoveryRecord;
use crate::output::files::ReportError;
use crate::output::tables::{escape, html_table};
use crate::output::{PageExtras, fidelity_section};
use crate::output::{brokers, budget, figures, readers, timeline, verdict};
use crate::report::Report;
use crate::schema::{SchemaChangeRecord, SchemaConsumerRecord};

/// ", peak per 90 s" when the series is reduced to bins of several
/// samples (each bin's `merge`), nothing when every sample is drawn.
fn binning(r: &Report, merge: &str) -> String {
    let per_bin = points_per_bin(r.series.t_s.len());
    if per_bin <= 1 {
        String::new()
    } else {
        format!(
            ", {merge} per {}",
            human::duration(per_bin as f64 * r.series.interval_s)
        )
    }
}

/// Renders report.html.
pub fn render(r: &Report) -> Result<String, ReportError> {
    render_with(r, PageExtras::default())
}

/// Renders report.html, with a load run's validity and a calibration's
/// fidelity table near the top.
pub fn render_with(r: &Report, extras: PageExtras<'_>) -> Result<String, ReportError> {
    let validity = extras.validity;
    let t = &r.series.t_s;
    let windows: Vec<(f64, f64)> = r.faults.iter().map(|f| (f.start_s, f.end_s)).collect();
    let to_f = |v: &[u64]| -> Vec<f64> { v.iter().map(|&x| x as f64).collect() };
    let lag = line_chart(
        &Frame {
            id: "lag-jobs",
            title: "Stream lag and Jobs over time",
            x_desc: "virtual time (s)",
            y_desc: "count",
            limit: None,
            shaded: &windows,
            point_values: false,
        },
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
    )?;
    let visits: Vec<f64> = r.per_visit.iter().map(|v| f64::from(v.visit)).collect();
    let p98: Vec<f64> = r.per_visit.iter().map(|v| v.p98_latency_s).collect();
    let latency = line_chart(
        &Frame {
            id: "latency",
            title: "p98 latency per visit (end of readout to Kafka ack)",
            x_desc: "visit",
            y_desc: "seconds",
            limit: Some(("limit", r.config.gates.p98_latency_s)),
            shaded: &[],
            point_values: true,
        },
        &[line(
            "p98 latency",
            RGBColor(31, 119, 180),
            &visits,
            &p98,
            Merge::Max,
        )],
    )?;
    let throughput_name = format!(
        "alerts/s acknowledged ({}{})",
        figures::sampling(r),
        binning(r, "highest")
    );
    let throughput = line_chart(
        &Frame {
            id: "throughput",
            title: "Delivery throughput",
            x_desc: "virtual time (s)",
            y_desc: "alerts/s",
            limit: None,
            shaded: &windows,
            point_values: false,
        },
        &[line(
            &throughput_name,
            RGBColor(44, 160, 44),
            t,
            &r.series.delivered_per_s,
            Merge::Max,
        )],
    )?;
    let redis_name = format!("Redis utilisation{}", binning(r, "mean"));
    let redis = if r.series.redis_utilisation.is_empty() {
        None
    } else {
        Some(line_chart(
            &Frame {
                id: "redis-cpu",
                title: "Redis CPU utilisation (share of redis.cpu_limit)",
                x_desc: "virtual time (s)",
                y_desc: "utilisation",
                limit: None,
                shaded: &windows,
                point_values: false,
            },
            &[line(
                &redis_name,
                RGBColor(214, 39, 40),
                t,
                &r.series.redis_utilisation,
                Merge::Mean,
            )],
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
    if let Some(fidelity) = extras.fidelity {
        h.push_str(&fidelity_section::html(fidelity));
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
    h.push_str(&readers::html(r)?);
    h.push_str(&brokers::html(r)?);
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
        h.push_str(&timeline::html(&r.recovery, r.simulated_s)?);
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
    for (id, svg) in [
        ("lag-jobs", Some(lag)),
        ("latency", Some(latency)),
        ("throughput", Some(throughput)),
        ("redis-cpu", redis),
    ] {
        if let Some(svg) = svg {
            h.push_str(&figure(id, &svg));
        }
    }
    h.push_str("</body></html>\n");
    Ok(h)
}
