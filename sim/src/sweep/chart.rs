//! The sweep as an SVG scatter chart: cost (pod-hours, busy plus idle)
//! against p98 latency, one marker per point (a green circle when its gates
//! passed, a red cross when not), each with its settings as a tooltip; the
//! trade-off curve (the points no other point beats on both cost and
//! latency) joined by a grey line; and the chosen point ringed and labelled
//! (the cheapest point that passes every gate, or `--find`'s answer).
//! Data elements carry `class="series"`, the ring `class="chosen"`, for
//! the browser test. Hand-written SVG: no fonts are rendered here, the
//! viewer draws the text.

use std::fmt::Write as _;

use super::{SweepResult, describe};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const TICKS: u32 = 5;

/// The point a sweep picks, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The point's index in the grid.
    pub index: usize,
    /// Why it is chosen, as its label says.
    pub reason: &'static str,
}

/// The cheapest point (fewest pod-hours, the lower index on a tie) whose
/// gates all pass; `None` when none passes.
pub fn cheapest_passing(result: &SweepResult) -> Option<Choice> {
    result
        .points
        .iter()
        .filter(|p| p.passed)
        .min_by(|a, b| a.pod_h.total_cmp(&b.pod_h).then(a.index.cmp(&b.index)))
        .map(|p| Choice {
            index: p.index,
            reason: "cheapest that passes every gate",
        })
}

/// The trade-off curve: the points that no other point beats on both cost
/// and latency, by cost.
fn frontier(result: &SweepResult) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = result
        .points
        .iter()
        .map(|p| (p.pod_h, p.p98_latency_s))
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut curve: Vec<(f64, f64)> = Vec::new();
    for p in points {
        if curve.last().is_none_or(|last| p.1 < last.1) {
            curve.push(p);
        }
    }
    curve
}

/// The chart as an SVG document, the cheapest passing point chosen.
pub fn cost_latency_svg(result: &SweepResult) -> String {
    cost_latency_svg_with(result, cheapest_passing(result))
}

/// The chart as an SVG document with `choice` ringed and labelled.
pub fn cost_latency_svg_with(result: &SweepResult, choice: Option<Choice>) -> String {
    let xs = result.points.iter().map(|p| p.pod_h);
    let ys = result.points.iter().map(|p| p.p98_latency_s);
    let (x0, x1) = axis_bounds(xs);
    let (y0, y1) = axis_bounds(ys);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * plot_w;
    let sy = |y: f64| TOP + plot_h - (y - y0) / (y1 - y0) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}: cost against p98 latency</text>"#,
        WIDTH / 2.0,
        escape(&result.scenario)
    );
    let _ = writeln!(
        svg,
        r#"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>"#
    );
    for k in 0..=TICKS {
        let f = f64::from(k) / f64::from(TICKS);
        let x = x0 + f * (x1 - x0);
        let y = y0 + f * (y1 - y0);
        let (px, py) = (sx(x), sy(y));
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#ddd"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 16.0,
            tick(x)
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            py + 4.0,
            tick(y)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">pod-hours (busy + idle)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">p98 latency (s)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    let _ = writeln!(
        svg,
        r##"<circle cx="{:.1}" cy="{:.1}" r="5" fill="#2a9d3a"/><text x="{:.1}" y="{:.1}">gates pass</text>"##,
        WIDTH - RIGHT - 110.0,
        TOP + 14.0,
        WIDTH - RIGHT - 100.0,
        TOP + 18.0
    );
    let _ = writeln!(
        svg,
        r##"<path d="M{:.1} {:.1}l10 10m0 -10l-10 10" stroke="#c0392b" stroke-width="2"/><text x="{:.1}" y="{:.1}">gates fail</text>"##,
        WIDTH - RIGHT - 115.0,
        TOP + 27.0,
        WIDTH - RIGHT - 100.0,
        TOP + 36.0
    );
    let curve = frontier(result);
    if curve.len() >= 2 {
        let points: Vec<String> = curve
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = writeln!(
            svg,
            r##"<polyline class="series frontier" fill="none" stroke="#888" stroke-width="1.5" stroke-dasharray="4 3" points="{}"><title>trade-off curve: no other point is both cheaper and faster</title></polyline>"##,
            points.join(" ")
        );
    }
    for p in &result.points {
        let (px, py) = (sx(p.pod_h), sy(p.p98_latency_s));
        let label: Vec<String> = p.settings.iter().map(|s| s.value.to_string()).collect();
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#555">{}</text>"##,
            px + 7.0,
            py - 7.0,
            escape(&label.join(", "))
        );
        let title = format!(
            "#{} {}: {}, p98 {:.1} s, {:.2} pod-h",
            p.index,
            describe(&p.settings),
            if p.passed { "pass" } else { "FAIL" },
            p.p98_latency_s,
            p.pod_h
        );
        if p.passed {
            let _ = writeln!(
                svg,
                r##"<circle class="series" cx="{px:.1}" cy="{py:.1}" r="5" fill="#2a9d3a"><title>{}</title></circle>"##,
                escape(&title)
            );
        } else {
            let _ = writeln!(
                svg,
                r##"<path class="series" d="M{:.1} {:.1}l10 10m0 -10l-10 10" stroke="#c0392b" stroke-width="2"><title>{}</title></path>"##,
                px - 5.0,
                py - 5.0,
                escape(&title)
            );
        }
    }
    if let Some(p) = choice.and_then(|c| result.points.iter().find(|p| p.index == c.index)) {
        let (px, py) = (sx(p.pod_h), sy(p.p98_latency_s));
        let reason = choice.map_or("", |c| c.reason);
        // The label goes left of the point when the point is in the right half.
        let (lx, anchor) = if px > LEFT + plot_w / 2.0 {
            (px - 14.0, "end")
        } else {
            (px + 14.0, "start")
        };
        let _ = writeln!(
            svg,
            r##"<g class="chosen"><circle cx="{px:.1}" cy="{py:.1}" r="11" fill="none" stroke="#1f4e9c" stroke-width="2.5"/><text x="{lx:.1}" y="{:.1}" text-anchor="{anchor}" font-weight="bold" fill="#1f4e9c">chosen: {} ({reason})</text></g>"##,
            py + 18.0,
            escape(&describe(&p.settings))
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Lower and upper bound of an axis: the data range padded by 5 %, never empty.
fn axis_bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.05).max(1e-3);
    ((lo - pad).max(0.0).min(lo), hi + pad)
}

