//! Tables as the renderings write them, HTML and markdown, and HTML
//! escaping: shared by `html`, `markdown` and `budget`, below all three.

use std::fmt::Write as _;

/// A markdown table with `headers` and one row per item of `rows`.
pub(crate) fn markdown_table(
    s: &mut String,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) {
    let _ = writeln!(s, "| {} |", headers.join(" | "));
    let _ = writeln!(s, "|{}", " --- |".repeat(headers.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
}

/// An HTML table with `headers` and one row per item of `rows`, escaped.
pub(crate) fn html_table(
    h: &mut String,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) {
    h.push_str("<table>\n<tr>");
    for name in headers {
        let _ = write!(h, "<th>{}</th>", escape(name));
    }
    h.push_str("</tr>\n");
    for row in rows {
        h.push_str("<tr>");
        for cell in row {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// Escapes text for HTML.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}
