//! `alertsim load` on both brokers, and the broker faults done for real to
//! a local Apache Kafka 4.1.0 cluster (`--engine kafka`: 3 brokers, a
//! controller, the topic at 45 partitions, RF 3, min ISR 2; each run starts
//! its own cluster, because its faults kill that cluster's brokers).
//! The smoke run delivers every alert on either broker; one broker of three
//! SIGKILLed loses nothing under `safe` (acks=all, min ISR 2) and the run
//! measures what `rubin` loses to its 1.2 s delivery timeout during the
//! election; every broker down loses alerts under `rubin` and none under
//! `safe`; a stalled broker (SIGSTOP) and lost partition leaders (their
//! leaders killed) are done and recorded in load-info.json.

#[path = "support/load_run.rs"]
mod load_run;

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");
/// smoke: 5 visits x 20 detectors x 50 alerts.
const SMOKE_ALERTS: u64 = 5 * 20 * 50;

/// One load run at a time: each starts four JVMs, a redis-server and Jobs
/// on a two-core machine.
static ONE_RUN_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_run_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_RUN_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The smoke scenario with `faults` (TOML `[[faults]]` tables) appended.
fn smoke_with(dir: &Path, name: &str, faults: &str) -> PathBuf {
    let smoke = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/catalog/smoke.toml");
    let mut text = std::fs::read_to_string(&smoke).expect("smoke.toml");
    text = text.replacen("name = \"smoke\"", &format!("name = \"{name}\""), 1);
    text.push('\n');
    text.push_str(faults);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("scenario written");
    path
}

