//! Headless Chromium for the page tests: finding it (or failing, naming the
//! Debian package, unless `ALERTSIM_SKIP_BROWSER_TEST` is set), opening a
//! page for its DOM after load, its console messages and a screenshot, and
//! reading the charts out of that DOM.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that lets the browser tests skip when Chromium is missing.
pub const SKIP_VAR: &str = "ALERTSIM_SKIP_BROWSER_TEST";

/// A Chromium binary.
pub struct Browser {
    binary: PathBuf,
}

/// What Chromium made of a page.
pub struct Rendered {
    /// The DOM after load, as Chromium serialises it.
    pub dom: String,
    /// The messages the page wrote to its console.
    pub console: Vec<String>,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

impl Browser {
    /// `chromium` on the PATH (or `$ALERTSIM_CHROMIUM`); `None`, said
    /// loudly, only when [`SKIP_VAR`] is set; otherwise a panic naming the
    /// package.
    pub fn find_or_skip() -> Option<Self> {
        let binary = std::env::var_os("ALERTSIM_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| on_path("chromium"));
        if let Some(binary) = binary {
            return Some(Self { binary });
        }
        if std::env::var_os(SKIP_VAR).is_some_and(|v| !v.is_empty()) {
            eprintln!(
                "\n*** SKIPPED: chromium not found and {SKIP_VAR} is set: the pages were NOT checked in a browser ***\n"
            );
            return None;
        }
        panic!(
            "chromium not found on the PATH: install Debian's `chromium` package \
             (apt-get install -y chromium; scripts/test-all.sh does), or set {SKIP_VAR}=1 to skip"
        );
    }

    fn run(&self, page: &Path, extra: &[String]) -> std::process::Output {
        let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let page =
            std::fs::canonicalize(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        // `timeout`: a browser that hangs fails the test instead of holding it.
        let o = Command::new("timeout")
            .arg("120")
            .arg(&self.binary)
            .args([
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        assert!(
            o.status.success(),
            "{} on {}: {:?}\n{}",
            self.binary.display(),
            page.display(),
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    /// Loads `page`: its DOM and console messages; a screenshot to `shot`.
    pub fn open(&self, page: &Path, shot: &Path) -> Rendered {
        let o = self.run(
            page,
            &[
                "--enable-logging=stderr".to_owned(),
                "--v=0".to_owned(),
                "--dump-dom".to_owned(),
            ],
        );
        // Chromium logs a page's console messages as `INFO:CONSOLE...`.
        let console = String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect();
        self.run(
            page,
            &[
                format!("--screenshot={}", shot.display()),
                // Tall enough for a whole report page (the CLI shoots the viewport).
                "--window-size=1200,8000".to_owned(),
            ],
        );
        assert!(shot.is_file(), "no screenshot at {}", shot.display());
        Rendered {
            dom: String::from_utf8_lossy(&o.stdout).into_owned(),
            console,
        }
    }
}

/// A chart in the DOM: `<figure class="chart" data-chart="ID">`.
struct Chart<'a> {
    id: &'a str,
    body: &'a str,
}

fn charts(dom: &str) -> Vec<Chart<'_>> {
    const OPEN: &str = "<figure class=\"chart\" data-chart=\"";
    dom.match_indices(OPEN)
        .map(|(at, _)| {
            let rest = &dom[at + OPEN.len()..];
            let id = &rest[..rest.find('"').unwrap_or(0)];
            let body = &rest[..rest.find("</figure>").unwrap_or(rest.len())];
            Chart { id, body }
        })
        .collect()
}

/// The value of attribute `name` in the tag text `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn positive(tag: &str, name: &str) -> bool {
    attr(tag, name)
        .and_then(|v| v.parse::<f64>().ok())
        .is_some_and(|v| v > 0.0)
}

/// What is wrong with the charts of a page's DOM: an `<svg>` outside a
/// chart figure, a `required` chart missing, a chart with no marked series
/// that drew something, a marked line of fewer than two points.
pub fn chart_problems(dom: &str, required: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let found = charts(dom);
    let svgs_in_charts: usize = found.iter().map(|c| c.body.matches("<svg").count()).sum();
    let svgs = dom.matches("<svg").count();
    if svgs != svgs_in_charts {
        problems.push(format!(
            "{} <svg> outside a <figure class=\"chart\">",
            svgs - svgs_in_charts.min(svgs)
        ));
    }
    for id in required {
        if !found.iter().any(|c| c.id == *id) {
            problems.push(format!("chart `{id}` missing"));
        }
    }
    for chart in &found {
        if !chart.body.contains("<svg") {
            problems.push(format!("chart `{}` has no <svg>", chart.id));
        }
        let mut drew = false;
        for (at, _) in chart.body.match_indices(" class=\"series") {
            let start = chart.body[..at].rfind('<').unwrap_or(at);
            let end = chart.body[at..]
                .find('>')
                .map_or(chart.body.len(), |e| at + e);
            let tag = &chart.body[start..end];
            let element = tag[1..].split_whitespace().next().unwrap_or("");
            let name = attr(tag, "data-series").unwrap_or(element);
            let data = match element {
                "polyline" => {
                    let n = attr(tag, "points").map_or(0, |p| p.split_whitespace().count());
                    if n < 2 {
                        problems.push(format!(
                            "chart `{}`: series `{name}` has {n} point{}",
                            chart.id,
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                    n >= 2
                }
                "rect" => positive(tag, "width") && positive(tag, "height"),
                "circle" => positive(tag, "r"),
                "path" => attr(tag, "d").is_some_and(|d| !d.trim().is_empty()),
                _ => false,
            };
            drew |= data;
        }
        if !drew {
            problems.push(format!(
                "chart `{}` drew no data (no marked series with points)",
                chart.id
            ));
        }
    }
    problems
}

/// `html` with the marked `element`s of chart `id` removed (what a series
/// with nothing to draw leaves: nothing).
fn remove_series(html: &mut String, id: &str, element: &str) {
    let Some(at) = html.find(&format!("data-chart=\"{id}\"")) else {
        return;
    };
    let open = format!("<{element} class=\"series\"");
    let close = format!("</{element}>");
    // Only within this figure.
    loop {
        let figure_end = at + html[at..].find("</figure>").unwrap_or(0);
        let Some(rel) = html[at..figure_end].find(&open) else {
            break;
        };
        let start = at + rel;
        let end = start + html[start..].find(&close).unwrap_or(0) + close.len();
        html.replace_range(start..end, "");
    }
}

/// `html` with the throughput chart's series and the readers chart's bars
/// removed (what an empty series draws: nothing) and the lag chart's first
/// line cut to one point.
pub fn break_charts(html: &str) -> String {
    let mut out = html.to_owned();
    remove_series(&mut out, "throughput", "polyline");
    remove_series(&mut out, "readers", "rect");
    let figure = |s: &str, id: &str| s.find(&format!("data-chart=\"{id}\""));
    if let Some(at) = figure(&out, "lag-jobs")
        && let Some(rel) = out[at..].find("<polyline class=\"series\"")
    {
        let tag_start = at + rel;
        let points = tag_start + out[tag_start..].find(" points=\"").unwrap_or(0) + 9;
        let len = out[points..].find('"').unwrap_or(0);
        out.replace_range(points..points + len, "82,267");
    }
    out
}
