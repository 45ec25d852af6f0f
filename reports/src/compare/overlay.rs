//! The two runs of a comparison on the same axes: which series each chart
//! overlays, read from the typed [`Report`] of each side, the chart drawn
//! with both (baseline and candidate in two colours, the legend naming
//! each file), and a one-line summary per chart for compare.md. A side
//! whose report lacks a series (a sweep point's, an empty run, a report
//! that does not read as the current layout) is named as missing instead
//! of drawn as an empty line.

use plotters::style::RGBColor;

use crate::chart::{ChartError, Frame, Line, Merge, line, line_chart, points_per_bin};
use crate::human;
use crate::report::Report;

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `alertsim sim`.
    Sim,
    /// `alertsim load` (a `load-info.json` lies beside the report).
    Load,
}

impl RunKind {
    /// `sim` or `load`.
    pub fn word(self) -> &'static str {
        match self {
            RunKind::Sim => "sim",
            RunKind::Load => "load",
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// `baseline` or `candidate`.
    pub role: &'static str,
    /// The report's file, as given.
    pub file: &'a str,
    /// Simulator or load run.
    pub kind: RunKind,
    /// The typed report, when the file reads as one.
    pub report: Option<&'a Report>,
}

impl Side<'_> {
    /// `baseline (sim): out/a/report.json`: the legend's name.
    pub fn label(&self) -> String {
        format!("{} ({}): {}", self.role, self.kind.word(), self.file)
    }
}

/// The colours of the baseline (a light blue, drawn wide) and the candidate.
pub const COLOURS: [RGBColor; 2] = [RGBColor(120, 170, 220), RGBColor(230, 85, 13)];

/// One overlaid chart: what it shows and how its series is read.
#[derive(Debug, Clone, Copy)]
pub struct Overlay {
    /// Chart id (`data-chart`).
    pub id: &'static str,
    /// Caption.
    pub title: &'static str,
    /// What the series is, in a summary or a missing-series note.
    pub what: &'static str,
    /// X axis.
    pub x_desc: &'static str,
    /// Y axis.
    pub y_desc: &'static str,
    /// How a long series is reduced.
    pub merge: Merge,
    /// The series of a report (x, y), empty when it has none.
    pub points: fn(&Report) -> Vec<(f64, f64)>,
    /// A y value as a person reads it.
    pub show: fn(f64) -> String,
}

fn latency(r: &Report) -> Vec<(f64, f64)> {
    r.per_visit
        .iter()
        .map(|v| (f64::from(v.visit), v.p98_latency_s))
        .collect()
}

fn over_time(r: &Report, ys: impl Iterator<Item = f64>) -> Vec<(f64, f64)> {
    r.series.t_s.iter().copied().zip(ys).collect()
}

fn lag(r: &Report) -> Vec<(f64, f64)> {
    over_time(r, r.series.lag.iter().map(|&x| x as f64))
}

fn jobs(r: &Report) -> Vec<(f64, f64)> {
    over_time(r, r.series.jobs_running.iter().map(|&x| x as f64))
}

fn bandwidth(r: &Report) -> Vec<(f64, f64)> {
    over_time(r, r.series.mbit_per_s.iter().copied())
}

/// The overlaid charts, in page order.
pub const OVERLAYS: [Overlay; 4] = [
    Overlay {
        id: "compare-latency",
        title: "p98 latency per visit",
        what: "per-visit latency",
        x_desc: "visit",
        y_desc: "seconds",
        merge: Merge::Max,
        points: latency,
        show: human::duration,
    },
    Overlay {
        id: "compare-lag",
        title: "Stream lag over time (peak per bin)",
        what: "stream lag series",
        x_desc: "time (s)",
        y_desc: "entries",
        merge: Merge::Max,
        points: lag,
        show: human::number,
    },
    Overlay {
        id: "compare-jobs",
        title: "Jobs running over time (peak per bin)",
        what: "Jobs series",
        x_desc: "time (s)",
        y_desc: "Jobs",
        merge: Merge::Max,
        points: jobs,
        show: human::number,
    },
    Overlay {
        id: "compare-bandwidth",
        title: "Delivered bandwidth over time (mean per bin)",
        what: "bandwidth series",
        x_desc: "time (s)",
        y_desc: "Mbit/s",
        merge: Merge::Mean,
        points: bandwidth,
        show: human::mbit_per_s,
    },
];

