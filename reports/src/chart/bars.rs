//! Grouped bar charts as inline SVG, drawn by plotters: one group of bars
//! per named thing (a reader, a broker) along the x axis, one bar per
//! series in each group, a series on the left axis or on its own right
//! axis (a count beside seconds), and an optional horizontal limit line.
//! A chart may ask for a logarithmic left axis, taken only when its bars
//! span more than a factor [`LOG_SPAN`], so one reader a day behind does
//! not flatten the others' seconds to nothing.
//!
//! Only bars with a value above zero are drawn, and each drawn bar is
//! marked (`class="series"`, its group, series and value in a hover
//! `<title>`) by [`series_tag`](super::series_tag), so a chart whose bars
//! are all zero has no marked series and the browser test calls it empty.

use plotters::prelude::*;

use super::legend_and_present;

use super::series_tag::{Tag, tag};
use super::{ChartError, HEIGHT, WIDTH};
use crate::human;

/// Share of a group's width its bars fill (the rest is the gap).
const GROUP_FILL: f64 = 0.8;
/// The axes' top over the highest bar: room for the legend above the bars.
const HEADROOM: f64 = 1.35;

/// One series of bars: a value per group.
#[derive(Debug, Clone)]
pub struct Bars<'a> {
    /// Its name in the legend and in each bar's hover title.
    pub name: &'a str,
    /// Its colour (each series of a chart needs its own).
    pub colour: RGBColor,
    /// One value per group, in the groups' order.
    pub values: Vec<f64>,
    /// Drawn against the right axis ([`BarFrame::y2_desc`]).
    pub right_axis: bool,
    /// How a value reads in the hover title (`human::duration`, ...).
    pub show: fn(f64) -> String,
}

/// What a bar chart shows besides its bars.
#[derive(Debug, Clone, Copy)]
pub struct BarFrame<'a> {
    /// The chart's id (in errors and `data-chart`).
    pub id: &'static str,
    /// Caption above the plot.
    pub title: &'a str,
    /// Left axis description.
    pub y_desc: &'a str,
    /// How the left axis' values read (`human::duration`, ...).
    pub y_label: fn(f64) -> String,
    /// A logarithmic left axis when its bars span more than [`LOG_SPAN`]
    /// (a reader a day behind beside readers seconds behind).
    pub log_y: bool,
    /// Right axis description, for the series with `right_axis`.
    pub y2_desc: &'a str,
    /// A horizontal limit on the left axis (its legend text, value), red.
    pub limit: Option<(&'a str, f64)>,
}

/// The spread of the left axis' bars (highest over lowest above zero)
/// from which a `log_y` chart's left axis is logarithmic.
pub const LOG_SPAN: f64 = 100.0;

/// The left axis: linear from 0, or logarithmic (each value drawn at its
/// log10, bars rising from a decade below the lowest, whole decades
/// labelled).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    log: bool,
    lo: f64,
    hi: f64,
}

impl Scale {
    fn new(values: &[f64], log_y: bool) -> Self {
        let positive = values.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
        let lowest = positive.clone().fold(f64::INFINITY, f64::min);
        let highest = positive.fold(0.0, f64::max);
        if log_y && highest > 0.0 && highest > lowest * LOG_SPAN {
            let lo = lowest.log10().floor() - 1.0;
            // A decade above the highest: room for the legend.
            let hi = highest.log10().ceil() + 1.0;
            Self { log: true, lo, hi }
        } else {
            Self {
                log: false,
                lo: 0.0,
                hi: top(values.iter().copied()),
            }
        }
    }

