//! `alertsim keda watch --once` against a spawned redis-server holding a
//! real consumer group: the lag it prints, KEDA's decision, the NULL lag of
//! each KEDA version, and bad flags.

use std::process::{Command, Output};

use alertsim_loadgen::RedisServer;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const STREAM: &str = "instrument:lsstcam";
const GROUP: &str = "lsstcam_consumer_group";

fn watch(server: &RedisServer, extra: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args([
            "keda",
            "watch",
            "--redis",
            &server.url(),
            "--stream",
            STREAM,
            "--group",
            GROUP,
            "--once",
        ])
        .args(extra)
        .output()
}

fn one_json_line(out: &Output) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let text = String::from_utf8(out.stdout.clone())?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one line per poll: {text}");
    Ok(serde_json::from_str(lines.first().ok_or("no line")?)?)
}

/// A stream with `entries` entries, a Rubin-style group, and `read` of them
/// delivered to a consumer.
fn stream_with_group(
    entries: usize,
    read: usize,
) -> Result<(RedisServer, redis::Connection, Vec<String>), Box<dyn std::error::Error>> {
    let server = RedisServer::start()?;
    let mut conn = server.client()?.get_connection()?;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(STREAM)
        .arg(GROUP)
        .arg("$")
        .arg("MKSTREAM")
        .query::<()>(&mut conn)?;
    let mut ids = Vec::new();
    for detector in 0..entries {
        let id: String = redis::cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("detector")
            .arg(detector)
            .query(&mut conn)?;
        ids.push(id);
    }
    if read > 0 {
        let _: redis::Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("worker-1")
            .arg("COUNT")
            .arg(read)
            .arg("STREAMS")
            .arg(STREAM)
            .arg(">")
            .query(&mut conn)?;
    }
    Ok((server, conn, ids))
}

#[test]
fn once_prints_the_group_lag_and_kedas_decision() -> TestResult {
    let (server, _conn, _) = stream_with_group(189, 10)?;
    let out = watch(&server, &["--running", "3"])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = one_json_line(&out)?;
    assert_eq!(line["metric"]["value"], 179);
    assert_eq!(line["metric"]["basis"], "group_lag");
    assert_eq!(line["active"], true);
    // Rubin's eager ScaledJob, R = min = 3, P = 0: min(maxRC - 0 - 0, 179).
    assert_eq!(line["decision"]["create"], 179);
    assert_eq!(line["keda_version"], "2.16");

    // lagCount 0: the pending count (10 delivered, none acked) instead.
    let out = watch(&server, &["--lag-count", "0", "--running", "3"])?;
    let line = one_json_line(&out)?;
    assert_eq!(line["metric"]["value"], 10);
    assert_eq!(line["metric"]["basis"], "pending");
    Ok(())
}

#[test]
fn null_lag_reads_per_keda_version() -> TestResult {
    let (server, mut conn, ids) = stream_with_group(5, 0)?;
    let _: i64 = redis::cmd("XDEL")
        .arg(STREAM)
        .arg(ids.get(2).ok_or("no id")?)
        .query(&mut conn)?;
    let old = one_json_line(&watch(&server, &["--keda-version", "2.16"])?)?;
    let new = one_json_line(&watch(&server, &["--keda-version", "current"])?)?;
    assert_eq!(
        (
            old["metric"]["value"].clone(),
            old["metric"]["basis"].clone()
        ),
        (0.into(), "null_lag".into())
    );
    assert_eq!(
        (
            new["metric"]["value"].clone(),
            new["metric"]["basis"].clone()
        ),
        ((-1).into(), "null_lag".into())
    );
    assert_eq!(new["active"], false, "a NULL lag silently stops scaling");
    Ok(())
}

#[test]
fn missing_group_falls_back_to_xlen() -> TestResult {
    let server = RedisServer::start()?;
    let mut conn = server.client()?.get_connection()?;
    for _ in 0..4 {
        let _: String = redis::cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("f")
            .arg("v")
            .query(&mut conn)?;
    }
    let line = one_json_line(&watch(&server, &[])?)?;
    assert_eq!(line["metric"]["value"], 4);
    assert_eq!(line["metric"]["basis"], "no_group_length");
    Ok(())
}

#[test]
fn bad_flags_exit_2_and_name_the_flag() -> TestResult {
    let server = RedisServer::start()?;
    for (flags, named) in [
        (vec!["--keda-version", "2.15"], "--keda-version"),
        (vec!["--interval", "0"], "--interval"),
        (vec!["--strategy", "greedy"], "--strategy"),
        (vec!["--running", "1", "--pending", "2"], "--pending"),
    ] {
        let out = watch(&server, &flags)?;
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(named), "{flags:?}: {stderr}");
    }
    Ok(())
}
