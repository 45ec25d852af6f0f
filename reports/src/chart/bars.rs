//! Grouped bar charts as inline SVG, drawn by plotters: one group of bars
//! per named thing (a reader, a broker) along the x axis, one bar per
//! series in each group, a series on the left axis or on its own right
//! axis (a count beside seconds), and an optional horizontal limit line.
//!
//! Only bars with a value above zero are drawn, and each drawn bar is
//! marked (`class="series"`, its group, series and value in a hover
//! `<title>`) by [`series_tag`](super::series_tag), so a chart whose bars
//! are all zero has no marked series and the browser test calls it empty.

use plotters::prelude::*;

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
    /// Right axis description, for the series with `right_axis`.
    pub y2_desc: &'a str,
    /// A horizontal limit on the left axis (its legend text, value), red.
    pub limit: Option<(&'a str, f64)>,
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
    let y_max = top(on(false)
        .flat_map(|s| s.values.iter().copied())
        .chain(frame.limit.map(|l| l.1)));
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
            .y_label_area_size(70)
            .right_y_label_area_size(if has_right { 70 } else { 0 })
            .build_cartesian_2d(x.clone(), 0.0..y_max)
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
            .y_desc(frame.y_desc)
            .y_label_formatter(&|y| (frame.y_label)(*y))
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
            let rects = bars.into_iter().map(move |(i, v)| {
                let (x0, x1) = slot(i, k, m);
                Rectangle::new([(x0, 0.0), (x1, v)], colour.filled())
            });
            let anno = if s.right_axis {
                c.draw_secondary_series(rects).map_err(|e| err(&e))?
            } else {
                c.draw_series(rects).map_err(|e| err(&e))?
            };
            anno.label(s.name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
            });
        }
        if let Some((name, value)) = frame.limit {
            c.draw_series(LineSeries::new(
                [(-0.5 - pad, value), (n as f64 - 0.5 + pad, value)],
                RED.stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label(name)
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
    fn bars_of_a_group_sit_side_by_side_around_its_centre() {
        assert_eq!(slot(0, 0, 1), (-0.4, 0.4));
        let (a, b) = (slot(2, 0, 2), slot(2, 1, 2));
        assert!((a.0 - 1.6).abs() < 1e-9 && (a.1 - 2.0).abs() < 1e-9);
        assert!((b.0 - 2.0).abs() < 1e-9 && (b.1 - 2.4).abs() < 1e-9);
    }
}
