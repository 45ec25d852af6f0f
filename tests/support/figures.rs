//! Finds the figures a person would find too precise on a page or in a
//! terminal summary: any number with more than four significant digits.
//!
//! What is a number: a run of digits (with `,` and `.` inside it, and an
//! exponent `e-12` right after it) that does not follow a letter, a digit
//! or `_` (so `p98`, `community-1`'s `1` after `-` is a number, `x86` is
//! not). A trailing `.` or `,` is punctuation.
//!
//! Significant digits: those from the first non-zero digit to the last
//! digit written after a point, or to the last non-zero digit of a whole
//! number (`40000` has 1, `24.40` has 4, `0.0123` has 3, `1.23e20` has 3).
//!
//! Exempt, whatever their digits:
//! - whole numbers with thousands separators in groups of three (counts:
//!   `9,583,139`);
//! - whole numbers without separators that are one of the run's ids given
//!   to the check (visit ids, the seed: the caller reads them from
//!   report.json);
//! - versions (two or more points: `0.1.0`); dates and clock times split
//!   at `-` and `:` into numbers of at most four digits anyway.

use std::collections::BTreeSet;

/// The text of an HTML page a reader sees: styles and scripts dropped,
/// every tag (SVG's included, with their attributes) read as a space, so
/// an SVG chart contributes its `<text>` labels only.
pub fn visible_text(html: &str) -> String {
    let mut s = html.to_owned();
    for tag in ["style", "script"] {
        while let Some(start) = s.find(&format!("<{tag}")) {
            let close = format!("</{tag}>");
            let end = s[start..]
                .find(&close)
                .map_or(s.len(), |e| start + e + close.len());
            s.replace_range(start..end, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every number in `text` with more than four significant digits and not
/// exempt, each with the text around it.
pub fn too_precise(text: &str, ids: &BTreeSet<u64>) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts {
            // Skip the rest of a word so that `x86` is not read as `86`.
            if chars[i].is_alphanumeric() || chars[i] == '_' {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            } else {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '.') {
            i += 1;
        }
        let mut token: String = chars[start..i].iter().collect();
        while token.ends_with(['.', ',']) {
            token.pop();
        }
        let mut digits_end = start + token.chars().count();
        // An exponent right after: e12, e-9.
        let mut exponent = false;
        if i < chars.len() && chars[i] == 'e' && digits_end == i {
            let mut j = i + 1;
            if j < chars.len() && chars[j] == '-' {
                j += 1;
            }
            if j < chars.len() && chars[j].is_ascii_digit() {
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                exponent = true;
                i = j;
                digits_end = j;
            }
        }
        if significant(&token, exponent, ids) > 4 {
            let from = start.saturating_sub(40);
            let to = (digits_end + 20).min(chars.len());
            let context: String = chars[from..to].iter().collect();
            found.push(format!("{token:?} in {:?}", context.replace('\n', " ")));
        }
    }
    found
}

/// Significant digits of a number token (its mantissa when `exponent`),
/// 0 when exempt.
fn significant(token: &str, exponent: bool, ids: &BTreeSet<u64>) -> usize {
    let points = token.matches('.').count();
    if points >= 2 {
        return 0; // a version
    }
    let has_commas = token.contains(',');
    if has_commas && points == 0 && !exponent {
        let groups: Vec<&str> = token.split(',').collect();
        let grouped =
            (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
        if grouped {
            return 0; // a count
        }
    }
    let plain = token.replace(',', "");
    if points == 0 && !exponent && plain.parse::<u64>().is_ok_and(|n| ids.contains(&n)) {
        return 0; // an id
    }
    let digits: String = plain.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    if points == 0 {
        digits.trim_end_matches('0').len()
    } else {
        digits.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_figures_are_too_precise_and_counts_ids_versions_are_not() {
        let none = BTreeSet::new();
        let bad = [
            "simulated time 38076.577692 s",
            "bytes delivered 1078731931762",
            "| 29.802495 / 41.910271 s |",
            "throughput 2029.5 alerts/s",
            "9583139 produced",
            "1.23456e20",
            "24.400 s",
        ];
        for text in bad {
            assert!(!too_precise(text, &none).is_empty(), "{text}");
        }
        assert_eq!(too_precise("| 29.802495 / 41.910271 s |", &none).len(), 2);
        let good = [
            "5,000 alerts; 9,583,139 produced",
            "24.4 s / 1 min 26 s / 1.08 TB / 82.1 kB / 2.03 k alerts/s / 63.7%",
            "alertsim 0.1.0 on 2026-12-07 09:05:40",
            "p98 x86_64 community-1 40000 0.0123 1.23e20 1e-9",
            "visits 42, 80 and 3 more.",
        ];
        for text in good {
            assert!(
                too_precise(text, &none).is_empty(),
                "{text}: {:?}",
                too_precise(text, &none)
            );
        }
        let ids = BTreeSet::from([123_457]);
        assert!(too_precise("seed 123457", &ids).is_empty());
        assert_eq!(too_precise("seed 123458", &ids).len(), 1);
        assert_eq!(
            too_precise("1,2345", &none).len(),
            1,
            "not grouped in threes"
        );
    }

    #[test]
    fn html_shows_text_not_attributes() {
        let html = "<style>td{width:12345.678px}</style><p>7.5 s</p>\
            <svg><path d=\"M 123.456789 0\"/><text x=\"12.3456\">38.1 k</text></svg>";
        let text = visible_text(html);
        assert!(text.contains("7.5 s") && text.contains("38.1 k"), "{text}");
        assert!(too_precise(&text, &BTreeSet::new()).is_empty(), "{text}");
        assert_eq!(
            too_precise(&visible_text("<td>0.636598</td>"), &BTreeSet::new()).len(),
            1
        );
    }
}
