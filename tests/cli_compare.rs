//! `alertsim compare` through the binary: the table and the exit codes
//! (0 no regression, 1 regression, 2 unreadable input).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn compare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .arg("compare")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run alertsim: {e}"))
}

fn report(p98: f64, lost: u64) -> Value {
    json!({
        "format_version": 1, "scenario": "smoke", "seed": 1, "simulated_s": 200.0,
        "visits": 5,
        "alerts": { "produced": 1000, "delivered": 1000 - lost, "lost": lost, "duplicated": 0 },
        "latency_s": { "p50": 10.0, "p90": 20.0, "p98": p98, "p99": 40.0, "max": 50.0 },
        "late_visits": 0, "failed_visits": 0,
        "jobs": { "created": 30, "max_running": 12, "busy_pod_s": 900.0, "idle_pod_s": 300.0 },
        "gates": { "passed": lost == 0, "results": [] }
    })
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap_or_else(|e| panic!("{e}"));
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

#[test]
fn identical_reports_exit_0() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = write(dir.path(), "a.json", &report(30.0, 0));
    let out = compare(&[s(&a), s(&a)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no change"));
}

#[test]
fn latency_regression_exits_1_and_is_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = write(dir.path(), "a.json", &report(30.0, 0));
    let b = write(dir.path(), "b.json", &report(36.0, 0));
    let out = compare(&[s(&a), s(&b)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("latency_s.p98"))
        .unwrap_or_default();
    assert!(
        line.contains("+20.0%") && line.contains("REGRESSED"),
        "{text}"
    );
    // The same move within a 25% tolerance passes, and the other way is an improvement.
    assert_eq!(
        compare(&[s(&a), s(&b), "--tolerance", "25"]).status.code(),
        Some(0)
    );
    assert_eq!(compare(&[s(&b), s(&a)]).status.code(), Some(0));
}

#[test]
fn lost_alerts_exit_1_whatever_the_tolerance() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = write(dir.path(), "a.json", &report(30.0, 0));
    let b = write(dir.path(), "b.json", &report(30.0, 2));
    assert_eq!(
        compare(&[s(&a), s(&b), "--tolerance", "1000"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn unreadable_or_foreign_files_exit_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = write(dir.path(), "a.json", &report(30.0, 0));
    let missing = dir.path().join("missing.json");
    let out = compare(&[s(&a), s(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\n  \"format_version\": 1,\n  oops\n}")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = compare(&[s(&a), s(&garbage)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("garbage.json:3:"), "{err}");

    let other = write(dir.path(), "other.json", &json!({ "format_version": 99 }));
    let out = compare(&[s(&a), s(&other)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("format_version"));

    assert_eq!(
        compare(&[s(&a), s(&a), "--tolerance", "-3"]).status.code(),
        Some(2)
    );
}

/// A report as the simulator writes it, through the Recorder.
fn recorded_report(latency_s: f64, lost: u32) -> String {
    let scenario = alertsim_scenarios::catalog::get("smoke")
        .and_then(|e| e.load(&[]).ok())
        .unwrap_or_default();
    let mut rec = alertsim_reports::Recorder::new(&scenario);
    for v in 0..scenario.night.visits {
        rec.visit_planned(v, 37.0 * f64::from(v) + 32.0, 100);
        for k in 0..100u32 {
            rec.alert_produced(v, 80_000);
            if v == 0 && k < lost {
                rec.alert_lost(v);
            } else {
                rec.alert_delivered(v, 80_000, latency_s + f64::from(k) * 0.01);
            }
        }
    }
    rec.finish(&scenario, 200.0).to_json()
}

#[test]
fn real_reports_compare_with_the_expected_exit_codes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let base = dir.path().join("base.json");
    let same = dir.path().join("same.json");
    let slower = dir.path().join("slower.json");
    let lossy = dir.path().join("lossy.json");
    for (path, text) in [
        (&base, recorded_report(10.0, 0)),
        (&same, recorded_report(10.0, 0)),
        (&slower, recorded_report(20.0, 0)),
        (&lossy, recorded_report(10.0, 1)),
    ] {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(std::fs::read(&base).ok(), std::fs::read(&same).ok());
    assert_eq!(compare(&[s(&base), s(&same)]).status.code(), Some(0));
    let out = compare(&[s(&base), s(&slower)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("latency_s.p98"));
    assert_eq!(compare(&[s(&slower), s(&base)]).status.code(), Some(0));
    let out = compare(&[s(&base), s(&lossy)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("alerts.lost") && text.contains("gates.passed"),
        "{text}"
    );
}

#[test]
fn out_writes_both_pages_with_both_runs_overlaid_and_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sim_dir = dir.path().join("sim");
    let load_dir = dir.path().join("load");
    for d in [&sim_dir, &load_dir] {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    let base = sim_dir.join("report.json");
    let slower = load_dir.join("report.json");
    std::fs::write(&base, recorded_report(10.0, 0)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&slower, recorded_report(20.0, 0)).unwrap_or_else(|e| panic!("{e}"));
    // A load run leaves load-info.json beside its report.
    std::fs::write(load_dir.join("load-info.json"), "{}").unwrap_or_else(|e| panic!("{e}"));
    let pages = dir.path().join("pages");

    let without = compare(&[s(&base), s(&slower)]);
    let with = compare(&[s(&base), s(&slower), "--out", s(&pages)]);
    assert_eq!(with.status.code(), Some(1), "{with:?}");
    assert_eq!(with.stdout, without.stdout, "the table printed is the same");

    let html = std::fs::read_to_string(pages.join("compare.html")).unwrap_or_default();
    let md = std::fs::read_to_string(pages.join("compare.md")).unwrap_or_default();
    assert!(html.contains("sim vs load"), "{html}");
    let latency = html
        .split("<figure")
        .find(|f| f.contains("data-chart=\"compare-latency\""))
        .unwrap_or_default();
    assert!(
        latency.contains(&format!("data-series=\"baseline (sim): {}\"", s(&base)))
            && latency.contains(&format!("data-series=\"candidate (load): {}\"", s(&slower))),
        "{latency}"
    );
    assert!(
        html.contains("REGRESSED") && md.contains("| latency_s.p98 |"),
        "{md}"
    );
    assert!(
        md.contains("p98 latency per visit: baseline highest"),
        "{md}"
    );

    // A report that does not read as the current layout: in the table,
    // its charts named as missing, none drawn for it.
    let minimal = write(dir.path(), "minimal.json", &report(30.0, 0));
    let pages = dir.path().join("pages-minimal");
    compare(&[s(&base), s(&minimal), "--out", s(&pages)]);
    let html = std::fs::read_to_string(pages.join("compare.html")).unwrap_or_default();
    assert!(html.contains("could not be read"), "{html}");
    assert!(!html.contains("data-series=\"candidate"), "{html}");
    let missing = format!("the candidate ({}) has no ", s(&minimal));
    assert_eq!(html.matches(&missing).count(), 4, "{html}");
}
