//! The models the engine composes around the core's production code: the
//! night, the Redis stream, Kubernetes, Kafka and its consumers.

pub mod broker_health;
pub mod kafka;
pub mod kube;
pub mod night;
pub mod redis;
