//! What a person reads after `alertsim sim`: the terminal summary,
//! report.md and report.html show no figure with more than four
//! significant digits unless it is a count or an id
//! (`support/figures.rs` says exactly what is exempt); a failing night's
//! page names the failing gate, its late visits and the stage that made
//! them late in its first lines; and report.json keeps full precision,
//! its gate descriptions the ones the gates' code writes.

#[path = "support/figures.rs"]
mod figures;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use alertsim_reports::Report;
use alertsim_reports::gates::evaluate;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Runs `alertsim sim SCENARIO --out DIR`; what it printed and the report.
fn sim(scenario: &str, out: &Path) -> (String, Report) {
    let o = Command::new(BIN)
        .args(["sim", scenario, "--out"])
        .arg(out)
        .output()
        .expect("alertsim runs");
    assert!(
        o.status.code().is_some_and(|c| c == 0 || c == 1),
        "{scenario}: {o:?}"
    );
    let json = std::fs::read_to_string(out.join("report.json")).expect("report.json");
    let report: Report = serde_json::from_str(&json).expect("report.json parses");
    // The summary (stdout) and the progress lines and reproducing command
    // (stderr).
    let printed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (printed, report)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Catalogue scenarios that between them show every table: faults and
/// recovery, schema changes, failed gates, a late-visit table, readers that
/// lost alerts (named by the verdict, a log axis on their chart).
const SCENARIOS: [&str; 5] = [
    "smoke",
    "schema-upgrade",
    "dr-broker-outage",
    "galactic-plane-burst",
    "dr-broker-offline-week",
];

#[test]
fn no_figure_shown_has_more_than_four_significant_digits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut problems = Vec::new();
    for scenario in SCENARIOS {
        let out = dir.path().join(scenario);
        let (printed, report) = sim(scenario, &out);
        // Ids: the visits' and the seed.
        let ids: BTreeSet<u64> = report
            .per_visit
            .iter()
            .map(|v| u64::from(v.visit))
            .chain([report.seed])
            .collect();
        let md = read(&out.join("report.md"));
        let html = figures::visible_text(&read(&out.join("report.html")));
        assert!(md.contains("## Key figures") && html.contains("Key figures"));
        assert!(html.contains("virtual time"), "the charts' labels are read");
        for (what, text) in [
            ("the terminal", &printed),
            ("report.md", &md),
            ("report.html", &html),
        ] {
            for p in figures::too_precise(text, &ids) {
                problems.push(format!("{scenario} {what}: {p}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} figures with more than four significant digits:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The names of the gates the report failed.
fn failed_gates(report: &Report) -> Vec<&str> {
    report
        .gates
        .results
        .iter()
        .filter(|g| !g.passed)
        .map(|g| g.name.as_str())
        .collect()
}

#[test]
fn a_failing_night_names_its_gate_late_visits_and_stage_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let (_, report) = sim("galactic-plane-burst", &out);
    let failed = failed_gates(&report);
    assert_eq!(
        failed,
        ["late_visit_fraction"],
        "the scenario fails this gate"
    );
    // The visits that failed it (late, within the gate's scope), worst
    // first, and their most frequent cause, read from report.json.
    let scope = report.config.gates.latency_scope_max_alerts;
    let mut late: Vec<_> = report
        .per_visit
        .iter()
        .filter(|v| v.late && v.alerts < scope)
        .collect();
    late.sort_by(|a, b| {
        b.lost
            .cmp(&a.lost)
            .then(b.p98_latency_s.total_cmp(&a.p98_latency_s))
            .then(a.visit.cmp(&b.visit))
    });
    assert!(!late.is_empty());
    let ids: Vec<String> = late.iter().take(5).map(|v| v.visit.to_string()).collect();
    let ids = ids.join(", ");
    let mut causes: Vec<(usize, &str)> = Vec::new();
    for v in &late {
        let name = v.late_cause.expect("a late visit has a cause").name();
        match causes.iter_mut().find(|c| c.1 == name) {
            Some(c) => c.0 += 1,
            None => causes.push((1, name)),
        }
    }
    causes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let stage = causes[0].1;

    let md = read(&out.join("report.md"));
    let top: String = md.lines().take(15).collect::<Vec<_>>().join("\n");
    let html = read(&out.join("report.html"));
    let before_chart = &html[..html.find("<svg").expect("report.html has charts")];
    for (what, text) in [
        ("report.md's first 15 lines", top.as_str()),
        ("report.html before its first chart", before_chart),
    ] {
        assert!(text.contains("FAIL"), "{what}:\n{text}");
        assert!(text.contains("late_visit_fraction"), "{what}:\n{text}");
        assert!(
            text.contains(&format!("Late visits: {ids}")),
            "{what} lacks {ids}:\n{text}"
        );
        assert!(
            text.contains(&format!("Why: {stage} took longer")),
            "{what} lacks {stage}:\n{text}"
        );
    }
    // Before the gates table and the key figures, not somewhere below them.
    let verdict_at = md.find("Late visits: ").unwrap_or(usize::MAX);
    assert!(verdict_at < md.find("## Gates").unwrap_or(0), "{md}");
}

#[test]
fn a_lossy_night_names_the_visits_that_lost_alerts_and_the_fault_they_met() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let (_, report) = sim("dr-broker-outage", &out);
    let failed = failed_gates(&report);
    assert_eq!(failed, ["lost_alerts"], "the scenario fails this gate");
    let mut lossy: Vec<_> = report.per_visit.iter().filter(|v| v.lost > 0).collect();
    lossy.sort_by(|a, b| {
        b.lost
            .cmp(&a.lost)
            .then(b.p98_latency_s.total_cmp(&a.p98_latency_s))
            .then(a.visit.cmp(&b.visit))
    });
    assert!(lossy.len() > 5, "{} visits lost alerts", lossy.len());
    let ids: Vec<String> = lossy.iter().take(5).map(|v| v.visit.to_string()).collect();
    let expected = format!(
        "Visits that lost alerts: {} and {} more",
        ids.join(", "),
        lossy.len() - 5
    );
    let fault = &report.faults[0].kind;
    let md = read(&out.join("report.md"));
    let top: String = md.lines().take(15).collect::<Vec<_>>().join("\n");
    assert!(top.contains("**lost_alerts** failed"), "{top}");
    assert!(top.contains(&expected), "lacks {expected:?}:\n{top}");
    assert!(top.contains(&format!("the fault {fault}")), "{top}");
}

#[test]
fn report_json_keeps_full_precision_and_the_gates_own_descriptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let (_, report) = sim("galactic-plane-burst", &out);
    let json = read(&out.join("report.json"));
    // Round trip: the pages took nothing away from the report.
    assert_eq!(report.to_json(), json);
    // The descriptions in report.json are the gates' exact ones (the pages
    // write the same descriptions with human figures).
    assert_eq!(
        evaluate(&report.config.gates, &report.gate_inputs()),
        report.gates
    );
    let late = &report.gates.results[0];
    assert!(
        late.description.contains("40000 alerts"),
        "{}",
        late.description
    );
    assert!(
        report.latency_s.p50.to_string().len() > 5,
        "full precision: {}",
        report.latency_s.p50
    );
    assert!(json.contains(&format!("\"p50\": {}", report.latency_s.p50)));
}

/// Runs alertsim; its exit code must be 0 or 1 (gates may fail).
fn alertsim(args: &[&str]) -> String {
    let o = Command::new(BIN)
        .args(args)
        .output()
        .expect("alertsim runs");
    assert!(
        o.status.code().is_some_and(|c| c == 0 || c == 1),
        "{args:?}: {o:?}"
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// compare's and sweep's pages and what they print keep to four
/// significant digits too (ids: the visits and the seeds).
#[test]
fn compare_and_sweep_pages_show_no_figure_with_more_than_four_significant_digits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |p: &str| dir.path().join(p).display().to_string();
    let (_, base) = sim("dr-broker-outage", &dir.path().join("one"));
    alertsim(&[
        "sim",
        "dr-broker-outage",
        "--seed",
        "2",
        "--out",
        &path("two"),
    ]);
    let compared = alertsim(&[
        "compare",
        &path("one/report.json"),
        &path("two/report.json"),
        "--out",
        &path("compare"),
    ]);
    let swept = alertsim(&[
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=5..15:5",
        "--set",
        "scaler.min_replicas=0",
        "--jobs",
        "1",
        "--out",
        &path("sweep"),
    ]);
    let ids: BTreeSet<u64> = base
        .per_visit
        .iter()
        .map(|v| u64::from(v.visit))
        .chain([1, 2])
        .collect();
    let mut problems = Vec::new();
    for (what, text) in [
        ("compare's table", compared),
        ("compare.md", read(&dir.path().join("compare/compare.md"))),
        (
            "compare.html",
            figures::visible_text(&read(&dir.path().join("compare/compare.html"))),
        ),
        ("sweep's output", swept),
        ("sweep.md", read(&dir.path().join("sweep/sweep.md"))),
        (
            "sweep.html",
            figures::visible_text(&read(&dir.path().join("sweep/sweep.html"))),
        ),
    ] {
        assert!(!text.trim().is_empty(), "{what} is empty");
        for p in figures::too_precise(&text, &ids) {
            problems.push(format!("{what}: {p}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} figures with more than four significant digits:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
