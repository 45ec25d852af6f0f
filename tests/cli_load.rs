//! `alertsim load` and `alertsim merge` as a user runs them, on the
//! embedded services (each process starts its own broker, redis-server and
//! registry): three shards merged give the whole scenario's totals; Ctrl-C
//! leaves a partial report and a second Ctrl-C quits at once (exit 130, no
//! report, no service left running); bad input exits 2 naming what is wrong;
//! `--metrics-listen` serves counters that move while the run goes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "support/load_run.rs"]
mod load_run;
#[path = "support/openmetrics.rs"]
mod openmetrics;

use load_run::assert_ran_to_end;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Load runs take this lock so that they run one at a time: each starts a
/// broker, a redis-server and a registry (and `--jobs process` dozens of
/// worker processes), and several at once overload two cores past the
/// scenario's drain limit.
static ONE_RUN_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_run_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    // A test that failed while holding the lock leaves nothing to repair.
    ONE_RUN_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// smoke: 5 visits x 20 detectors x 50 alerts.
const SMOKE_ALERTS: u64 = 5 * 20 * 50;

fn alertsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("alertsim runs")
}

fn report(dir: &Path) -> serde_json::Value {
    load_run::json_in(dir, "report.json")
}

fn count(report: &serde_json::Value, field: &str) -> u64 {
    report["alerts"][field].as_u64().unwrap_or(u64::MAX)
}

#[test]
fn three_shards_merge_into_the_whole_scenario() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut outs = Vec::new();
    let mut per_shard = Vec::new();
    // One shard after another: shards stand for separate machines, and
    // three runs with their own broker, redis-server and registry at once
    // on two cores time out each other's services.
    for i in 0..3 {
        let out = dir.path().join(format!("shard-{i}"));
        let done = Command::new(BIN)
            .args(["load", "smoke", "--time-scale", "10", "--shard"])
            .arg(format!("{i}/3"))
            .args(["--set", "publisher.profile=safe", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("alertsim load runs");
        assert_ran_to_end(done.status.code(), &out, &done.stderr);
        let r = report(&out);
        // Detectors 0..20 split 7/7/6 between the shards, 50 alerts each.
        let planned = 5 * if i < 2 { 7 } else { 6 } * 50;
        let expected = load_run::expected_produced(&r, &load_info(&out), planned);
        let stderr = String::from_utf8_lossy(&done.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
        assert_eq!(
            count(&r, "produced"),
            expected,
            "shard {i}, last log lines, newest first:\n{}",
            tail.join("\n")
        );
        per_shard.push(expected);
        outs.push(out);
    }

    // A shard given twice, or one left out, is refused before merging.
    let shard_dirs = |picks: &[usize]| -> Vec<String> {
        let mut args = vec!["merge".to_owned()];
        args.extend(picks.iter().map(|&i| outs[i].display().to_string()));
        args.extend([
            "--out".to_owned(),
            dir.path().join("refused").display().to_string(),
        ]);
        args
    };
    for (picks, named) in [(&[0, 1, 1, 2][..], "1/3"), (&[0, 2][..], "1/3")] {
        let args = shard_dirs(picks);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = alertsim(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{picks:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{picks:?} should name {named}: {stderr}"
        );
        assert!(!dir.path().join("refused").join("report.json").exists());
    }

    let merged = dir.path().join("merged");
    let mut args = vec!["merge".to_owned()];
    args.extend(outs.iter().map(|o| o.display().to_string()));
    args.extend(["--out".to_owned(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = alertsim(&args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "merge: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let r = report(&merged);
    let whole: u64 = per_shard.iter().sum();
    assert_eq!(count(&r, "produced"), whole);
    assert_eq!(count(&r, "delivered"), whole);
    assert_eq!(count(&r, "lost"), 0);
    assert_eq!(r["visits"].as_u64(), Some(5));
    for consumer in r["consumers"].as_array().into_iter().flatten() {
        assert_eq!(consumer["received"].as_u64(), Some(whole), "{consumer}");
    }
    assert!(merged.join("recorder.json").exists());
    assert!(merged.join("report.html").exists());
}

/// `alertsim load smoke` at time scale 2 into `out`, stderr piped (its
/// progress lines say when the run is under way), to be interrupted.
fn spawn_smoke(out: &Path, stdout: Stdio) -> std::process::Child {
    Command::new(BIN)
        .args(["load", "smoke", "--time-scale", "2", "--out"])
        .arg(out)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("alertsim load starts")
}

#[test]
fn ctrl_c_stops_the_run_and_writes_a_partial_report() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("load");
    let mut child = spawn_smoke(&out, Stdio::piped());
    // The first progress line (stderr is not a terminal) comes once the
    // services are up and the first sample is taken: interrupt then.
    let stderr = child.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("load: "))
        .expect("a progress line before the end");
    assert!(first.contains("visits"), "{first}");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let done = child.wait_with_output().expect("alertsim load ends");
    assert_eq!(done.status.code(), Some(1), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("partial")),
        "says the reports are partial: {rest:?}"
    );
    let r = report(&out);
    assert_eq!(r["partial"], serde_json::Value::Bool(true));
    assert!(count(&r, "produced") < SMOKE_ALERTS, "stopped early");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap_or_default();
    assert!(md.contains("Partial report"));
}

/// The processes whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let parent_of = |stat: &str| -> Option<u32> {
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let mut children: Vec<u32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|stat| parent_of(&stat))
                == Some(pid)
        })
        .collect();
    children.sort_unstable();
    children
}

