//! Report building, deterministic serialisation, gates and file outputs.

mod common;

use alertsim_reports::{Report, RunInfo, junit, write_reports};
use common::{smoke, synthetic_report};

#[test]
fn same_input_gives_the_same_bytes_and_round_trips() {
    let s = smoke();
    let a = synthetic_report(&s, 1.0, 0).to_json();
    let b = synthetic_report(&s, 1.0, 0).to_json();
    assert_eq!(a, b);
    let parsed = Report::from_json(&a).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.to_json(), a);
    assert!(a.contains("\"format_version\": 1"));
}

#[test]
fn totals_are_consistent_with_the_visits() {
    let s = smoke();
    let r = synthetic_report(&s, 1.0, 3);
    assert_eq!(r.visits, u64::from(s.night.visits));
    assert_eq!(r.alerts.delivered + r.alerts.lost, r.alerts.produced);
    let per_visit_delivered: u64 = r.per_visit.iter().map(|v| v.delivered).sum();
    assert_eq!(per_visit_delivered, r.alerts.delivered);
    assert_eq!(r.jobs.created, 3 * r.visits);
    assert!((r.jobs.idle_fraction - 0.2).abs() < 1e-9);
    assert_eq!(r.jobs.max_running, 7);
}

#[test]
fn gates_follow_the_scenario_limits() {
    let mut s = smoke();
    // Latencies 1 .. 10.9 s: p98 about 10.8 s.
    let ok = synthetic_report(&s, 1.0, 0);
    assert!(ok.passed(), "{:?}", ok.gates);
    assert_eq!(ok.late_visits, 0);

    s.gates.p98_latency_s = 5.0;
    let late = synthetic_report(&s, 1.0, 0);
    assert_eq!(late.late_visits, late.visits);
    let g = late
        .gates
        .results
        .iter()
        .find(|g| g.name == "late_visit_fraction");
    assert_eq!(g.map(|g| g.passed), Some(false));
    assert!(!late.passed());

    s.gates.p98_latency_s = 60.0;
    let lost = synthetic_report(&s, 1.0, 1);
    assert_eq!(lost.failed_visits, 1);
    let names: Vec<_> = lost
        .gates
        .results
        .iter()
        .filter(|g| !g.passed)
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(names, ["failed_visit_fraction", "lost_alerts"]);
}

#[test]
fn late_visits_at_or_above_the_latency_scope_do_not_fail_the_gate() {
    // The synthetic visits hold 100 alerts each; all are late at a 5 s limit.
    let mut s = smoke();
    s.gates.p98_latency_s = 5.0;
    s.gates.latency_scope_max_alerts = 100;
    let out_of_scope = synthetic_report(&s, 1.0, 0);
    assert_eq!(out_of_scope.late_visits, out_of_scope.visits);
    let g = out_of_scope
        .gates
        .results
        .iter()
        .find(|g| g.name == "late_visit_fraction");
    assert_eq!(g.map(|g| (g.actual, g.passed)), Some((0.0, true)));

    s.gates.latency_scope_max_alerts = 101;
    let in_scope = synthetic_report(&s, 1.0, 0);
    let g = in_scope
        .gates
        .results
        .iter()
        .find(|g| g.name == "late_visit_fraction");
    assert_eq!(g.map(|g| (g.actual, g.passed)), Some((1.0, false)));
}

