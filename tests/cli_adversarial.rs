//! The commands that take a scenario, tried with hostile input: `sim`,
//! `load`'s input checks, `sweep`, `scenarios check|show`: huge numbers,
//! negative and zero values, NaN and infinities, truncated, huge and
//! non-UTF-8 files, wrong types, deeply nested TOML. Each must exit 2 with a
//! message naming the input (the key's `file:line:column` or `--set`), never
//! panic or abort, and a refusal of a huge count must come in under a
//! second. Also: a panic ends with the bug line and exit 101. No service is
//! needed: every input here is refused before one would be used. The files
//! and commands that need a report or a shard's output are in
//! `cli_adversarial_files.rs`.

#[path = "adversarial/common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{hostile, refused, run, run_with, s};

#[test]
fn sim_refuses_huge_counts_quickly_and_names_the_key_and_limit() {
    let started = Instant::now();
    let o = run(&["sim", "smoke", "--set", "night.visits=1000000000"]);
    let took = started.elapsed();
    refused(
        &o,
        &["night.visits", "50000 visits", "TB", "ALERTSIM_ALLOW_LARGE"],
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    for (set, key) in [
        ("night.detectors=4000000000", "night.detectors"),
        ("night.active_detectors=9000", "night.active_detectors"),
        ("kafka.partitions=4000000000", "kafka.partitions"),
        ("kafka.brokers=4000000000", "kafka.brokers"),
        ("scaler.max_replicas=4000000000", "scaler.max_replicas"),
        ("workers.encode_sample=4000000000", "workers.encode_sample"),
        ("chaos.faults_per_hour=1e12", "chaos.faults_per_hour"),
        ("night.visit_interval_s=1e12", "night.visit_interval_s"),
        ("night.drain_limit_s=1e300", "night.drain_limit_s"),
        ("night.alerts_per_visit.max=1e15", "night.alerts_per_visit"),
        ("night.visits=-1", "night.visits"),
        ("night.visits=0", "night.visits"),
        ("night.visits=\"many\"", "night.visits"),
        ("night.visits=18446744073709551616", "night.visits"),
        ("night.visit_interval_s=nan", "night.visit_interval_s"),
        ("night.visit_interval_s=inf", "night.visit_interval_s"),
        ("night.exposure_s=-inf", "night.exposure_s"),
        (
            "night.galactic_plane_fraction=nan",
            "night.galactic_plane_fraction",
        ),
        ("consumers.0.throughput_alerts_per_s=0", "consumers.0"),
    ] {
        let o = run(&["sim", "smoke", "--set", set]);
        refused(&o, &[key]);
    }
}

#[test]
fn sim_refuses_hostile_overlays_with_their_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    let with_overlay = |path: &std::path::Path| run(&["sim", "smoke", "--set-file", s(path)]);
    refused(&with_overlay(&h.sparse), &["sparse.bin", "limit"]);
    refused(&with_overlay(&h.binary), &["binary.bin", "UTF-8"]);
    refused(
        &with_overlay(&dir.path().join("absent.toml")),
        &["absent.toml"],
    );
    let syntax = dir.path().join("syntax.toml");
    std::fs::write(&syntax, "[kafka]\nbroker_bandwidth_mbps = = 1\n").expect("w");
    refused(&with_overlay(&syntax), &["syntax.toml:2:"]);
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        "[kafka]\n\nproduce_latency_ms = { kind = \"lognormal\", mean = -5.0, std_dev = 1.0 }\n",
    )
    .expect("w");
    refused(
        &with_overlay(&wrong),
        &["wrong.toml line 3", "kafka.produce_latency_ms"],
    );
}