/// Whether `pid` still runs (a zombie waiting to be reaped does not).
fn runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_owned();
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

#[test]
fn a_second_ctrl_c_quits_at_once_with_exit_130_and_no_report() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("load");
    let mut child = spawn_smoke(&out, Stdio::null());
    let pid = child.id();
    let interrupt = || {
        let status = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    };
    let stderr = child.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    // Running: the first progress line comes once the services are up.
    let first = lines.by_ref().find(|l| l.starts_with("load: "));
    assert!(first.is_some(), "a progress line before the end");
    interrupt();
    // The first Ctrl-C is heard: the run winds down towards a partial report.
    let stopping = lines.by_ref().find(|l| l.starts_with("stopping: "));
    assert!(
        stopping.is_some_and(|l| l.contains("Ctrl-C again")),
        "the first Ctrl-C says a second one quits"
    );
    // Its services (redis-server) must not outlive it.
    let services = children_of(pid);
    interrupt();
    let sent = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rest: Vec<String> = lines.collect();
        let _ = tx.send((child.wait(), rest));
    });
    // Generous for a busy machine; winding down the smoke night at time
    // scale 2 takes far longer than a quit.
    let Ok((status, rest)) = rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("alertsim load still runs 30 s after the second Ctrl-C");
    };
    let quit_s = sent.elapsed().as_secs_f64();
    let status = status.expect("alertsim load ends");
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("quit: no report written")),
        "{rest:?}"
    );
    assert!(
        !out.join("report.json").exists(),
        "no report after a quit ({quit_s:.1} s)"
    );
    let left: Vec<u32> = services.into_iter().filter(|&p| runs(p)).collect();
    assert!(
        left.is_empty(),
        "processes left running after the quit: {left:?}"
    );
}

#[test]
fn bad_input_exits_2_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 4] = [
        (&["load", "no-such-scenario"], "no-such-scenario"),
        (&["load", "smoke", "--shard", "3/3"], "3/3"),
        (&["load", "smoke", "--time-scale", "0"], "--time-scale"),
        (&["merge", "/nonexistent/shard"], "/nonexistent/shard"),
    ];
    for (args, named) in cases {
        let output = alertsim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} should name {named}: {stderr}"
        );
    }
    // A directory from another scenario does not merge with smoke's.
    let sim = dir.path().join("sim");
    let ran = alertsim(&["sim", "smoke", "--out", &sim.display().to_string()]);
    assert_eq!(ran.status.code(), Some(0), "sim smoke passes its gates");
    assert!(sim.join("report.json").is_file());
    let output = alertsim(&["merge", &sim.display().to_string()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("load-info.json"),
        "a sim output is not a load shard: {stderr}"
    );
}