/// Runs `alertsim load` to its end; returns (report.json, load-info.json).
fn load(scenario: &str, out: &Path, extra: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let output = Command::new(BIN)
        .args(["load", scenario, "--time-scale", "10", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("alertsim load runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    load_run::assert_ran_to_end(output.status.code(), out, &output.stderr);
    eprintln!("--- alertsim load {scenario} {extra:?}\n{stdout}");
    (
        json(&out.join("report.json")),
        json(&out.join("load-info.json")),
    )
}

fn alerts(report: &serde_json::Value, field: &str) -> u64 {
    report["alerts"][field].as_u64().unwrap_or(u64::MAX)
}

fn smoke_delivers_every_alert(engine: &str) {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("smoke");
    let (r, info) = load(
        "smoke",
        &out,
        &["--engine", engine, "--set", "publisher.profile=safe"],
    );
    let expected = load_run::expected_produced(&r, &info, SMOKE_ALERTS);
    assert_eq!(alerts(&r, "produced"), expected);
    assert_eq!(alerts(&r, "delivered"), expected);
    assert_eq!(alerts(&r, "lost"), 0);
    for consumer in r["consumers"].as_array().into_iter().flatten() {
        assert_eq!(consumer["received"].as_u64(), Some(expected), "{consumer}");
    }
    let local = info["local_services"].to_string();
    let expected = if engine == "kafka" {
        "kafka-cluster"
    } else {
        "\"kafka\""
    };
    assert!(local.contains(expected), "{local}");
}

#[test]
fn smoke_delivers_every_alert_on_the_embedded_broker() {
    smoke_delivers_every_alert("tansu");
}

#[test]
fn smoke_delivers_every_alert_on_the_kafka_cluster() {
    smoke_delivers_every_alert("kafka");
}

/// The one fault of a run as load-info.json records it.
fn the_fault(info: &serde_json::Value) -> &serde_json::Value {
    let faults = info["faults"].as_array().expect("faults listed");
    assert_eq!(faults.len(), 1, "{faults:?}");
    &faults[0]
}

fn fault_run(
    name: &str,
    faults: &str,
    profile: &str,
    extra: &[&str],
) -> (serde_json::Value, serde_json::Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = smoke_with(dir.path(), name, faults);
    let out = dir.path().join("out");
    let mut args = vec![
        "--engine".to_owned(),
        "kafka".to_owned(),
        "--set".to_owned(),
        format!("publisher.profile={profile}"),
        "--set".to_owned(),
        "kafka.brokers=3".to_owned(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    load(&scenario.display().to_string(), &out, &args)
}

const ONE_BROKER_KILLED: &str =
    "[[faults]]\nkind = \"broker_outage\"\nat_s = 40\nduration_s = 200\nbrokers = 1\n";
/// Ten minutes without any broker (issue 17's drill): every visit of
/// `smoke` publishes inside it.
const ALL_BROKERS_DOWN: &str =
    "[[faults]]\nkind = \"broker_outage\"\nat_s = 40\nduration_s = 600\nbrokers = 3\n";

#[test]
fn one_broker_of_three_killed_loses_nothing_under_safe_and_rubin_losses_are_measured() {
    let _turn = one_run_at_a_time();
    let (safe, info) = fault_run("one-broker-killed", ONE_BROKER_KILLED, "safe", &[]);
    let fault = the_fault(&info);
    assert_eq!(fault["applied"], true, "{fault}");
    let note = fault["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("1 of 3 brokers") && note.contains("SIGKILL"),
        "{note}"
    );
    assert_eq!(
        alerts(&safe, "lost"),
        0,
        "safe loses nothing: {}",
        safe["alerts"]
    );
    assert_eq!(
        alerts(&safe, "delivered"),
        load_run::expected_produced(&safe, &info, SMOKE_ALERTS)
    );

    let (rubin, info) = fault_run("one-broker-killed", ONE_BROKER_KILLED, "rubin", &[]);
    assert_eq!(the_fault(&info)["applied"], true);
    let lost = alerts(&rubin, "lost");
    assert_eq!(
        alerts(&rubin, "delivered") + lost,
        load_run::expected_produced(&rubin, &info, SMOKE_ALERTS),
        "{}",
        rubin["alerts"]
    );
    eprintln!(
        "one broker of three SIGKILLed: safe lost 0; rubin lost {lost} of {SMOKE_ALERTS}; {}",
        the_fault(&info)["note"]
    );
}

#[test]
fn every_broker_down_loses_alerts_under_rubin_and_none_under_safe() {
    let _turn = one_run_at_a_time();
    let (rubin, info) = fault_run("all-brokers-down", ALL_BROKERS_DOWN, "rubin", &[]);
    let note = the_fault(&info)["note"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(note.contains("all 3 brokers"), "{note}");
    assert!(
        alerts(&rubin, "lost") > 0,
        "rubin loses: {}",
        rubin["alerts"]
    );

    let (safe, info) = fault_run("all-brokers-down", ALL_BROKERS_DOWN, "safe", &[]);
    assert_eq!(the_fault(&info)["applied"], true);
    assert_eq!(
        alerts(&safe, "lost"),
        0,
        "safe loses nothing: {}",
        safe["alerts"]
    );
    assert_eq!(
        alerts(&safe, "delivered"),
        load_run::expected_produced(&safe, &info, SMOKE_ALERTS)
    );
    eprintln!(
        "every broker down 600 scenario s: rubin lost {} of {SMOKE_ALERTS}, safe lost 0 (replayed {})",
        alerts(&rubin, "lost"),
        info["replay"]["delivered"]
    );
}

#[test]
fn a_stalled_broker_and_lost_partition_leaders_are_done_for_real() {
    let _turn = one_run_at_a_time();
    let (safe, info) = fault_run(
        "stalled-broker",
        ONE_BROKER_KILLED,
        "safe",
        &["--broker-down", "stop"],
    );
    let note = the_fault(&info)["note"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        note.contains("SIGSTOP") && note.contains("SIGCONT"),
        "{note}"
    );
    assert_eq!(alerts(&safe, "lost"), 0, "{}", safe["alerts"]);
    eprintln!("stalled broker: {note}");

    let leadership = "[[faults]]\nkind = \"partition_leadership_lost\"\nat_s = 40\nduration_s = 200\npartitions = 5\n";
    let (safe, info) = fault_run("leaders-lost", leadership, "safe", &[]);
    let fault = the_fault(&info);
    let note = fault["note"].as_str().unwrap_or_default().to_owned();
    assert_eq!(fault["applied"], true, "{note}");
    assert!(
        note.contains("chosen") && note.contains("live broker"),
        "{note}"
    );
    assert_eq!(alerts(&safe, "lost"), 0, "{}", safe["alerts"]);
    eprintln!("partition leadership lost: {note}");
}
