//! A local Apache Kafka 4.1.0 cluster for drills and tests: the class path
//! fetched once from Maven Central and pinned ([`dist`]), the nodes' ports
//! and settings ([`layout`]), each node's JVM ([`node`]), the cluster that
//! formats, starts, waits for and drives them ([`cluster`]), replicated
//! topics ([`topic`]), and size-limited log disks for a full-disk drill
//! ([`disk`]).

pub mod cluster;
pub mod disk;
pub mod dist;
pub mod layout;
pub mod node;
pub mod topic;

pub use cluster::{BrokerInfo, KafkaCluster, KafkaClusterError, proxy_name};
pub use dist::{DistError, KAFKA_VERSION, KafkaDist};
pub use layout::ClusterConfig;
pub use topic::{
    PartitionState, TopicMetadata, TopicSpec, create_topic, leaders_blocking, partition_state,
    topic_metadata,
};
