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
