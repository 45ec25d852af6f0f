//! One way to open a Redis connection in a load run. The redis crate's
//! default 500 ms response timeout turns a busy machine into spurious
//! Redis failures (lost fan-out visits, failed workers); a load run waits
//! longer and leaves outages to the faults that cause them. A worker's
//! connection reconnects after a break, as Rubin's client does.

use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};

/// How long a command may wait for its answer.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A multiplexed connection to the Redis at `url`.
pub async fn connect(url: &str) -> Result<MultiplexedConnection, redis::RedisError> {
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECT_TIMEOUT));
    redis::Client::open(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// A connection that reconnects after it breaks, for a worker: Rubin's
/// worker (redis-py) opens a new connection for the command it retries
/// after `REDIS_RETRY_DELAY`, so a Redis that was restarted in the
/// meantime is met again. The command that met the break still fails
/// (the worker machine decides what that means); the next one goes out on
/// a new connection.
pub async fn connect_reconnecting(url: &str) -> Result<ConnectionManager, redis::RedisError> {
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECT_TIMEOUT));
    redis::Client::open(url)?
        .get_connection_manager_with_config(config)
        .await
}
