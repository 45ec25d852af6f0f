//! The models the engine composes around the core's production code: the
//! night, the Redis stream and its CPU, Kubernetes, Kafka (with partition
//! leadership and replica placement) and its readers, and the schema
//! registry's availability and ids.

pub mod archive;
pub mod broker_health;
pub mod kafka;
pub mod kube;
pub mod leadership;
pub mod placement;
pub mod readers;
pub mod redis;
pub mod redis_cpu;
pub mod registry;

/// The night's schedule is the plan's (both drivers draw the same visits).
pub use alertsim_plan::night;
