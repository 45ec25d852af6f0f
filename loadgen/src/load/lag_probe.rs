//! Reads the stream's lag the way KEDA's Redis Streams scaler does, over a
//! connection that is opened lazily and reopened after any failure (Redis
//! may be paused or restarted by a fault while the run goes on).

use std::time::Duration;

use alertsim_core::scaler::lag::StreamQuery;
use alertsim_drivers::lag::read_metric;
use redis::aio::MultiplexedConnection;

/// Why a lag reading is missing.
#[derive(Debug, thiserror::Error)]
pub enum LagProbeError {
    /// Redis could not be reached.
    #[error("connecting to Redis: {0}")]
    Connect(String),
    /// The query failed (the connection is dropped and reopened next time).
    #[error("reading the lag: {0}")]
    Read(String),
    /// Redis did not answer in time (for example under `CLIENT PAUSE`).
    #[error("reading the lag timed out")]
    Timeout,
}

/// One lag query against one Redis.
pub struct LagProbe {
    url: String,
    query: StreamQuery,
    conn: Option<MultiplexedConnection>,
}

impl LagProbe {
    /// A probe running `query` against the Redis at `url`.
    pub fn new(url: impl Into<String>, query: StreamQuery) -> Self {
        Self {
            url: url.into(),
            query,
            conn: None,
        }
    }

    /// The metric value KEDA would read now, waiting at most `timeout`.
    pub async fn read(&mut self, timeout: Duration) -> Result<i64, LagProbeError> {
        if self.conn.is_none() {
            let conn = tokio::time::timeout(timeout, super::redis_link::connect(&self.url))
                .await
                .map_err(|_| LagProbeError::Timeout)?
                .map_err(|e| LagProbeError::Connect(e.to_string()))?;
            self.conn = Some(conn);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(LagProbeError::Connect("no connection".into()));
        };
        match tokio::time::timeout(timeout, read_metric(conn, &self.query)).await {
            Ok(Ok(reading)) => Ok(reading.value),
            Ok(Err(e)) => {
                self.conn = None;
                Err(LagProbeError::Read(e.to_string()))
            }
            Err(_) => Err(LagProbeError::Timeout),
        }
    }
}
