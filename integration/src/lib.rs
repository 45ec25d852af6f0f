//! alertsim-integration: shared helpers for the integration tests in
//! `integration/tests/`, which run against real services that the tests
//! start themselves. (The `alertsim` command's own tests are in the root
//! package's `tests/cli_*.rs`.)

pub mod arms;
pub mod cases;
pub mod kafka;

use alertsim_loadgen::RedisServer;
use redis::aio::MultiplexedConnection;

/// Errors in tests are reported, not unwrapped.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A fresh redis-server and an async connection to it.
pub async fn redis_with_connection() -> TestResult<(RedisServer, MultiplexedConnection)> {
    let server = RedisServer::start()?;
    let conn = server.client()?.get_multiplexed_async_connection().await?;
    Ok((server, conn))
}

/// Runs one command given as words, e.g. `["XADD", "s", "*", "f", "v"]`.
pub async fn command<T: redis::FromRedisValue>(
    conn: &mut MultiplexedConnection,
    words: &[&str],
) -> TestResult<T> {
    let (first, rest) = words.split_first().ok_or("empty command")?;
    let mut cmd = redis::cmd(first);
    for word in rest {
        cmd.arg(*word);
    }
    Ok(cmd.query_async(conn).await?)
}

/// A visit sent now (so it is not expired), for `instrument`.
pub fn visit_now(instrument: &str, n: i64) -> alertsim_core::fanout::Visit {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    alertsim_core::fanout::Visit {
        sal_index: 3,
        script_sal_index: 5000 + n,
        instrument: instrument.into(),
        group_id: format!("visit-{n}"),
        coordinate_system: 2,
        position: [30.0 + n as f64, -20.5],
        start_time: now + 20.0,
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "i_39".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "BLOCK-365".into(),
        total_checkpoints: 0,
        private_snd_stamp: now,
    }
}
