//! KEDA ScaledJob semantics: the scaling decision and the Redis Streams lag metric.

pub mod lag;
