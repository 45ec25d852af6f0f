//! Topics on a replicated cluster: created with a replication factor and
//! `min.insync.replicas`, ready once every partition has a leader; and who
//! leads which partition and which brokers are listed (for the leadership
//! and stall faults).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;

use super::cluster::KafkaClusterError;

/// Rubin's alert topic as the drills use it: 45 partitions, 3 replicas,
/// `min.insync.replicas` 2 (FACTS: the `lsst-alerts-v11` topic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Partitions.
    pub partitions: i32,
    /// Replicas of each partition.
    pub replication: i32,
    /// `min.insync.replicas`.
    pub min_insync: i32,
}

impl TopicSpec {
    /// `name` with 45 partitions, RF 3, min ISR 2.
    pub fn alerts(name: &str) -> Self {
        TopicSpec {
            name: name.to_owned(),
            partitions: 45,
            replication: 3,
            min_insync: 2,
        }
    }
}

/// Local errors of a request that a second attempt can get past.
fn is_transient(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::DestroyBroker
            | RDKafkaErrorCode::BrokerDestroy
            | RDKafkaErrorCode::BrokerTransportFailure
            | RDKafkaErrorCode::AllBrokersDown
            | RDKafkaErrorCode::OperationTimedOut
            | RDKafkaErrorCode::RequestTimedOut
    )
}

fn client_err(e: impl std::fmt::Display) -> KafkaClusterError {
    KafkaClusterError::Client(e.to_string())
}

/// Creates the topic (an existing one is left as it is) and waits until
/// every partition has a leader.
pub async fn create_topic(bootstrap: &str, spec: &TopicSpec) -> Result<(), KafkaClusterError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(client_err)?;
    let min_isr = spec.min_insync.to_string();
    let new = NewTopic::new(
        &spec.name,
        spec.partitions,
        TopicReplication::Fixed(spec.replication),
    )
    .set("min.insync.replicas", &min_isr)
    // The broker's append time on every message: the consumers of a load
    // run time the latency budget's receipt stage from it (Rubin's topic
    // keeps CreateTime, which nothing here depends on).
    .set("message.timestamp.type", "LogAppendTime");
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    // librdkafka fails a request still on the bootstrap connection when it
    // replaces that connection with the brokers' own ("DestroyBroker"): a
    // transient local error, so the request is sent again.
    let mut attempt = 0;
    let results = loop {
        attempt += 1;
        match admin.create_topics([&new], &options).await {
            Err(rdkafka::error::KafkaError::AdminOp(code)) if attempt < 5 && is_transient(code) => {
                tracing::warn!(%code, attempt, "creating the topic again after a transient error");
                // A back-off before the next attempt, not a wait for an event.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => break other.map_err(client_err)?,
        }
    };
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaClusterError::Client(format!(
                    "creating topic {topic}: {code}"
                )));
            }
        }
    }
    let bootstrap = bootstrap.to_owned();
    let spec = spec.clone();
    tokio::task::spawn_blocking(move || wait_for_leaders(&bootstrap, &spec))
        .await
        .map_err(client_err)?
}

fn wait_for_leaders(bootstrap: &str, spec: &TopicSpec) -> Result<(), KafkaClusterError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let leaders = leaders_blocking(bootstrap, &spec.name)?;
        let led = leaders.values().filter(|l| **l >= 0).count();
        if led == usize::try_from(spec.partitions).unwrap_or(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(KafkaClusterError::Client(format!(
                "topic {}: {led} of {} partitions have a leader after 60 s",
                spec.name, spec.partitions
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Partition -> leader's node id (-1: none) as metadata says now.
pub fn leaders_blocking(
    bootstrap: &str,
    topic: &str,
) -> Result<BTreeMap<i32, i32>, KafkaClusterError> {
    Ok(partition_state(bootstrap, topic)?
        .into_iter()
        .map(|(p, s)| (p, s.leader))
        .collect())
}

/// A partition's leader and in-sync replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionState {
    /// The leader's node id (-1: none).
    pub leader: i32,
    /// The in-sync replicas.
    pub isr: Vec<i32>,
}

/// Every partition's leader and ISR as metadata says now.
pub fn partition_state(
    bootstrap: &str,
    topic: &str,
) -> Result<BTreeMap<i32, PartitionState>, KafkaClusterError> {
    topic_metadata(bootstrap, topic).map(|m| m.partitions)
}

/// What one metadata answer says of the cluster and a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    /// The brokers listed (in KRaft a fenced broker is not listed).
    pub brokers: Vec<i32>,
    /// Every partition's leader and ISR.
    pub partitions: BTreeMap<i32, PartitionState>,
}

/// The brokers listed and every partition's leader and ISR as metadata
/// says now.
pub fn topic_metadata(bootstrap: &str, topic: &str) -> Result<TopicMetadata, KafkaClusterError> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create()
        .map_err(client_err)?;
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(client_err)?;
    let mut brokers: Vec<i32> = metadata.brokers().iter().map(|b| b.id()).collect();
    brokers.sort_unstable();
    let partitions = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions())
        .map(|p| {
            (
                p.id(),
                PartitionState {
                    leader: p.leader(),
                    isr: p.isr().to_vec(),
                },
            )
        })
        .collect();
    Ok(TopicMetadata {
        brokers,
        partitions,
    })
}
