//! Line charts as inline SVG, drawn by plotters' SVG backend, shared by
//! report.html and compare.html. Without font libraries plotters estimates
//! text extents and writes real `<text>` elements, which the browser
//! renders, so axis labels and legends need no fonts at build or run time.
//!
//! Every chart is wrapped by [`figure`] in `<figure class="chart"
//! data-chart="ID">`, and each drawn data series is marked
//! `class="series"` with a `<title>` (its name and highest value, shown on
//! hover) by [`series_tag`], so a test can find the charts in a page and
//! check that each drew data. Grouped bar charts (readers, brokers) are
//! drawn by [`bars`].

pub mod bars;
pub mod series_tag;

pub use series_tag::escape;

use plotters::prelude::*;

use crate::human;

/// Width of a line chart, pixels.
pub const WIDTH: u32 = 900;
/// Height of a line chart, pixels.
pub const HEIGHT: u32 = 320;
/// Longer series are reduced to this many points (about two per pixel
/// column) so that a night's thousands of samples stay readable.
pub const MAX_POINTS: usize = 450;

/// Draws the legend of `c`, upper right in the one style every chart
/// shares, then writes the drawing out.
pub fn legend_and_present<'a, DB, CT>(
    c: &mut ChartContext<'a, DB, CT>,
    root: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()
}

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the {chart} chart: {message}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// The drawing backend's message.
    pub message: String,
}

/// How consecutive points are merged when a series is reduced.
#[derive(Debug, Clone, Copy)]
pub enum Merge {
    /// Keep the peak (lag, Jobs: the envelope matters).
    Max,
    /// Keep the mean (throughput: the average rate over the bin).
    Mean,
}

/// Reduces `points` to at most [`MAX_POINTS`], each output point at the
/// first x of its bin.
pub fn reduce(points: Vec<(f64, f64)>, merge: Merge) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let per_bin = points_per_bin(points.len());
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

/// How many samples of a series of `len` make one drawn point.
pub fn points_per_bin(len: usize) -> usize {
    len.div_ceil(MAX_POINTS).max(1)
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// Its name in the legend and its hover title.
    pub name: &'a str,
    /// Its colour (each line of a chart needs its own).
    pub colour: RGBColor,
    /// Its stroke width, pixels (2 unless set otherwise).
    pub width: u32,
    /// The points drawn.
    pub points: Vec<(f64, f64)>,
}

/// A line from paired `xs` and `ys`, reduced to at most [`MAX_POINTS`].
pub fn line<'a>(name: &'a str, colour: RGBColor, xs: &[f64], ys: &[f64], merge: Merge) -> Line<'a> {
    Line {
        name,
        colour,
        width: 2,
        points: reduce(xs.iter().copied().zip(ys.iter().copied()).collect(), merge),
    }
}

/// What a line chart shows besides its lines.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The chart's id (in errors and `data-chart`).
    pub id: &'static str,
    /// Caption above the plot.
    pub title: &'a str,
    /// X axis description.
    pub x_desc: &'a str,
    /// Y axis description.
    pub y_desc: &'a str,
    /// A horizontal limit line (name, seconds), drawn in red.
    pub limit: Option<(&'a str, f64)>,
    /// Shaded x ranges (fault windows) behind the lines.
    pub shaded: &'a [(f64, f64)],
    /// A dot on every point, its value shown on hover (for short series,
    /// such as one point per visit).
    pub point_values: bool,
}

/// Draws one line chart as an SVG string, its data series tagged.
pub fn line_chart(frame: &Frame<'_>, lines: &[Line<'_>]) -> Result<String, ChartError> {
    let err = |e: &dyn std::fmt::Display| ChartError {
        chart: frame.id,
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
        .chain(frame.limit.map(|l| l.1))
        .fold(0.0, f64::max);
    let y_max = if y_top > 0.0 { y_top * 1.08 } else { 1.0 };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(frame.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_min..x_max, 0.0..y_max)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .x_desc(frame.x_desc)
            .y_desc(frame.y_desc)
            .x_label_formatter(&|x| human::number(*x))
            .y_label_formatter(&|y| human::number(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| err(&e))?;
        // Fault windows behind the lines; instantaneous ones get a thin band.
        let min_width = (x_max - x_min) / 400.0;
        for &(start, end) in frame.shaded {
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
            let (colour, width) = (l.colour, l.width);
            c.draw_series(LineSeries::new(
                l.points.iter().copied(),
                colour.stroke_width(width),
            ))
            .map_err(|e| err(&e))?
            .label(l.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(width))
            });
        }
        if frame.point_values {
            for l in lines {
                let colour = l.colour;
                c.draw_series(l.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                    .map_err(|e| err(&e))?;
            }
        }
        if let Some((name, value)) = frame.limit {
            c.draw_series(LineSeries::new(
                [(x_min, value), (x_max, value)],
                RED.stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label(format!("{name} {}", human::duration(value)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(1)));
        }
        legend_and_present(&mut c, &root).map_err(|e| err(&e))?;
    }
    let mut tags = series_tag::line_tags(lines);
    if frame.point_values {
        tags.extend(series_tag::point_tags(lines, frame.x_desc, frame.y_desc));
    }
    Ok(series_tag::tag(&svg, &tags))
}

/// A chart's SVG in the `<figure class="chart" data-chart="ID">` the pages
/// and the browser test know charts by.
pub fn figure(id: &str, svg: &str) -> String {
    format!("<figure class=\"chart\" data-chart=\"{id}\">\n{svg}\n</figure>\n")
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

    #[test]
    fn each_line_with_points_is_tagged_once_and_an_empty_one_not_at_all() {
        let frame = Frame {
            id: "test",
            title: "t",
            x_desc: "x",
            y_desc: "y",
            limit: Some(("limit", 2.0)),
            shaded: &[],
            point_values: true,
        };
        let xs = [0.0, 1.0, 2.0];
        let full = line("full", RGBColor(1, 2, 3), &xs, &[1.0, 3.0, 2.0], Merge::Max);
        let empty = line("empty", RGBColor(4, 5, 6), &[], &[], Merge::Max);
        let svg = line_chart(&frame, &[full, empty]).unwrap_or_default();
        // The line and its three dots.
        assert_eq!(svg.matches("class=\"series\"").count(), 1 + 3, "{svg}");
        assert!(svg.contains("<title>full: highest 3</title>"), "{svg}");
        assert!(svg.contains("<title>full: x 1, 3 y</title>"), "{svg}");
        assert!(!svg.contains("data-series=\"empty\""));
    }
}