fn load_info(dir: &Path) -> serde_json::Value {
    load_run::json_in(dir, "load-info.json")
}

/// `alertsim load` with `extra` arguments on `scenario`, reports in `out`;
/// asserts it ran to its end (gates may fail, or be inconclusive, at a
/// high time scale).
fn load_to_end(scenario: &str, out: &Path, extra: &[&str]) {
    let output = Command::new(BIN)
        .args(["load", scenario, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("alertsim load runs");
    assert_ran_to_end(output.status.code(), out, &output.stderr);
}

#[test]
fn jobs_as_child_processes_run_the_whole_scenario() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("process");
    load_to_end(
        "smoke",
        &out,
        &[
            "--time-scale",
            "10",
            "--jobs",
            "process",
            "--set",
            "publisher.profile=safe",
        ],
    );
    let info = load_info(&out);
    assert_eq!(info["jobs"], "process");
    assert_eq!(info["workers_unreported"], serde_json::json!([]));
    // Rubin's fixed id, imported into the run's empty registry as the sync
    // job does; the worker processes compute it.
    assert_eq!(
        info["schema_id"],
        serde_json::json!({
            "deterministic_ids": true,
            "id": 1100,
            "version": "11.0",
            "subjects": ["alert-packet", "lsst-alerts-v11.0-value"],
            "registry_action": "imported"
        })
    );
    let r = report(&out);
    assert!(r.get("partial").is_none(), "not partial: {}", r["partial"]);
    // What the worker processes produced and delivered came back to the
    // run through their recorders, and matches what the consumers read.
    let expected = load_run::expected_produced(&r, &info, SMOKE_ALERTS);
    assert_eq!(count(&r, "produced"), expected);
    assert_eq!(count(&r, "delivered"), expected);
    assert_eq!(count(&r, "lost"), 0);
    for consumer in r["consumers"].as_array().into_iter().flatten() {
        assert_eq!(consumer["received"].as_u64(), Some(expected), "{consumer}");
    }
    let jobs = &r["jobs"];
    assert!(jobs["created"].as_u64().unwrap_or(0) > 0, "{jobs}");
    assert!(jobs["busy_pod_s"].as_f64().unwrap_or(0.0) > 0.0, "{jobs}");
    assert!(
        r["throughput"]["peak_alerts_per_s"].as_f64().unwrap_or(0.0) > 0.0,
        "the workers' deliveries are in the series: {}",
        r["throughput"]
    );
}

#[test]
fn without_deterministic_ids_the_run_writes_the_assigned_id_and_says_so() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("assigned");
    load_to_end(
        "smoke",
        &out,
        &[
            "--time-scale",
            "20",
            "--set",
            "schema_registry.deterministic_ids=false",
            "--set",
            "publisher.profile=safe",
        ],
    );
    // The run's own registry is empty: the schema gets id 1.
    assert_eq!(
        load_info(&out)["schema_id"],
        serde_json::json!({
            "deterministic_ids": false,
            "id": 1,
            "version": "11.0",
            "subjects": ["alert-packet"],
            "registry_action": "registered"
        })
    );
    let r = report(&out);
    assert_eq!(
        count(&r, "delivered"),
        load_run::expected_produced(&r, &load_info(&out), SMOKE_ALERTS)
    );
}

