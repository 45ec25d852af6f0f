//! The latency budget as the reports show it: per stage its p50/p98/mean
//! over visits, a stacked chart of each visit's budget (SVG in report.html,
//! one text bar of the mean visit in report.md) and the late-visit table
//! with each late visit's cause (see `metrics::budget` for the
//! definitions). Each consumer's receipt stage after the acknowledgement is
//! in the Readers section (`output::readers`).

use std::fmt::Write as _;

use plotters::prelude::*;

use crate::chart::legend_and_present;

use crate::chart::figure;
use crate::chart::series_tag::{Tag, tag};
use crate::human;
use crate::metrics::budget::Stage;
use crate::metrics::visit::VisitRecord;
use crate::output::files::ReportError;
use crate::output::tables::{html_table, markdown_table};
use crate::report::Report;

/// Late visits listed at most; the count of the rest is given.
const MAX_LATE_ROWS: usize = 50;
/// Bars of the stacked chart at most (visits are binned, means kept).
const MAX_BARS: usize = 300;

/// Each stage's colour and the letter of its text bar.
fn style(stage: Stage) -> (RGBColor, char) {
    match stage {
        Stage::ColdStart => (RGBColor(214, 39, 40), 'c'),
        Stage::QueueWait => (RGBColor(255, 127, 14), 'q'),
        Stage::Preload => (RGBColor(148, 103, 189), 'l'),
        Stage::ImageWait => (RGBColor(140, 86, 75), 'i'),
        Stage::Pipeline => (RGBColor(31, 119, 180), 'p'),
        Stage::ApdbWrite => (RGBColor(23, 190, 207), 'd'),
        Stage::Publish => (RGBColor(44, 160, 44), 's'),
        Stage::Ack => (RGBColor(127, 127, 127), 'a'),
    }
}

/// The table header of the late visits and its rows.
fn late_rows(r: &Report) -> (Vec<Vec<String>>, usize) {
    let late: Vec<&VisitRecord> = r.per_visit.iter().filter(|v| v.late).collect();
    let medians: Vec<f64> = Stage::ALL
        .iter()
        .map(|&s| {
            r.latency_budget
                .stages
                .iter()
                .find(|f| f.stage == s)
                .map_or(0.0, |f| f.p50_s)
        })
        .collect();
    let rows = late
        .iter()
        .take(MAX_LATE_ROWS)
        .map(|v| {
            let cause = v.late_cause.map_or("unknown", |c| c.name());
            let stage = Stage::ALL.iter().position(|s| s.name() == cause);
            let (took, usual) = match (stage, v.budget) {
                (Some(i), Some(b)) => (
                    human::duration(b.get(Stage::ALL[i])),
                    human::duration(medians[i]),
                ),
                _ => ("-".to_owned(), "-".to_owned()),
            };
            vec![
                v.visit.to_string(),
                human::duration(v.p98_latency_s),
                format!("{}/{}", human::count(v.delivered), human::count(v.alerts)),
                cause.to_owned(),
                took,
                usual,
            ]
        })
        .collect();
    (rows, late.len())
}

const LATE_HEADERS: [&str; 6] = [
    "visit",
    "p98",
    "delivered",
    "cause",
    "cause took",
    "its median",
];

/// report.md's budget section.
pub(crate) fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let b = &r.latency_budget;
    if b.stages.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "\n## Latency budget\n\nWhere the latency went, over the {} visits whose alerts arrived: each visit's deciding detector's stages from the end of readout to its last acknowledgement.\n",
        human::count(b.visits)
    );
    markdown_table(
        &mut s,
        &["stage", "p50", "p98", "mean"],
        b.stages.iter().map(|f| {
            vec![
                f.stage.name().to_owned(),
                human::duration(f.p50_s),
                human::duration(f.p98_s),
                human::duration(f.mean_s),
            ]
        }),
    );
    let mut bar = String::new();
    for f in &b.stages {
        let (_, letter) = style(f.stage);
        let n = f.mean_s.round().max(0.0) as usize;
        bar.extend(std::iter::repeat_n(letter, n.min(600)));
    }
    let legend: Vec<String> = Stage::ALL
        .iter()
        .map(|&st| format!("{} {}", style(st).1, st.name()))
        .collect();
    let _ = writeln!(
        s,
        "\nThe mean visit, stacked (one character a second; {}):\n\n```\n{bar}\n```",
        legend.join(", ")
    );
    let (rows, late) = late_rows(r);
    if late > 0 {
        let _ = writeln!(
            s,
            "\n## Late visits\n\nThe cause is the stage furthest above its median, or `undelivered` when fewer than 98% of the alerts arrived.\n"
        );
        markdown_table(&mut s, &LATE_HEADERS, rows.into_iter());
        if late > MAX_LATE_ROWS {
            let _ = writeln!(
                s,
                "\n({} more late visits in report.json.)",
                human::count((late - MAX_LATE_ROWS) as u64)
            );
        }
        let causes: Vec<String> = b
            .late_causes
            .iter()
            .map(|c| format!("{} {}", c.cause.name(), human::count(c.late_visits)))
            .collect();
        let _ = writeln!(s, "\nLate visits by cause: {}.", causes.join(", "));
    }
    s
}