fn tick(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::{PointResult, Setting, SweepResult};
    use super::*;
    use crate::sweep::Number;

    fn point(index: usize, pod_h: f64, passed: bool) -> PointResult {
        PointResult {
            index,
            settings: vec![Setting {
                key: "scaler.max_replicas".to_owned(),
                value: Number::Int(10 * i64::try_from(index).unwrap_or(0)),
            }],
            passed,
            failed_gates: Vec::new(),
            p98_latency_s: 100.0 / (pod_h + 1.0),
            late_visits: 0,
            failed_visits: 0,
            lost_alerts: 0,
            jobs_created: 1,
            max_running: 1,
            busy_pod_h: pod_h,
            idle_pod_h: 0.0,
            pod_h,
            truncated: false,
        }
    }

    #[test]
    fn one_marker_per_point_and_escaped_text() {
        let result = SweepResult {
            format_version: 1,
            scenario: "a<b&c".to_owned(),
            seed: 1,
            set: Vec::new(),
            vary: Vec::new(),
            points: vec![
                point(0, 1.0, false),
                point(1, 2.0, true),
                point(2, 3.0, true),
            ],
        };
        let svg = cost_latency_svg(&result);
        // One legend marker of each kind, plus one per point, plus the
        // ring around the chosen point.
        assert_eq!(svg.matches("<circle").count(), 1 + 2 + 1);
        assert_eq!(svg.matches("<path").count(), 1 + 1);
        assert!(svg.contains("a&lt;b&amp;c"));
        assert!(!svg.contains("a<b"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn the_cheapest_passing_point_is_ringed_and_labelled() {
        let mut result = SweepResult {
            format_version: 1,
            scenario: "s".to_owned(),
            seed: 1,
            set: Vec::new(),
            vary: Vec::new(),
            points: vec![
                point(0, 1.0, false),
                point(1, 2.0, true),
                point(2, 3.0, true),
            ],
        };
        assert_eq!(cheapest_passing(&result).map(|c| c.index), Some(1));
        let svg = cost_latency_svg(&result);
        assert_eq!(svg.matches("class=\"chosen\"").count(), 1, "{svg}");
        assert!(
            svg.contains("chosen: scaler.max_replicas=10 (cheapest that passes every gate)"),
            "{svg}"
        );
        // The curve joins the three points (each cheaper one slower).
        assert!(svg.contains("class=\"series frontier\""));
        // No passing point: nothing chosen.
        for p in &mut result.points {
            p.passed = false;
        }
        assert!(!cost_latency_svg(&result).contains("class=\"chosen\""));
    }

    #[test]
    fn bounds_hold_every_value_and_are_never_empty() {
        let (lo, hi) = axis_bounds([3.0, 3.0].into_iter());
        assert!(lo < 3.0 && hi > 3.0);
        assert_eq!(axis_bounds(std::iter::empty()), (0.0, 1.0));
    }
}