#[test]
fn a_crash_fault_kills_child_process_workers_mid_detector() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let smoke = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/catalog/smoke.toml"),
    )
    .expect("smoke.toml");
    let scenario = dir.path().join("smoke-crash.toml");
    std::fs::write(
        &scenario,
        format!("{smoke}\n[[faults]]\nkind = \"worker_crash\"\nat_s = 120\npods = 3\n"),
    )
    .expect("scenario written");
    let out = dir.path().join("crash");
    load_to_end(
        &scenario.to_string_lossy(),
        &out,
        &["--time-scale", "10", "--jobs", "process"],
    );
    let info = load_info(&out);
    let fault = &info["faults"][0];
    assert_eq!(fault["kind"], "worker_crash");
    assert_eq!(fault["applied"], serde_json::Value::Bool(true), "{fault}");
    let crashed: u64 = fault["note"]
        .as_str()
        .and_then(|note| note.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(crashed >= 1, "a busy worker was crashed: {fault}");
    let r = report(&out);
    assert_eq!(r["recovery"][0]["fault"], "worker_crash");
    // Every alert handed to a producer is accounted for: delivered, or lost
    // with a crashed worker (whose records still came back).
    assert_eq!(
        count(&r, "produced"),
        count(&r, "delivered") + count(&r, "lost")
    );
    assert_eq!(info["workers_unreported"], serde_json::json!([]));
}

#[test]
fn kubernetes_jobs_need_services_the_pods_can_reach() {
    let no_image = alertsim(&["load", "smoke", "--jobs", "kubernetes"]);
    assert_eq!(no_image.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_image.stderr).contains("--image"));
    let local = alertsim(&[
        "load",
        "smoke",
        "--jobs",
        "kubernetes",
        "--image",
        "alertsim:dev",
    ]);
    assert_eq!(local.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&local.stderr);
    assert!(
        stderr.contains("--kafka, --redis and --registry"),
        "{stderr}"
    );
}

/// `alertsim worker --load-run` with `$ALERTSIM_LOAD_RUN` set to `spec`
/// (or unset); the services named are never reached.
fn load_run_worker(spec: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command.args([
        "worker",
        "--redis",
        "redis://127.0.0.1:1",
        "--kafka",
        "127.0.0.1:1",
        "--registry",
        "http://127.0.0.1:1",
        "--load-run",
    ]);
    match spec {
        Some(value) => command.env("ALERTSIM_LOAD_RUN", value),
        None => command.env_remove("ALERTSIM_LOAD_RUN"),
    };
    command.output().expect("alertsim worker runs")
}

