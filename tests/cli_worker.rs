//! `alertsim worker` as a process, as a local Job or a Kubernetes Job's
//! container runs it: against a redis-server and a Kafka-protocol broker
//! started by the test, it packages every fanned-out detector and exits 0
//! when the stream stays quiet; bad flags exit 2.

use std::process::{Command, Output};

use alertsim_core::fanout::{Visit, consumer_group, fan_out, stream_key};
use alertsim_drivers::fanout::{create_group, write_events};
use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_loadgen::{EmbeddedBroker, RedisServer};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn alertsim(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(args)
        .output()
}

fn visit() -> Visit {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    Visit {
        sal_index: 3,
        script_sal_index: 5001,
        instrument: "LSSTCam".into(),
        group_id: "cli-worker-visit".into(),
        coordinate_system: 2,
        position: [30.0, -20.5],
        start_time: now,
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "BLOCK-365".into(),
        total_checkpoints: 0,
        private_snd_stamp: now,
    }
}

#[test]
fn worker_process_publishes_each_detector_and_exits_on_listen_timeout() -> TestResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let redis = RedisServer::start_tcp()?;
    let broker = runtime.block_on(async {
        let broker = EmbeddedBroker::start().await?;
        ensure_topic(&broker.bootstrap(), "lsst-alerts-v11", 2, 1).await?;
        let mut conn = redis.client()?.get_multiplexed_async_connection().await?;
        let (stream, group) = (stream_key("LSSTCam"), consumer_group("LSSTCam"));
        create_group(&mut conn, &stream, &group).await?;
        write_events(&mut conn, &fan_out(&visit(), &[1, 2, 3])).await?;
        Ok::<_, Box<dyn std::error::Error>>(broker)
    })?;
    let spool = tempfile::tempdir()?;
    let output = alertsim(&[
        "worker",
        "--redis",
        &redis.url(),
        "--kafka",
        &broker.bootstrap(),
        "--alerts-per-detector",
        "4",
        "--listen-timeout",
        "0.5",
        "--spool",
        spool.path().to_str().ok_or("utf-8 path")?,
    ])?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(line["processed"]["detectors"], 3, "{line}");
    assert_eq!(line["published"]["delivered"], 12, "{line}");
    assert_eq!(line["worker"]["reason"], "listen_timeout", "{line}");
    drop(broker);
    Ok(())
}

#[test]
fn worker_bad_flags_exit_2() -> TestResult {
    let output = alertsim(&["worker", "--redis", "not a url", "--kafka", "127.0.0.1:9"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--redis"));
    let output = alertsim(&[
        "worker",
        "--redis",
        "redis://127.0.0.1:9",
        "--kafka",
        "127.0.0.1:9",
        "--alerts-per-detector",
        "0",
    ])?;
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}
