//! `alertsim sweep` as a user runs it: the grid's files do not depend on
//! the thread count, bad `--vary` arguments exit 2 with the expected form,
//! and `--find`'s answer passes while the value one step below fails
//! (checked with `alertsim sim`).

use std::path::Path;
use std::process::{Command, Output};

fn alertsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running alertsim: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Smoke with no standing workers and a tight latency limit, so that the
/// number of replicas decides the gates.
const CONSTRAINED: [&str; 4] = [
    "--set",
    "scaler.min_replicas=0",
    "--set",
    "gates.p98_latency_s=20",
];

fn sweep_2x2(out: &Path, jobs: &str) -> String {
    let out_arg = out.display().to_string();
    let mut args = vec![
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=4..8:4",
        "--vary",
        "workers.processing_per_alert_s=0.02..0.04:0.02",
        "--jobs",
        jobs,
        "--out",
        &out_arg,
    ];
    args.extend(CONSTRAINED);
    let o = alertsim(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for file in ["sweep.md", "sweep.svg", "sweep.html"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // No point of this grid passes: the page says so and rings none.
    let page = std::fs::read_to_string(out.join("sweep.html")).unwrap_or_default();
    assert!(page.contains("No point passes every gate.") && !page.contains("class=\"chosen\""));
    std::fs::read_to_string(out.join("sweep.json")).unwrap_or_else(|e| panic!("sweep.json: {e}"))
}

#[test]
fn sweep_json_is_the_same_with_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let one = sweep_2x2(&dir.path().join("one"), "1");
    let two = sweep_2x2(&dir.path().join("two"), "2");
    assert_eq!(one, two);
    let json: serde_json::Value = serde_json::from_str(&one).unwrap_or_else(|e| panic!("{e}"));
    let points = json["points"].as_array().cloned().unwrap_or_default();
    assert_eq!(points.len(), 4);
    for (i, p) in points.iter().enumerate() {
        assert_eq!(p["index"].as_u64(), Some(i as u64));
        assert!(p["passed"].is_boolean());
        assert!(p["p98_latency_s"].as_f64().is_some());
        let busy = p["busy_pod_h"].as_f64().unwrap_or(f64::NAN);
        let idle = p["idle_pod_h"].as_f64().unwrap_or(f64::NAN);
        let total = p["pod_h"].as_f64().unwrap_or(f64::NAN);
        assert!((busy + idle - total).abs() < 1e-3, "{p}");
    }
    // The first range varies slowest.
    assert_eq!(points[0]["settings"][0]["value"].as_i64(), Some(4));
    assert_eq!(points[2]["settings"][0]["value"].as_i64(), Some(8));
}

#[test]
fn bad_vary_arguments_exit_2_naming_the_argument_and_the_form() {
    for bad in [
        "scaler.max_replicas=1..10",
        "scaler.max_replicas=10..1:1",
        "scaler.max_replicas=1..10:0",
        "scaler.max_replicas",
    ] {
        let o = alertsim(&["sweep", "smoke", "--vary", bad]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(bad), "{bad}: {err}");
        assert!(err.contains("key=FROM..TO:STEP"), "{bad}: {err}");
    }
    let o = alertsim(&["sweep", "smoke", "--vary", "scaler.bogus=1..2:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("scaler.bogus"));
    let o = alertsim(&[
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=1..2:1",
        "--find",
        "cluster.nodes",
        "--until",
        "gates-pass",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--find cluster.nodes"));
}

fn sim_passes(dir: &Path, replicas: i64) -> bool {
    let set = format!("scaler.max_replicas={replicas}");
    let out = dir.join(format!("sim-{replicas}")).display().to_string();
    let mut args = vec!["sim", "smoke", "--set", &set, "--out", &out];
    args.extend(CONSTRAINED);
    let o = alertsim(&args);
    match o.status.code() {
        Some(0) => true,
        Some(1) => false,
        other => panic!("sim exited {other:?}: {}", text(&o.stderr)),
    }
}

#[test]
fn find_answers_with_a_value_that_passes_above_one_that_fails() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("find").display().to_string();
    let mut args = vec![
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=1..20:1",
        "--find",
        "scaler.max_replicas",
        "--until",
        "gates-pass",
        "--out",
        &out,
    ];
    args.extend(CONSTRAINED);
    let o = alertsim(&args);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("probe scaler.max_replicas="), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("find/find.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let answer = json["answer"]["settings"][0]["value"]
        .as_i64()
        .unwrap_or_else(|| panic!("no answer in {json}"));
    assert!(
        stdout.contains(&format!("answer: scaler.max_replicas={answer} ")),
        "{stdout}"
    );
    assert!(
        answer > 1,
        "the range's start passes; the neighbour check is void"
    );
    let page = std::fs::read_to_string(dir.path().join("find/find.html")).unwrap_or_default();
    assert!(
        page.contains(&format!(
            "chosen: scaler.max_replicas={answer} (smallest value that passes, found by --find)"
        )),
        "find.html marks the answer: {page}"
    );
    // The same search on one thread takes the same probes to the same answer.
    let out_one = dir.path().join("find-1").display().to_string();
    let mut args_one: Vec<&str> = args
        .iter()
        .map(|a| if *a == out { out_one.as_str() } else { a })
        .collect();
    args_one.extend(["--jobs", "1"]);
    let o = alertsim(&args_one);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read = |d: &str| std::fs::read_to_string(dir.path().join(d).join("find.json"));
    assert_eq!(read("find").ok(), read("find-1").ok());
    assert!(
        sim_passes(dir.path(), answer),
        "{answer} fails under alertsim sim"
    );
    assert!(
        !sim_passes(dir.path(), answer - 1),
        "{} passes too",
        answer - 1
    );
}

#[test]
fn find_exits_1_when_even_the_largest_value_fails() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().display().to_string();
    let mut args = vec![
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=1..3:1",
        "--find",
        "scaler.max_replicas",
        "--until",
        "gates-pass",
        "--out",
        &out,
    ];
    args.extend(CONSTRAINED);
    let o = alertsim(&args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("no answer"));
}

#[test]
fn sweep_html_rings_the_cheapest_point_that_passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("chosen");
    let out_arg = out.display().to_string();
    let o = alertsim(&[
        "sweep",
        "smoke",
        "--vary",
        "scaler.max_replicas=5..40:5",
        "--set",
        "scaler.min_replicas=0",
        "--out",
        &out_arg,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The page marks the cheapest point that passes every gate, by the
    // figures in sweep.json.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap_or_default())
            .unwrap_or_default();
    let passing = json["points"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["passed"] == true)
        .count();
    assert!(
        passing >= 2,
        "the choice is void unless several pass: {json}"
    );
    let cheapest = json["points"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["passed"] == true)
        .min_by(|a, b| {
            let h = |p: &serde_json::Value| p["pod_h"].as_f64().unwrap_or(f64::INFINITY);
            h(a).total_cmp(&h(b))
        })
        .unwrap_or_else(|| panic!("no point passes: {json}"));
    let settings: Vec<String> = cheapest["settings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{}={}", s["key"].as_str().unwrap_or(""), s["value"]))
        .collect();
    let page = std::fs::read_to_string(out.join("sweep.html")).unwrap_or_default();
    let mark = format!(
        "chosen: {} (cheapest that passes every gate)",
        settings.join(", ")
    );
    assert_eq!(page.matches(&mark).count(), 1, "{mark} not in {page}");
}
