//! The simulator against the real thing: `alertsim calibrate smoke` runs
//! the load on the embedded services (a real broker, redis-server and
//! registry, real rdkafka producers and consumers) and the simulator with
//! the same scenario, seed and settings, which must agree on what a user
//! reads first; its fit must meet the measured publish stage, and the
//! overlay it writes must give `sim --set-file` the fitted simulator.
//!
//! The load run goes at the time scale `--calibrate-speed` finds for this
//! machine and this build, and its own self-check decides whether it
//! measured the system: a saturated run measures the load generator, so it
//! is run once more at the slower time scale it suggests, and a second
//! saturated run fails the test (the suggestion itself would be wrong).
//!
//! Tolerance: 20% on p50 (issue 19's criterion) and 25% on p98. The
//! embedded broker's round trips on this machine are slower than the
//! simulator's broker model (0.75 s against 0.28 s for a detector of 50
//! alerts, each flushed: a calibration question, issue 17, not a validity
//! one), and the time scale stretches them, which is most of what
//! separates the two and weighs most on the tail: p98 came out 16% and
//! 21% over the simulator's in two CI runs at x1.3 and x1.7. (A run at x1
//! did not help: its Jobs created no longer matched the simulator's.)

use std::path::Path;
use std::process::Command;

#[path = "support/load_run.rs"]
mod load_run;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Largest relative difference from the simulator, on p50 and on p98.
const TOLERANCE: [(&str, f64); 2] = [("p50", 0.20), ("p98", 0.25)];

/// smoke: 5 visits x 20 detectors x 50 alerts.
const SMOKE_ALERTS: u64 = 5 * 20 * 50;

fn run(args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("alertsim runs");
    eprintln!(
        "alertsim {}: exit {:?}\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with("load: ["))
            .collect::<Vec<_>>()
            .join("\n")
    );
    out
}

/// The time scale `alertsim load smoke --calibrate-speed` prints last.
fn calibrated_time_scale() -> f64 {
    let out = run(&["load", "smoke", "--calibrate-speed"]);
    assert!(out.status.success(), "--calibrate-speed failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default().trim().to_owned();
    last.parse()
        .unwrap_or_else(|e| panic!("--calibrate-speed printed {stdout:?}: {e}"))
}

/// Runs `alertsim calibrate smoke` at `scale` into `out`: the load run in
/// `out/load`, the simulator as configured in `out/sim`, fitted in
/// `out/sim-fitted`. Returns the run's report and load-info.
fn calibrate_at(scale: f64, out: &Path) -> (serde_json::Value, serde_json::Value) {
    let _ = std::fs::remove_dir_all(out);
    let scale = scale.to_string();
    let done = run(&[
        "calibrate",
        "smoke",
        "--time-scale",
        &scale,
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    let load_out = out.join("load");
    load_run::assert_ran_to_end(done.status.code(), &load_out, &done.stderr);
    (
        load_run::json_in(&load_out, "report.json"),
        load_run::json_in(&load_out, "load-info.json"),
    )
}

fn figure(report: &serde_json::Value, section: &str, name: &str) -> f64 {
    report[section][name]
        .as_f64()
        .unwrap_or_else(|| panic!("{section}.{name} missing from {report}"))
}

/// The row of `figure` in one of fidelity.json's tables.
fn fidelity_row<'a>(table: &'a serde_json::Value, figure: &str) -> &'a serde_json::Value {
    table["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["figure"] == figure))
        .unwrap_or_else(|| panic!("no {figure} in {table}"))
}

#[test]
fn a_valid_load_run_agrees_with_the_simulator_on_smoke() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("calibrate");
    let mut scale = calibrated_time_scale();
    let (mut load, mut info) = calibrate_at(scale, &out);
    if load_run::saturated(&info) {
        let suggested = info["generator"]["verdict"]["suggested_time_scale"]
            .as_f64()
            .expect("a saturated verdict suggests a time scale");
        assert!(suggested < scale, "the suggestion is slower: {info}");
        scale = suggested.max(1.0);
        (load, info) = calibrate_at(scale, &out);
    }
    assert!(
        !load_run::saturated(&info),
        "the load generator could not keep up at x{scale}, the time scale it suggested itself: {}",
        info["generator"]
    );
    eprintln!("compared at --time-scale {scale}");
    let sim = load_run::json_in(&out.join("sim"), "report.json");

    // Both ran the same night: the same alerts, all delivered (a valid
    // load run must have produced every planned alert).
    assert_eq!(
        load_run::expected_produced(&load, &info, SMOKE_ALERTS),
        SMOKE_ALERTS
    );
    for (name, report) in [("sim", &sim), ("load", &load)] {
        assert_eq!(report["alerts"]["produced"], SMOKE_ALERTS, "{name}");
        assert_eq!(report["alerts"]["delivered"], SMOKE_ALERTS, "{name}");
        assert_eq!(report["alerts"]["lost"], 0, "{name}");
    }
    assert_eq!(
        load["jobs"]["created"], sim["jobs"]["created"],
        "the same scaler decisions start the same Jobs"
    );
    for (quantile, tolerance) in TOLERANCE {
        let simulated = figure(&sim, "latency_s", quantile);
        let measured = figure(&load, "latency_s", quantile);
        let ratio = measured / simulated;
        eprintln!(
            "latency {quantile}: sim {simulated:.2} s, load {measured:.2} s, ratio {ratio:.3}"
        );
        assert!(
            (ratio - 1.0).abs() <= tolerance,
            "latency {quantile}: load {measured:.2} s against sim {simulated:.2} s at x{scale} \
             (ratio {ratio:.3}, tolerance {tolerance}); load budget {}",
            load["latency_budget"]
        );
    }

    // The fit: the simulated publish stage now meets the measured one, and
    // the overlay it wrote gives `sim` the fitted simulator's report, byte
    // for byte.
    let tables = load_run::json_in(&out, "fidelity.json");
    eprintln!("fit: {}", tables["fit"]);
    let publish = fidelity_row(&tables["fitted"], "latency_budget.publish.mean_s");
    let ratio = publish["ratio"].as_f64().expect("a publish ratio");
    assert!(
        (ratio - 1.0).abs() < 0.01,
        "the fit missed the publish stage: {publish}"
    );
    for quantile in ["p50", "p98"] {
        let row = fidelity_row(&tables["fitted"], &format!("latency_s.{quantile}"));
        eprintln!("fitted latency {quantile}: {row}");
    }
    let again = dir.path().join("sim-again");
    let sim_again = run(&[
        "sim",
        "smoke",
        "--set-file",
        out.join("fit-as-run.toml").to_str().expect("utf-8"),
        "--out",
        again.to_str().expect("utf-8"),
    ]);
    assert!(matches!(sim_again.status.code(), Some(0 | 1)));
    let read = |dir: &Path| std::fs::read(dir.join("report.json")).expect("report.json");
    assert!(
        read(&again) == read(&out.join("sim-fitted")),
        "sim --set-file fit-as-run.toml differs from calibrate's sim-fitted"
    );
    let page =
        std::fs::read_to_string(out.join("sim-fitted").join("report.md")).unwrap_or_default();
    assert!(
        page.contains("## Fidelity: simulated against measured"),
        "{page}"
    );
}
