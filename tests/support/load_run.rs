//! What a finished `alertsim load` run left behind, as the CLI tests read
//! it: its report.json and load-info.json, and whether it ran to its end.

use std::path::Path;

/// Reads `name` (a JSON file) from a run's output directory.
pub fn json_in(dir: &Path, name: &str) -> serde_json::Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts a load run ran to its end: its gates passed or failed (exit 0
/// or 1), or the generator could not keep up at this machine's speed
/// (exit 3), which its `load-info.json` must then say. The tests using
/// this check what a run does, not its latency, so an inconclusive run
/// still counts; the verdict itself is tested in
/// `loadgen/tests/load_generator_lag.rs`.
pub fn assert_ran_to_end(code: Option<i32>, out: &Path, stderr: &[u8]) {
    let stderr = String::from_utf8_lossy(stderr);
    match code {
        Some(0 | 1) => {}
        Some(3) => {
            let info = json_in(out, "load-info.json");
            assert_eq!(
                info["generator"]["verdict"]["saturated"], true,
                "exit 3 without a saturated verdict: {stderr}"
            );
            assert!(stderr.contains("inconclusive"), "{stderr}");
        }
        other => panic!("{} exited {other:?}: {stderr}", out.display()),
    }
    assert!(
        json_in(out, "report.json").get("partial").is_none(),
        "a whole run is not partial: {stderr}"
    );
    // The pages say in their first lines whether the figures measure the
    // system (report.json does not carry it).
    let page = std::fs::read_to_string(out.join("report.md")).unwrap_or_default();
    let headline = if code == Some(3) {
        "> **Inconclusive: the load generator could not keep up"
    } else {
        "> Valid: the load generator kept up"
    };
    assert!(
        page.lines().take(8).any(|l| l.starts_with(headline)),
        "report.md does not open with {headline:?}:\n{page}"
    );
}

/// Whether the run's own self-check found the load generator saturated.
pub fn saturated(info: &serde_json::Value) -> bool {
    info["generator"]["verdict"]["saturated"] == true
}

/// The alerts a run must have handed to its producers: every planned one
/// when the generator kept up. A saturated run (the machine, not the
/// system, was too slow: a stalled Redis write times out) may miss the
/// alerts of detectors that failed, but only theirs: every visit short of
/// its alerts must count a failed detector, and the visits' alerts must
/// add up to `planned`.
pub fn expected_produced(
    report: &serde_json::Value,
    info: &serde_json::Value,
    planned: u64,
) -> u64 {
    if !saturated(info) {
        return planned;
    }
    let visits = report["per_visit"].as_array().cloned().unwrap_or_default();
    let field = |v: &serde_json::Value, name: &str| v[name].as_u64().unwrap_or(u64::MAX);
    let mut produced = 0;
    let mut called_for = 0;
    for v in &visits {
        called_for += field(v, "alerts");
        produced += field(v, "produced");
        if field(v, "produced") < field(v, "alerts") {
            assert!(
                field(v, "failed_detectors") > 0,
                "a visit is short of alerts without a failed detector: {v}"
            );
        }
    }
    assert_eq!(called_for, planned, "the visits' alerts add up to the plan");
    eprintln!("saturated run: {produced} of {planned} alerts produced");
    produced
}