/// report.html's budget section: the stage table, the stacked chart and
/// the late-visit table.
pub(crate) fn html(r: &Report) -> Result<String, ReportError> {
    let mut h = String::new();
    let b = &r.latency_budget;
    if b.stages.is_empty() {
        return Ok(h);
    }
    h.push_str("<h2>Latency budget</h2>\n");
    html_table(
        &mut h,
        &["stage", "p50", "p98", "mean"],
        b.stages.iter().map(|f| {
            vec![
                f.stage.name().to_owned(),
                human::duration(f.p50_s),
                human::duration(f.p98_s),
                human::duration(f.mean_s),
            ]
        }),
    );
    h.push_str(&figure("latency-budget", &stacked_chart(r)?));
    let (rows, late) = late_rows(r);
    if late > 0 {
        h.push_str("<h2>Late visits</h2>\n<p>The cause is the stage furthest above its median, or <code>undelivered</code> when fewer than 98% of the alerts arrived.</p>\n");
        html_table(&mut h, &LATE_HEADERS, rows.into_iter());
        if late > MAX_LATE_ROWS {
            let _ = writeln!(
                h,
                "<p>({} more late visits in report.json.)</p>",
                human::count((late - MAX_LATE_ROWS) as u64)
            );
        }
    }
    Ok(h)
}

/// Each visit's budget as a stacked bar (visits binned to at most
/// [`MAX_BARS`] bars, the mean of each stage per bin).
fn stacked_chart(r: &Report) -> Result<String, ReportError> {
    let err = |e: &dyn std::fmt::Display| ReportError::Chart {
        chart: "latency-budget",
        message: e.to_string(),
    };
    let visits: Vec<(f64, [f64; 8])> = r
        .per_visit
        .iter()
        .filter_map(|v| {
            let b = v.budget?;
            let mut a = [0.0; 8];
            for (slot, &s) in a.iter_mut().zip(Stage::ALL.iter()) {
                *slot = b.get(s);
            }
            Some((f64::from(v.visit), a))
        })
        .collect();
    let per_bin = visits.len().div_ceil(MAX_BARS).max(1);
    let bars: Vec<(f64, f64, [f64; 8])> = visits
        .chunks(per_bin)
        .filter_map(|bin| {
            let first = bin.first()?.0;
            let last = bin.last()?.0 + 1.0;
            let mut mean = [0.0; 8];
            for (_, a) in bin {
                for (m, x) in mean.iter_mut().zip(a) {
                    *m += x / bin.len() as f64;
                }
            }
            Some((first, last, mean))
        })
        .collect();
    let x_max = bars.last().map_or(1.0, |b| b.1);
    let y_top = bars
        .iter()
        .map(|b| b.2.iter().sum::<f64>())
        .chain(std::iter::once(r.config.gates.p98_latency_s))
        .fold(0.0, f64::max);
    let y_max = if y_top > 0.0 { y_top * 1.08 } else { 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(
                "Latency budget per visit (stacked stages of the deciding detector)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .x_desc("visit")
            .y_desc("seconds")
            .x_label_formatter(&|x| human::number(*x))
            .y_label_formatter(&|y| human::number(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| err(&e))?;
        for (i, &stage) in Stage::ALL.iter().enumerate() {
            let (colour, _) = style(stage);
            let rects = bars.iter().map(|(x0, x1, a)| {
                let below: f64 = a[..i].iter().sum();
                Rectangle::new([(*x0, below), (*x1, below + a[i])], colour.filled())
            });
            c.draw_series(rects)
                .map_err(|e| err(&e))?
                .label(stage.name())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        let limit = r.config.gates.p98_latency_s;
        c.draw_series(LineSeries::new(
            [(0.0, limit), (x_max, limit)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?
        .label(format!("limit {}", human::duration(limit)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(1)));
        legend_and_present(&mut c, &root).map_err(|e| err(&e))?;
    }
    // Each stage's bars (drawn before the legend's samples), for hover and
    // for the browser test.
    let tags: Vec<Tag<'_>> = Stage::ALL
        .iter()
        .map(|&stage| Tag {
            element: "rect",
            colour_attr: "fill",
            colour: style(stage).0,
            count: bars.len(),
            name: stage.name(),
            title: stage.name().to_owned(),
        })
        .collect();
    Ok(tag(&svg, &tags))
}
