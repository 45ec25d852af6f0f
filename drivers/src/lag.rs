//! The redis-streams trigger's metric read from a live Redis, as KEDA reads
//! it: [`live::read_metric`] issues the commands and [`reply`] decodes their
//! replies; the metric itself is computed by `alertsim_core::scaler::lag`,
//! the same functions the simulator calls on its modelled stream.

pub mod live;
pub mod reply;

pub use live::read_metric;

use alertsim_core::scaler::lag::LagError;

/// Why the metric could not be read from a live Redis.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A Redis command failed (connection, server error...).
    #[error("redis command failed: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis answered, but the answer gives no metric (version, shape, group).
    #[error(transparent)]
    Metric(#[from] LagError),
}
