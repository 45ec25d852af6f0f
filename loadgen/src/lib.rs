//! alertsim-loadgen: runs scenarios against real services, and starts the
//! local services (redis-server, ...) that tests and embedded runs need.

pub mod redis_pipeline;
pub mod redis_server;

pub use redis_pipeline::{PipelinePlan, PipelineReport, run_pipeline};
pub use redis_server::{RedisServer, RedisServerError};
