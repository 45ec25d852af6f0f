//! The pages a person opens, opened in a real browser: report.html (a night
//! with a fault, so the recovery timeline has data), compare.html (two such
//! nights) and sweep.html (a three-point sweep) are loaded by headless
//! Chromium (Debian's `chromium` package). From the DOM Chromium holds after
//! loading each page (`--dump-dom`): every `<svg>` is a chart in a
//! `<figure class="chart">`, and every chart drew data (a marked series: a
//! line of two points or more, a bar of some area, a marker); from
//! Chromium's log (`--enable-logging=stderr`): the page wrote nothing to its
//! console (the pages carry no script, so any message is an error). A
//! screenshot of each page is kept for a person under
//! `$CARGO_TARGET_TMPDIR/browser_pages/` (the path is printed).
//!
//! report.html comes from `dr-broker-outage`, whose default readers give
//! the readers chart its bars; the brokers chart draws each broker's rates.
//! A second report.html, from `dr-broker-offline-week`, must show the two
//! readers that lost alerts (alerce and ampel) as "alerts lost" bars.
//!
//! `the_check_finds_an_empty_chart` feeds the same check a report.html with
//! two charts' data removed (a line chart's and the readers' bars), one
//! line cut to a single point and a script writing a console error, so the
//! check is known to fail on each.
//!
//! Without Chromium the test fails, naming the package; set
//! `ALERTSIM_SKIP_BROWSER_TEST=1` to skip it instead (scripts/test-all.sh
//! installs the package and never sets it).

#[path = "support/browser.rs"]
mod browser;

use std::path::{Path, PathBuf};
use std::process::Command;

use browser::{Browser, chart_problems};

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Where the pages and screenshots are kept after the test.
fn output_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser_pages")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Runs `alertsim ARGS`; exit 0 or 1 (a failed gate still writes the pages).
fn alertsim(args: &[&str]) {
    let o = Command::new(BIN)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run alertsim: {e}"));
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "alertsim {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// The pages' chart ids that must be there (others found are checked too).
/// dr-broker-outage has the default readers, so `readers` has bars.
const REPORT_CHARTS: [&str; 7] = [
    "latency-budget",
    "readers",
    "brokers",
    "recovery-timeline",
    "lag-jobs",
    "latency",
    "throughput",
];
const COMPARE_CHARTS: [&str; 4] = [
    "compare-latency",
    "compare-lag",
    "compare-jobs",
    "compare-bandwidth",
];

/// The readers chart's marked "alerts lost" bars in a page's DOM.
fn lost_bars(dom: &str) -> usize {
    let Some(at) = dom.find("data-chart=\"readers\"") else {
        return 0;
    };
    let figure = &dom[at..at + dom[at..].find("</figure>").unwrap_or(0)];
    figure
        .matches("class=\"series\" data-series=\"alerts lost\"")
        .count()
}

#[test]
fn report_compare_and_sweep_pages_render_every_chart_with_data() {
    let Some(browser) = Browser::find_or_skip() else {
        return;
    };
    let out = output_dir("pages");
    let (base, cand) = (out.join("seed-1"), out.join("seed-2"));
    alertsim(&["sim", "dr-broker-outage", "--seed", "1", "--out", s(&base)]);
    alertsim(&["sim", "dr-broker-outage", "--seed", "2", "--out", s(&cand)]);
    // Two readers away 8 days: the readers chart's "alerts lost" bars.
    let week = out.join("offline-week");
    alertsim(&["sim", "dr-broker-offline-week", "--out", s(&week)]);
    alertsim(&[
        "compare",
        s(&base.join("report.json")),
        s(&cand.join("report.json")),
        "--out",
        s(&out.join("compare")),
    ]);
    alertsim(&[
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=5..15:5",
        "--set",
        "scaler.min_replicas=0",
        "--jobs",
        "1",
        "--out",
        s(&out.join("sweep")),
    ]);

    let mut problems = Vec::new();
    for (page, required) in [
        (base.join("report.html"), &REPORT_CHARTS[..]),
        (week.join("report.html"), &["readers", "brokers"][..]),
        (out.join("compare/compare.html"), &COMPARE_CHARTS[..]),
        (out.join("sweep/sweep.html"), &["sweep"][..]),
    ] {
        let shot = page.with_extension("png");
        let rendered = browser.open(&page, &shot);
        eprintln!("screenshot: {}", shot.display());
        for line in &rendered.console {
            problems.push(format!("{}: console: {line}", page.display()));
        }
        for p in chart_problems(&rendered.dom, required) {
            problems.push(format!("{}: {p}", page.display()));
        }
        if page.starts_with(&week) && lost_bars(&rendered.dom) != 2 {
            problems.push(format!(
                "{}: the readers chart shows {} readers losing alerts, not alerce and ampel",
                page.display(),
                lost_bars(&rendered.dom)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "in the browser:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_finds_an_empty_chart() {
    let Some(browser) = Browser::find_or_skip() else {
        return;
    };
    let out = output_dir("broken");
    alertsim(&["sim", "dr-broker-outage", "--out", s(&out)]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap_or_default();
    // The throughput chart's line and the readers chart's bars removed (an
    // empty series draws none), the first line of the lag chart cut to one
    // point, and a console error.
    let broken = browser::break_charts(&html).replace(
        "</body>",
        "<script>console.error(\"injected\")</script></body>",
    );
    let page = out.join("broken.html");
    std::fs::write(&page, broken).unwrap_or_else(|e| panic!("{e}"));
    let rendered = browser.open(&page, &out.join("broken.png"));
    assert!(
        rendered.console.iter().any(|l| l.contains("injected")),
        "the console error is seen: {:?}",
        rendered.console
    );
    let problems = chart_problems(&rendered.dom, &REPORT_CHARTS);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("chart `throughput` drew no data")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("chart `readers` drew no data")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("chart `lag-jobs`: series") && p.contains("1 point")),
        "{problems:?}"
    );
}
