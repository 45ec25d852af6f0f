//! Marks the data a plotters chart drew: plotters writes every shape as a
//! bare SVG element, so after drawing, the elements of each data series
//! (found by kind and colour, in drawing order, before the legend's
//! samples) get `class="series"`, `data-series="NAME"` and a `<title>`
//! that a browser shows on hover. A series with nothing to draw is not
//! marked, so a chart without data has no `.series` element.

use plotters::style::RGBColor;

use crate::chart::Line;
use crate::human;

/// The elements of one series to mark.
#[derive(Debug, Clone)]
pub struct Tag<'a> {
    /// SVG element name: `polyline` (a line) or `rect` (bars).
    pub element: &'static str,
    /// The attribute holding its colour: `stroke` for lines, `fill` for bars.
    pub colour_attr: &'static str,
    /// The series' colour.
    pub colour: RGBColor,
    /// How many elements the series drew (0 marks nothing).
    pub count: usize,
    /// The series' name, in `data-series`.
    pub name: &'a str,
    /// The hover text.
    pub title: String,
}

/// The tags of a line chart's lines: one polyline each, titled with the
/// line's highest value; lines of fewer than two points drew no line.
pub fn line_tags<'a>(lines: &[Line<'a>]) -> Vec<Tag<'a>> {
    lines
        .iter()
        .map(|l| {
            let highest = l
                .points
                .iter()
                .map(|p| p.1)
                .fold(f64::NEG_INFINITY, f64::max);
            Tag {
                element: "polyline",
                colour_attr: "stroke",
                colour: l.colour,
                count: usize::from(l.points.len() >= 2),
                name: l.name,
                title: format!("{}: highest {}", l.name, human::number(highest)),
            }
        })
        .collect()
}

/// The tags of the dots drawn on every point, line after line: each
/// titled with its point (`p98 latency: visit 12, 24.4 seconds`).
pub fn point_tags<'a>(lines: &[Line<'a>], x_desc: &str, y_desc: &str) -> Vec<Tag<'a>> {
    lines
        .iter()
        .flat_map(|l| {
            l.points.iter().map(move |&(x, y)| Tag {
                element: "circle",
                colour_attr: "fill",
                colour: l.colour,
                count: 1,
                name: l.name,
                title: format!(
                    "{}: {x_desc} {}, {} {y_desc}",
                    l.name,
                    human::number(x),
                    human::number(y)
                ),
            })
        })
        .collect()
}

/// The tags of a line chart's lines ([`line_tags`]) applied to `svg`.
pub fn tag_lines(svg: &str, lines: &[Line<'_>]) -> String {
    tag(svg, &line_tags(lines))
}

/// Marks, for each tag in order, the next `count` elements of its kind and
/// colour after the previous tag's last.
pub fn tag(svg: &str, tags: &[Tag<'_>]) -> String {
    let mut marked: Vec<(usize, usize, &Tag<'_>)> = Vec::new();
    let mut cursor = 0;
    for t in tags {
        let open = format!("<{} ", t.element);
        let RGBColor(r, g, b) = t.colour;
        let colour = format!("{}=\"#{r:02X}{g:02X}{b:02X}\"", t.colour_attr);
        let mut found = 0;
        while found < t.count {
            let Some(start) = svg[cursor..].find(&open).map(|i| cursor + i) else {
                break;
            };
            let Some(end) = svg[start..].find("/>").map(|i| start + i + 2) else {
                break;
            };
            cursor = end;
            if svg[start..end].contains(&colour) {
                marked.push((start, end, t));
                found += 1;
            }
        }
    }
    let mut out = String::with_capacity(svg.len() + marked.len() * 64);
    let mut done = 0;
    for (start, end, t) in marked {
        out.push_str(&svg[done..start]);
        let body = &svg[start + t.element.len() + 2..end - 2];
        out.push_str(&format!(
            "<{el} class=\"series\" data-series=\"{name}\" {body}><title>{title}</title></{el}>",
            el = t.element,
            name = escape(t.name),
            title = escape(&t.title),
        ));
        done = end;
    }
    out.push_str(&svg[done..]);
    out
}

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_next_elements_of_the_colour_and_leaves_the_rest() {
        let svg = "<rect fill=\"#010203\" x=\"1\"/><polyline stroke=\"#010203\" points=\"1,2 3,4 \"/>\
                   <polyline stroke=\"#010203\" points=\"9,9 10,9 \"/>";
        let t = Tag {
            element: "polyline",
            colour_attr: "stroke",
            colour: RGBColor(1, 2, 3),
            count: 1,
            name: "a<b",
            title: "a<b: highest 4".to_owned(),
        };
        let out = tag(svg, &[t]);
        assert_eq!(
            out,
            "<rect fill=\"#010203\" x=\"1\"/><polyline class=\"series\" data-series=\"a&lt;b\" \
             stroke=\"#010203\" points=\"1,2 3,4 \"><title>a&lt;b: highest 4</title></polyline>\
             <polyline stroke=\"#010203\" points=\"9,9 10,9 \"/>"
        );
    }
}