#[test]
fn writes_all_files_and_junit_marks_failures() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut s = smoke();
    s.gates.p98_latency_s = 5.0;
    let r = synthetic_report(&s, 1.0, 0);
    let written = write_reports(&r, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let md = std::fs::read_to_string(&written.markdown).unwrap_or_default();
    let gates_at = md.find("## Gates").unwrap_or(usize::MAX);
    let figures_at = md.find("## Key figures").unwrap_or(0);
    assert!(gates_at < figures_at, "gates table must come first");
    // Every visit is late here (5 s limit): the late-visit table lists
    // each with its cause, after the budget's stage table.
    assert!(r.late_visits > 0);
    let late_at = md.find("## Late visits").unwrap_or(0);
    assert!(md.find("## Latency budget").unwrap_or(usize::MAX) < late_at);
    let section = &md[late_at + 1..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let late_rows = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| visit") && !l.starts_with("| ---"))
        .count();
    assert_eq!(late_rows as u64, r.late_visits.min(50));
    assert!(
        r.per_visit
            .iter()
            .filter(|v| v.late)
            .all(|v| v.late_cause.is_some())
    );
    let html = std::fs::read_to_string(&written.html).unwrap_or_default();
    // Lag and Jobs, latency, throughput, the stacked latency budget and
    // the brokers' bars; the readers' table but no chart of theirs (these
    // synthetic readers timed no receipt and lost nothing).
    assert_eq!(html.matches("<svg").count(), 5);
    assert!(html.contains("data-chart=\"brokers\""));
    assert!(html.contains("<h2>Readers</h2>") && !html.contains("data-chart=\"readers\""));
    assert!(html.contains("<h2>Late visits</h2>"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http"));
    let xml = junit::render(&r);
    // late visits, failed visits, lost alerts, alerts lost to readers.
    assert_eq!(xml.matches("<testcase").count(), 4);
    assert_eq!(xml.matches("<failure").count(), 1);
    let info = RunInfo::new(0.5, r.simulated_s, 1234)
        .write(dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(info.ends_with("run-info.json"));
}

#[test]
fn markdown_and_html_are_deterministic_too() {
    let s = smoke();
    let (a, b) = (synthetic_report(&s, 2.0, 1), synthetic_report(&s, 2.0, 1));
    let (da, db) = (
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
    );
    write_reports(&a, da.path()).unwrap_or_else(|e| panic!("{e}"));
    write_reports(&b, db.path()).unwrap_or_else(|e| panic!("{e}"));
    for f in ["report.json", "report.md", "report.html"] {
        let x = std::fs::read(da.path().join(f)).unwrap_or_default();
        let y = std::fs::read(db.path().join(f)).unwrap_or_default();
        assert!(!x.is_empty(), "{f} empty");
        assert_eq!(x, y, "{f} differs between identical runs");
    }
    // A different latency changes the figures and the bytes.
    let c = synthetic_report(&s, 3.0, 1);
    assert_ne!(a.to_json(), c.to_json());
}

#[test]
fn a_report_built_by_hand_gets_its_derived_fields_and_gates() {
    let mut s = smoke();
    s.gates.max_lost_alerts = 5;
    let mut r = Report::new(&s, 100.0);
    r.alerts.produced = 10;
    r.alerts.delivered = 7;
    r.alerts.lost = 3;
    let from_recorder = synthetic_report(&s, 1.0, 0);
    r.per_visit = from_recorder.per_visit.clone();
    if let Some(v) = r.per_visit.first_mut() {
        v.late = true;
    }
    r.finalise();
    assert_eq!(r.visits, from_recorder.visits);
    assert_eq!(r.late_visits, 1);
    let lost_gate = r.gates.results.iter().find(|g| g.name == "lost_alerts");
    assert_eq!(lost_gate.map(|g| (g.actual, g.passed)), Some((3.0, true)));
    // 1 late visit of 5 is over the 1% limit.
    assert!(!r.passed());
}

#[test]
fn a_partial_report_says_so_on_every_page_and_only_then() {
    let s = smoke();
    let mut report = synthetic_report(&s, 2.0, 1);
    let whole = report.to_json();
    assert!(
        !whole.contains("\"partial\""),
        "a whole run writes no partial field"
    );
    report.partial = true;
    assert!(report.to_json().contains("\"partial\": true"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_reports(&report, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    for f in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
        assert!(
            text.contains("Partial report"),
            "{f} does not say it is partial"
        );
    }
    let back: Report = serde_json::from_str(&report.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.partial);
}
