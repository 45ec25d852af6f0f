//! alertsim-loadgen: runs scenarios against real services, and starts the
//! local services (redis-server, an in-process Kafka-protocol broker, a local
//! Apache Kafka cluster, Toxiproxy in front of its brokers) that tests and embedded runs need.

pub mod alert_processor;
#[cfg(feature = "embedded-broker")]
pub mod embedded_broker;
pub mod kafka_cluster;
pub mod load;
pub mod quit;
pub mod redis_pipeline;
pub mod redis_server;
pub mod toxiproxy;

pub use alert_processor::{AlertProcessor, ProcessorStats};
#[cfg(feature = "embedded-broker")]
pub use embedded_broker::{EmbeddedBroker, EmbeddedBrokerError};
pub use kafka_cluster::{ClusterConfig, KafkaCluster, KafkaClusterError};
pub use redis_pipeline::{PipelinePlan, PipelineReport, run_pipeline};
pub use redis_server::{RedisServer, RedisServerError};
pub use toxiproxy::{ToxiproxyError, ToxiproxyServer};
