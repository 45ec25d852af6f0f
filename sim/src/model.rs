//! The models the engine composes: the night, Redis, KEDA, Kubernetes, the
//! worker loop, Kafka and its consumers.

pub mod kafka;
pub mod kube;
pub mod night;
pub mod redis;
pub mod scaler;
pub mod worker;