/// One overlaid chart for a page: its SVG when any side has the series,
/// the summary line, and the sides that lack it.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The chart.
    pub overlay: Overlay,
    /// The SVG, `None` when neither side has the series.
    pub svg: Option<String>,
    /// What each side shows (highest value and where), or that it lacks the series.
    pub summary: String,
}

/// The series of `side` for `overlay`, `None` when it has none to draw.
fn series(overlay: &Overlay, side: &Side<'_>) -> Option<Vec<(f64, f64)>> {
    let points = (overlay.points)(side.report?);
    (points.len() >= 2).then_some(points)
}

/// Draws `overlay` with both sides (`with_svg` false: the summary only).
pub fn draw(overlay: &Overlay, sides: &[Side<'_>; 2], with_svg: bool) -> Result<Drawn, ChartError> {
    let labels = sides.map(|s| s.label());
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut parts = Vec::new();
    for ((side, label), colour) in sides.iter().zip(&labels).zip(COLOURS) {
        match series(overlay, side) {
            Some(points) => {
                let (at, highest) =
                    points
                        .iter()
                        .copied()
                        .fold(
                            (0.0, f64::NEG_INFINITY),
                            |m, p| if p.1 > m.1 { p } else { m },
                        );
                parts.push(format!(
                    "{} highest {} at {} {}",
                    side.role,
                    (overlay.show)(highest),
                    overlay.x_desc.trim_end_matches(" (s)"),
                    if overlay.x_desc == "visit" {
                        human::number(at)
                    } else {
                        human::duration(at)
                    }
                ));
                let (xs, ys): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
                let mut drawn = line(label, colour, &xs, &ys, overlay.merge);
                // The baseline wider, so that where the runs agree it still
                // shows around the candidate drawn over it.
                drawn.width = if side.role == "baseline" { 5 } else { 2 };
                lines.push(drawn);
            }
            None => parts.push(format!(
                "the {} ({}) has no {}",
                side.role, side.file, overlay.what
            )),
        }
    }
    let summary = format!("{}: {}.", overlay.title, parts.join("; "));
    let svg = if lines.is_empty() || !with_svg {
        None
    } else {
        let limit = (overlay.id == "compare-latency")
            .then(|| sides.iter().find_map(|s| s.report))
            .flatten()
            .map(|r| ("limit", r.config.gates.p98_latency_s));
        let shaded: Vec<(f64, f64)> = if overlay.x_desc == "visit" {
            Vec::new()
        } else {
            sides
                .iter()
                .filter_map(|s| s.report)
                .flat_map(|r| r.faults.iter().map(|f| (f.start_s, f.end_s)))
                .collect()
        };
        Some(line_chart(
            &Frame {
                id: overlay.id,
                title: overlay.title,
                x_desc: overlay.x_desc,
                y_desc: overlay.y_desc,
                limit,
                shaded: &shaded,
                point_values: overlay.x_desc == "visit",
            },
            &lines,
        )?)
    };
    Ok(Drawn {
        overlay: *overlay,
        svg,
        summary,
    })
}

/// Whether a long series is drawn binned: the note under a chart.
pub fn binning_note(sides: &[Side<'_>; 2]) -> Option<String> {
    let longest = sides
        .iter()
        .filter_map(|s| s.report)
        .map(|r| (points_per_bin(r.series.t_s.len()), r.series.interval_s))
        .max_by(|a, b| a.0.cmp(&b.0))?;
    (longest.0 > 1).then(|| {
        format!(
            "Series over time are drawn in bins of {} (each bin's peak, or mean for bandwidth).",
            human::duration(longest.0 as f64 * longest.1)
        )
    })
}

/// `baseline vs candidate`, or `sim vs load` when the kinds differ.
pub fn heading(sides: &[Side<'_>; 2]) -> String {
    let [b, c] = sides;
    if b.kind == c.kind {
        format!(
            "baseline vs candidate ({} vs {})",
            b.kind.word(),
            c.kind.word()
        )
    } else {
        format!(
            "{} vs {}: baseline vs candidate",
            b.kind.word(),
            c.kind.word()
        )
    }
}
