//! What the load tests on a local Apache Kafka cluster share.

pub mod cluster_drill;
