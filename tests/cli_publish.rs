//! Tests of `alertsim publish` and `alertsim replay` through the built
//! binary: publishing to the in-process broker, replaying a spool to a
//! broker started by the test, the publishing benchmark (every message it
//! sent counted in the topic), and bad input (exit 2, file or flag named).

use std::process::{Command, Output};
use std::time::Duration;

use alertsim_core::alert::generate::generate;
use alertsim_core::alert::reference::reference_alert;
use alertsim_core::alert::wire::alert_message;
use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_drivers::publish::{Spool, SpoolKey};
use alertsim_loadgen::EmbeddedBroker;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn alertsim(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(args)
        .output()
}

fn json(output: &Output) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(&output.stdout)
}

#[test]
fn publish_alerts_to_the_in_process_broker_delivers_every_one() -> TestResult {
    let spool = tempfile::tempdir()?;
    let spool_dir = spool.path().to_str().ok_or("utf-8 path")?;
    let output = alertsim(&[
        "publish",
        "alerts",
        "--count",
        "40",
        "--spool",
        spool_dir,
        "--partitions",
        "3",
    ])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json(&output)?;
    assert_eq!(summary["accepted"], 40);
    assert_eq!(summary["delivered"], 40);
    assert_eq!(summary["lost"], 0);
    assert!(summary["bytes_delivered"].as_u64().unwrap_or(0) > 40 * 10_000);
    assert_eq!(Spool::open(spool.path())?.entries()?.len(), 0);
    Ok(())
}

#[test]
fn replay_delivers_a_spool_and_empties_it() -> TestResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let broker = runtime.block_on(async {
        let broker = EmbeddedBroker::start().await?;
        ensure_topic(&broker.bootstrap(), "lsst-alerts-v11", 2, 1).await?;
        Ok::<_, Box<dyn std::error::Error>>(broker)
    })?;
    let dir = tempfile::tempdir()?;
    let spool = Spool::open(dir.path())?;
    for alert in generate(6, 3)? {
        let key = SpoolKey {
            visit: 1,
            detector: 2,
            dia_source_id: alert.dia_source.dia_source_id,
        };
        spool.put(key, &alert_message(&alert), "delivery timed_out: test")?;
    }
    let spool_dir = dir.path().to_str().ok_or("utf-8 path")?;
    let output = alertsim(&["replay", spool_dir, "--kafka", &broker.bootstrap()])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json(&output)?;
    assert_eq!(
        (summary["found"].as_u64(), summary["delivered"].as_u64()),
        (Some(6), Some(6))
    );
    assert!(spool.entries()?.is_empty());
    drop(broker);
    Ok(())
}

#[test]
fn replay_names_a_file_that_is_not_a_spooled_alert_and_exits_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("7_8_9.avro"), b"\0\0\0\x04\x4c")?;
    std::fs::write(dir.path().join("stray.avro"), b"x")?;
    let spool_dir = dir.path().to_str().ok_or("utf-8 path")?;
    // Nothing listens on port 9: the name check must come before any produce.
    let output = alertsim(&["replay", spool_dir, "--kafka", "127.0.0.1:9"])?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stray.avro") && stderr.contains("VISIT_DETECTOR_DIASOURCEID"),
        "{stderr}"
    );
    assert!(dir.path().join("7_8_9.avro").exists(), "nothing removed");

    let output = alertsim(&["replay", "/nonexistent/spool", "--kafka", "127.0.0.1:9"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/spool"));
    Ok(())
}

#[test]
fn bad_publish_flags_exit_2() -> TestResult {
    let output = alertsim(&["publish", "alerts", "--count", "0"])?;
    assert_eq!(output.status.code(), Some(2));
    let output = alertsim(&["publish", "alerts", "--count", "1", "--profile", "fast"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected rubin or safe"));
    Ok(())
}

#[test]
fn publish_bench_runs_its_three_passes_and_prints_sane_figures() -> TestResult {
    use rdkafka::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};

    // A broker of the test's own, so that what the bench sent can be counted.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let broker = runtime.block_on(EmbeddedBroker::start())?;
    let bootstrap = broker.bootstrap();
    let (count, rounds) = (20, 2);
    let output = alertsim(&[
        "publish",
        "bench",
        "--kafka",
        &bootstrap,
        "--topic",
        "bench",
        "--partitions",
        "1",
        "--count",
        &count.to_string(),
        "--rounds",
        &rounds.to_string(),
    ])?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures = json(&output)?;
    assert_eq!(figures["profile"], "rubin");
    assert_eq!(figures["count"], count);
    assert_eq!(figures["rounds"], rounds);
    assert_eq!(figures["not_delivered"], 0, "{figures}");
    // Each round sends the alerts three times: all of them are in the topic.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", "cli-publish-bench-test")
        .create()?;
    let (low, high) = consumer.fetch_watermarks("bench", 0, Duration::from_secs(30))?;
    assert_eq!(high - low, 3 * count * rounds, "messages in the topic");
    // Every one is the reference alert in wire format.
    let message = alert_message(&reference_alert());
    assert_eq!(figures["alert_bytes"].as_u64(), Some(message.len() as u64));
    let rate = |name: &str| figures[name].as_f64().unwrap_or(f64::NAN);
    let [raw, preencoded, encoding] = [
        "raw_preencoded_alerts_per_s",
        "publisher_preencoded_alerts_per_s",
        "publisher_encoding_alerts_per_s",
    ]
    .map(rate);
    for r in [raw, preencoded, encoding] {
        assert!(r.is_finite() && r > 0.0, "{figures}");
    }
    let ratio = rate("encoding_vs_raw");
    assert!((ratio - encoding / raw).abs() < 1e-6 * ratio, "{figures}");
    drop(consumer);
    drop(broker);
    Ok(())
}

#[test]
fn bad_publish_bench_flags_exit_2_naming_the_flag() -> TestResult {
    for (args, named) in [
        (&["--count", "0"][..], "--count"),
        (&["--rounds", "0"][..], "--rounds"),
        (&["--profile", "fast"][..], "expected rubin or safe"),
        (&["--partitions", "0"][..], "--partitions"),
    ] {
        let mut all = vec!["publish", "bench"];
        all.extend_from_slice(args);
        let output = alertsim(&all)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} should name {named}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: no figures");
    }
    Ok(())
}
