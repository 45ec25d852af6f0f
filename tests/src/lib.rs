//! alertsim-tests: shared helpers for the integration tests in `tests/tests/`,
//! which run against real services that the tests start themselves.

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
