//! `alertsim sim` as a user runs it: reports written, byte-identical
//! report.json for the same seed, exit codes for gates and bad input, and
//! the command line that reproduces a failed run.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// A short night with random distributions, so that seeds matter.
const SHORT_NIGHT: &str = r#"
name = "short-night"
description = "12 visits with random alerts and start-ups"
seed = 3

[night]
visits = 12
alerts_per_visit = { kind = "lognormal", mean = 3000, std_dev = 1500, min = 100, max = 20000 }
galactic_plane_fraction = 0.0
detectors = 40
active_detectors = 40

[scaler]
max_replicas = 200

[workers]
fidelity = "nominal"

[[consumers]]
name = "community-1"
throughput_alerts_per_s = 3000
"#;

fn sim(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("sim")
        .args(args)
        .output()
        .expect("alertsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write_short_night(dir: &Path) -> String {
    let path = dir.join("short-night.toml");
    std::fs::write(&path, SHORT_NIGHT).expect("scenario written");
    path.to_string_lossy().into_owned()
}

#[test]
fn smoke_writes_every_report_and_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let junit = dir.path().join("junit.xml");
    let o = sim(&[
        "smoke",
        "--out",
        out.to_str().unwrap_or_default(),
        "--junit",
        junit.to_str().unwrap_or_default(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    for file in ["report.json", "report.md", "report.html", "run-info.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    assert!(junit.is_file());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap_or_default())
            .expect("report.json is JSON");
    assert_eq!(report["scenario"], "smoke");
    assert_eq!(report["alerts"]["produced"], 5000);
    assert_eq!(report["alerts"]["delivered"], 5000);
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("run-info.json")).unwrap_or_default(),
    )
    .expect("run-info.json is JSON");
    assert!(info["wall_s"].as_f64().is_some_and(|w| w > 0.0));
    assert!(info["events"].as_u64().is_some_and(|e| e > 100));
    assert!(text(&o.stdout).contains("5,000 delivered"));
}

#[test]
fn same_seed_gives_identical_report_json_and_another_seed_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = write_short_night(dir.path());
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let o = sim(&[
            &scenario,
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap_or_default(),
        ]);
        assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
        std::fs::read(out.join("report.json")).expect("report.json")
    };
    let a = run("a", "7");
    let b = run("b", "7");
    let c = run("c", "8");
    assert!(a == b, "same seed, different bytes");
    assert!(a != c, "different seeds, same bytes");
    let parsed =
        |bytes: &[u8]| -> serde_json::Value { serde_json::from_slice(bytes).unwrap_or_default() };
    assert_ne!(
        parsed(&a)["alerts"]["produced"],
        parsed(&c)["alerts"]["produced"],
        "the seed changes the night itself"
    );
}

#[test]
fn a_failed_gate_exits_1_and_prints_the_reproducing_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = sim(&[
        "smoke",
        "--seed",
        "4",
        "--set",
        "gates.p98_latency_s=1",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(o.status.code(), Some(1), "stdout: {}", text(&o.stdout));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("alertsim sim smoke --seed 4 --set gates.p98_latency_s=1"),
        "stderr: {stderr}"
    );
    assert!(stderr.contains(env!("CARGO_PKG_VERSION")));
    assert!(
        out.join("report.json").is_file(),
        "reports are written on failure too"
    );
}

#[test]
fn reports_go_to_out_slash_scenario_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = Command::new(BIN)
        .current_dir(dir.path())
        .args(["sim", "smoke"])
        .output()
        .expect("alertsim runs");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    assert!(dir.path().join("out/smoke/report.json").is_file());
    assert!(dir.path().join("out/smoke/run-info.json").is_file());
    // Not a terminal: progress comes as plain lines.
    assert!(
        text(&o.stderr).contains("visits announced"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_default_scenario_is_rubin_night() {
    let o = Command::new(BIN)
        .args(["sim", "--help"])
        .output()
        .expect("alertsim runs");
    assert!(
        text(&o.stdout).contains("[default: rubin-night]"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out = out.to_str().unwrap_or_default();
    let o = sim(&["no-such-scenario", "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no-such-scenario"));

    let o = sim(&["smoke", "--set", "scaler.strategy=sometimes", "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("scaler.strategy"),
        "{}",
        text(&o.stderr)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\n[night]\nvisits = \"many\"\n").expect("write");
    let o = sim(&[bad.to_str().unwrap_or_default(), "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains(":3"),
        "{stderr}"
    );
}