    /// Where `v` is drawn.
    fn at(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// Labels to ask for: each decade's when logarithmic.
    fn labels(&self) -> usize {
        if self.log {
            (self.hi - self.lo) as usize + 1
        } else {
            10
        }
    }

    /// A label at `y` (drawn position): a log axis labels whole decades.
    fn label(&self, y: f64, show: fn(f64) -> String) -> String {
        if !self.log {
            show(y)
        } else if (y - y.round()).abs() < 1e-6 {
            show(10f64.powf(y.round()))
        } else {
            String::new()
        }
    }
}

/// The x range of bar `k` of `m` in group `i` (groups centred on whole x).
fn slot(i: usize, k: usize, m: usize) -> (f64, f64) {
    let left = i as f64 - GROUP_FILL / 2.0;
    let width = GROUP_FILL / m.max(1) as f64;
    (left + width * k as f64, left + width * (k + 1) as f64)
}

/// The top of an axis showing `values`: a little above the highest, 1
/// when there is nothing above zero.
fn top(values: impl Iterator<Item = f64>) -> f64 {
    let highest = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if highest > 0.0 {
        highest * HEADROOM
    } else {
        1.0
    }
}

/// Draws a grouped bar chart of `groups` (the x axis' names) and `series`,
/// each drawn bar tagged.
pub fn bar_chart(
    frame: &BarFrame<'_>,
    groups: &[String],
    series: &[Bars<'_>],
) -> Result<String, ChartError> {
    let err = |e: &dyn std::fmt::Display| ChartError {
        chart: frame.id,
        message: e.to_string(),
    };
    let n = groups.len().max(1);
    // A lone group takes the middle third, not the whole width.
    let pad = if n == 1 { 1.0 } else { 0.0 };
    let x = (-0.5 - pad)..(n as f64 - 0.5 + pad);
    let on = |right: bool| series.iter().filter(move |s| s.right_axis == right);
    let left: Vec<f64> = on(false)
        .flat_map(|s| s.values.iter().copied())
        .chain(frame.limit.map(|l| l.1))
        .collect();
    let scale = Scale::new(&left, frame.log_y);
    let y_desc = if scale.log {
        format!("{} (log scale)", frame.y_desc)
    } else {
        frame.y_desc.to_owned()
    };
    let y2_max = top(on(true).flat_map(|s| s.values.iter().copied()));
    let has_right = on(true).next().is_some();
    let mut drawn: Vec<Tag<'_>> = Vec::new();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(frame.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(85)
            .right_y_label_area_size(if has_right { 70 } else { 0 })
            .build_cartesian_2d(x.clone(), scale.lo..scale.hi)
            .map_err(|e| err(&e))?
            .set_secondary_coord(x, 0.0..y2_max);
        let name_at = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                groups.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(3))
            .x_label_formatter(&name_at)
            .y_desc(y_desc)
            .y_labels(scale.labels())
            .y_label_formatter(&|y| scale.label(*y, frame.y_label))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| err(&e))?;
        if has_right {
            c.configure_secondary_axes()
                .y_desc(frame.y2_desc)
                .y_label_formatter(&|y| human::number(*y))
                .draw()
                .map_err(|e| err(&e))?;
        }
        let m = series.len();
        for (k, s) in series.iter().enumerate() {
            let colour = s.colour;
            let bars: Vec<(usize, f64)> = s
                .values
                .iter()
                .copied()
                .enumerate()
                .filter(|&(i, v)| i < groups.len() && v.is_finite() && v > 0.0)
                .collect();
            for &(i, v) in &bars {
                drawn.push(Tag {
                    element: "rect",
                    colour_attr: "fill",
                    colour,
                    count: 1,
                    name: s.name,
                    title: format!("{}: {} {}", groups[i], s.name, (s.show)(v)),
                });
            }
            let rects = move |y: &dyn Fn(f64) -> f64, base: f64| {
                bars.iter()
                    .map(|&(i, v)| {
                        let (x0, x1) = slot(i, k, m);
                        Rectangle::new([(x0, base), (x1, y(v))], colour.filled())
                    })
                    .collect::<Vec<_>>()
            };
            let anno = if s.right_axis {
                c.draw_secondary_series(rects(&|v| v, 0.0))
                    .map_err(|e| err(&e))?
            } else {
                c.draw_series(rects(&|v| scale.at(v), scale.lo))
                    .map_err(|e| err(&e))?
            };
            anno.label(s.name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
            });
        }
        if let Some((name, value)) = frame.limit {
            c.draw_series(LineSeries::new(
                [
                    (-0.5 - pad, scale.at(value)),
                    (n as f64 - 0.5 + pad, scale.at(value)),
                ],
                RED.stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label(name)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(1)));
        }
        legend_and_present(&mut c, &root).map_err(|e| err(&e))?;
    }
    Ok(tag(&svg, &drawn))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> BarFrame<'static> {
        BarFrame {
            id: "test",
            title: "t",
            y_desc: "seconds",
            y_label: human::duration,
            log_y: false,
            y2_desc: "alerts",
            limit: Some(("limit 5 s", 5.0)),
        }
    }

    #[test]
    fn every_bar_above_zero_is_marked_with_its_group_and_value() {
        let groups = vec!["alerce".to_owned(), "fink".to_owned()];
        let series = [
            Bars {
                name: "receipt p98",
                colour: RGBColor(1, 2, 3),
                values: vec![2.0, 3.5],
                right_axis: false,
                show: human::duration,
            },
            Bars {
                name: "alerts lost",
                colour: RGBColor(4, 5, 6),
                values: vec![0.0, 1200.0],
                right_axis: true,
                show: |x| human::count(x as u64),
            },
        ];
        let svg = bar_chart(&frame(), &groups, &series).unwrap_or_default();
        assert_eq!(svg.matches("class=\"series\"").count(), 3, "{svg}");
        assert!(
            svg.contains("<title>fink: receipt p98 3.5 s</title>"),
            "{svg}"
        );
        assert!(
            svg.contains("<title>fink: alerts lost 1,200</title>"),
            "{svg}"
        );
        assert!(!svg.contains("alerce: alerts lost"), "a zero draws no bar");
        // The groups' names label the x axis.
        assert!(
            svg.contains("\nalerce\n") && svg.contains("\nfink\n"),
            "{svg}"
        );
    }

    #[test]
    fn all_zero_bars_mark_nothing() {
        let series = [Bars {
            name: "receipt p98",
            colour: RGBColor(1, 2, 3),
            values: vec![0.0],
            right_axis: false,
            show: human::duration,
        }];
        let svg = bar_chart(&frame(), &["a".to_owned()], &series).unwrap_or_default();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(!svg.contains("class=\"series\""), "{svg}");
    }

    #[test]
    fn a_wide_spread_takes_a_log_axis_labelled_by_decade() {
        let log = Scale::new(&[2.0, 86_400.0], true);
        assert!(log.log, "{log:?}");
        assert_eq!(log.lo, -1.0);
        // A decade above the highest bar (10^4.94) for the legend.
        assert_eq!(log.hi, 6.0);
        assert_eq!(log.label(2.0, human::duration), "1 min 40 s");
        assert_eq!(log.label(1.5, human::duration), "");
        assert!(!Scale::new(&[2.0, 150.0], true).log, "a spread under 100");
        assert!(!Scale::new(&[2.0, 86_400.0], false).log, "not asked for");
        let mut frame = frame();
        frame.log_y = true;
        frame.limit = None;
        let series = [Bars {
            name: "receipt p98",
            colour: RGBColor(1, 2, 3),
            values: vec![2.0, 86_400.0],
            right_axis: false,
            show: human::duration,
        }];
        let groups = ["a".to_owned(), "b".to_owned()];
        let svg = bar_chart(&frame, &groups, &series).unwrap_or_default();
        assert!(svg.contains("seconds (log scale)"), "{svg}");
        // The lower bar is drawn at some height, not crushed to nothing.
        let heights: Vec<f64> = svg
            .split("<rect class=\"series\"")
            .skip(1)
            .filter_map(|t| {
                let h = t.split(" height=\"").nth(1)?;
                h[..h.find('"')?].parse().ok()
            })
            .collect();
        assert_eq!(heights.len(), 2, "{svg}");
        assert!(heights[0] > 20.0 && heights[1] > heights[0], "{heights:?}");
    }

    #[test]
    fn bars_of_a_group_sit_side_by_side_around_its_centre() {
        assert_eq!(slot(0, 0, 1), (-0.4, 0.4));
        let (a, b) = (slot(2, 0, 2), slot(2, 1, 2));
        assert!((a.0 - 1.6).abs() < 1e-9 && (a.1 - 2.0).abs() < 1e-9);
        assert!((b.0 - 2.0).abs() < 1e-9 && (b.1 - 2.4).abs() < 1e-9);
    }
}