#[test]
fn sim_refuses_hostile_scenario_files_with_their_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    refused(&run(&["sim", s(&h.sparse)]), &["sparse.bin", "limit"]);
    let o = run(&["sim", s(&h.deep_toml)]);
    refused(&o, &["deep.toml:1:"]);
    let o = run(&["sim", s(&h.binary)]);
    refused(&o, &["binary.bin", "UTF-8"]);
    let truncated = dir.path().join("truncated.toml");
    std::fs::write(
        &truncated,
        "[night]\nvisits = 5\nalerts_per_visit = { kind = ",
    )
    .expect("w");
    refused(&run(&["sim", s(&truncated)]), &["truncated.toml:3:"]);
    let unbounded = dir.path().join("unbounded.toml");
    std::fs::write(
        &unbounded,
        "[night]\nvisits = 5\nalerts_per_visit = { kind = \"exponential\", mean = 100 }\n",
    )
    .expect("w");
    refused(
        &run(&["sim", s(&unbounded)]),
        &["unbounded.toml:3:1", "night.alerts_per_visit", "max"],
    );
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "[night]\nvisits = 4000000000\n").expect("w");
    refused(&run(&["sim", s(&huge)]), &["huge.toml:2:1", "night.visits"]);
    refused(&run(&["sim", "no-such-scenario"]), &["no-such-scenario"]);
}

#[test]
fn load_refuses_bad_inputs_before_starting_any_service() {
    for (args, names) in [
        (
            vec!["load", "smoke", "--set", "night.visits=1000000000"],
            vec!["night.visits"],
        ),
        (
            vec!["load", "smoke", "--time-scale", "nan"],
            vec!["--time-scale"],
        ),
        (
            vec!["load", "smoke", "--time-scale", "0"],
            vec!["--time-scale"],
        ),
        (
            vec!["load", "smoke", "--time-scale", "inf"],
            vec!["--time-scale"],
        ),
        (vec!["load", "smoke", "--shard", "3/2"], vec!["3/2"]),
        (vec!["load", "smoke", "--shard", "0/0"], vec!["0/0"]),
        (
            vec!["load", "smoke", "--shard", "0/99999999999"],
            vec!["99999999999"],
        ),
        // Ten million alerts into the in-process broker, which keeps them all.
        (vec!["load", "rubin-night"], vec!["night.visits", "--kafka"]),
    ] {
        let started = Instant::now();
        refused(&run(&args), &names);
        assert!(started.elapsed() < Duration::from_secs(5), "{args:?}");
    }
}

#[test]
fn sweep_refuses_huge_ranges_points_and_threads() {
    for (args, names) in [
        (
            vec!["sweep", "smoke", "--vary", "night.visits=1..1000000000:1"],
            vec!["night.visits", "100000"],
        ),
        (
            vec![
                "sweep",
                "smoke",
                "--vary",
                "night.visits=1000000000..1000000000:1",
            ],
            vec!["night.visits", "50000 visits"],
        ),
        (
            vec!["sweep", "smoke", "--vary", "night.visits=nan..5:1"],
            vec!["night.visits"],
        ),
        (
            vec!["sweep", "smoke", "--vary", "night.visits=1..5:0"],
            vec!["night.visits"],
        ),
        (
            vec![
                "sweep",
                "smoke",
                "--vary",
                "night.visits=1..5:1",
                "--jobs",
                "0",
            ],
            vec!["--jobs"],
        ),
        (
            vec![
                "sweep",
                "smoke",
                "--vary",
                "night.visits=1..5:1",
                "--jobs",
                "100000000",
            ],
            vec!["--jobs", "1024"],
        ),
    ] {
        refused(&run(&args), &names);
    }
}

#[test]
fn scenarios_check_and_show_refuse_hostile_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    refused(
        &run(&["scenarios", "check", s(&h.deep_toml)]),
        &["deep.toml"],
    );
    refused(&run(&["scenarios", "check", s(&h.binary)]), &["binary.bin"]);
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "[kafka]\npartitions = 4294967295\n").expect("w");
    refused(
        &run(&["scenarios", "check", s(&huge)]),
        &["huge.toml:2:1", "kafka.partitions"],
    );
    refused(&run(&["scenarios", "show", "no-such"]), &["no-such"]);
    refused(&run(&["scenarios", "show", s(&h.binary)]), &["binary.bin"]);
}

#[test]
fn a_panic_ends_with_a_bug_line_and_exit_101() {
    let o = run_with(
        &["scenarios", "list"],
        b"",
        &[("ALERTSIM_PANIC_FOR_TEST", "1")],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(101), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.contains("this is a bug in alertsim"), "{stderr}");
    assert!(last.contains(env!("CARGO_PKG_VERSION")), "{stderr}");
    assert!(last.contains("scenarios list"), "{stderr}");
}
