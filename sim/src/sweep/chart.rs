//! The sweep as an SVG scatter chart: cost (pod-hours, busy plus idle)
//! against p98 latency, one marker per point (a green circle when its gates
//! passed, a red cross when not), each with its settings as a tooltip.
//! Hand-written SVG: no fonts are rendered here, the viewer draws the text.

use std::fmt::Write as _;

use super::{SweepResult, describe};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const TICKS: u32 = 5;

/// The chart as an SVG document.
pub fn cost_latency_svg(result: &SweepResult) -> String {
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
                r##"<circle cx="{px:.1}" cy="{py:.1}" r="5" fill="#2a9d3a"><title>{}</title></circle>"##,
                escape(&title)
            );
        } else {
            let _ = writeln!(
                svg,
                r##"<path d="M{:.1} {:.1}l10 10m0 -10l-10 10" stroke="#c0392b" stroke-width="2"><title>{}</title></path>"##,
                px - 5.0,
                py - 5.0,
                escape(&title)
            );
        }
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
        // One legend marker of each kind, plus one per point.
        assert_eq!(svg.matches("<circle").count(), 1 + 2);
        assert_eq!(svg.matches("<path").count(), 1 + 1);
        assert!(svg.contains("a&lt;b&amp;c"));
        assert!(!svg.contains("a<b"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn bounds_hold_every_value_and_are_never_empty() {
        let (lo, hi) = axis_bounds([3.0, 3.0].into_iter());
        assert!(lo < 3.0 && hi > 3.0);
        assert_eq!(axis_bounds(std::iter::empty()), (0.0, 1.0));
    }
}