#[test]
fn a_load_run_worker_needs_its_run() {
    for spec in [None, Some("{\"format\":\"something-else\"}")] {
        let output = load_run_worker(spec);
        assert_eq!(output.status.code(), Some(2), "{spec:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("ALERTSIM_LOAD_RUN"), "{spec:?}: {stderr}");
    }
}

/// Reads a child's stderr on a thread of its own, a line at a time.
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Scrapes `http://{addr}/metrics` until `ready` holds of the samples
/// (each scrape checked as OpenMetrics), or panics at `deadline`.
fn scrape_until(
    addr: &str,
    deadline: Instant,
    ready: impl Fn(&[openmetrics::Sample]) -> bool,
) -> Vec<openmetrics::Sample> {
    loop {
        assert!(Instant::now() < deadline, "{addr}/metrics never got there");
        // Until the run has started its services the connection waits
        // unanswered; a timed-out scrape is tried again. A refused one
        // means the run is over (the socket is bound before it starts).
        let scraped = openmetrics::get(addr, "/metrics");
        if let Err(e) = &scraped {
            assert!(
                e.kind() != std::io::ErrorKind::ConnectionRefused,
                "{addr}/metrics: the run ended first: {e}"
            );
        }
        if let Ok((head, body)) = scraped {
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(
                head.to_ascii_lowercase()
                    .contains("content-type: application/openmetrics-text; version=1.0.0"),
                "{head}"
            );
            let samples = openmetrics::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
            if ready(&samples) {
                return samples;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn metrics_listen_serves_counters_that_move_while_the_run_goes() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("load");
    let mut child = Command::new(BIN)
        .args(["load", "smoke", "--time-scale", "10"])
        .args(["--metrics-listen", "127.0.0.1:0", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("alertsim load starts");
    let lines = stderr_lines(&mut child);
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut seen = Vec::new();
    let addr = loop {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|e| panic!("no metrics address on stderr ({e}): {seen:?}"));
        let found = line
            .strip_prefix("metrics: serving OpenMetrics at http://")
            .and_then(|rest| rest.strip_suffix("/metrics"))
            .map(str::to_owned);
        seen.push(line);
        if let Some(addr) = found {
            break addr;
        }
    };
    assert!(
        !addr.ends_with(":0"),
        "the port bound, not the one asked: {addr}"
    );

    let value = openmetrics::value;
    let first = scrape_until(&addr, deadline, |s| {
        value(s, "alertsim_alerts_handed_total") > 0.0
    });
    let acked = value(&first, "alertsim_alerts_acknowledged_total");
    let second = scrape_until(&addr, deadline, |s| {
        value(s, "alertsim_alerts_acknowledged_total") > acked
    });
    let acked_then = value(&second, "alertsim_alerts_acknowledged_total");
    assert!(
        value(&second, "alertsim_alerts_handed_total")
            >= value(&first, "alertsim_alerts_handed_total")
    );
    for gauge in [
        "alertsim_alerts_in_flight",
        "alertsim_stream_lag",
        "alertsim_jobs_running",
        "alertsim_jobs_pending",
        "alertsim_pods_busy",
        "alertsim_alerts_lost_total",
    ] {
        assert!(value(&second, gauge) >= 0.0, "{gauge}");
    }
    // The latency histogram holds at least the acknowledgements counted
    // (the counter is read before the recorder), all in its last bucket.
    let count = value(&second, "alertsim_alert_latency_seconds_count");
    assert!(count >= acked_then, "{count} < {acked_then}");
    let inf = openmetrics::named(&second, "alertsim_alert_latency_seconds_bucket")
        .into_iter()
        .find(|s| s.labels.get("le").is_some_and(|le| le == "+Inf"))
        .map(|s| s.value);
    assert_eq!(inf, Some(count));
    let readers: Vec<&str> = openmetrics::named(&second, "alertsim_reader_lag")
        .iter()
        .filter_map(|s| s.labels.get("reader").map(String::as_str))
        .collect();
    assert_eq!(readers, ["community-1", "community-2"]);
    assert!(
        second
            .iter()
            .all(|s| s.labels.get("scenario").is_some_and(|n| n == "smoke")),
        "every series is labelled with the scenario"
    );

    // The rest of stderr arrives until the run exits.
    seen.extend(lines.iter());
    let status = child.wait().expect("alertsim load ends");
    assert_ran_to_end(status.code(), &out, seen.join("\n").as_bytes());
    assert_eq!(load_info(&out)["metrics_listen"], addr.as_str());
}

#[test]
fn a_bad_or_taken_metrics_address_exits_2_before_the_run_starts() {
    let _turn = one_run_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("load");
    let out = out.to_str().unwrap_or_default();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to take");
    let taken = taken.local_addr().expect("its address").to_string();
    for (addr, named) in [
        (taken.as_str(), taken.as_str()),
        ("127.0.0.1", "--metrics-listen"),
        ("localhost:9464", "--metrics-listen"),
    ] {
        let started = Instant::now();
        let output = alertsim(&["load", "smoke", "--metrics-listen", addr, "--out", out]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{addr}: {stderr}");
        assert!(
            stderr.contains(named),
            "{addr} should name {named}: {stderr}"
        );
        assert!(
            !Path::new(out).exists() && started.elapsed() < Duration::from_secs(10),
            "{addr}: the run started"
        );
    }
}
