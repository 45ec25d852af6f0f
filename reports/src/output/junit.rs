//! JUnit XML for CI systems: one test case per gate, a `<failure>` for each
//! gate that failed.

use std::fmt::Write as _;
use std::path::Path;

use crate::output::files::{ReportError, create_dir, write_file};
use crate::report::Report;

/// Renders the gates as a JUnit XML document.
pub fn render(r: &Report) -> String {
    let failures = r.gates.results.iter().filter(|g| !g.passed).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"alertsim\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"alertsim.gates.{s}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        n = r.gates.results.len(),
        s = xml(&r.scenario),
    );
    let _ = writeln!(
        x,
        "    <properties>\n      <property name=\"seed\" value=\"{}\"/>\n      <property name=\"scenario\" value=\"{}\"/>\n    </properties>",
        r.seed,
        xml(&r.scenario)
    );
    for g in &r.gates.results {
        let _ = write!(
            x,
            "    <testcase classname=\"alertsim.gates.{}\" name=\"{}\"",
            xml(&r.scenario),
            xml(&g.name)
        );
        if g.passed {
            x.push_str("/>\n");
        } else {
            let _ = writeln!(
                x,
                ">\n      <failure message=\"{name}: {actual} exceeds {limit}\" type=\"gate\">{desc}</failure>\n    </testcase>",
                name = xml(&g.name),
                actual = g.actual,
                limit = g.limit,
                desc = xml(&g.description),
            );
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Writes the JUnit XML to `path`.
pub fn write(r: &Report, path: &Path) -> Result<(), ReportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    write_file(path, &render(r))
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped() {
        assert_eq!(xml("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        let s = alertsim_scenarios::Scenario {
            name: "x<y".into(),
            ..Default::default()
        };
        let mut r = Report::new(&s, 1.0);
        r.finalise();
        let out = render(&r);
        assert!(out.contains("alertsim.gates.x&lt;y"));
        assert!(!out.contains("x<y"));
    }
}
