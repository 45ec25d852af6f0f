//! Strimzi `KafkaTopic`: partitions, replicas, retention and the largest
//! message the topic takes.

use super::kafka::{Cluster, DEFAULT_MESSAGE_MAX_BYTES};
use super::{Manifests, Node, Object};

/// The kind.
pub const KIND: &str = "KafkaTopic";

/// Field patterns reported for each topic.
pub const REPORTED: [&str; 8] = [
    "spec.topicName",
    "spec.partitions",
    "spec.replicas",
    "?spec.config[retention.ms]",
    "?spec.config[retention.bytes]",
    "spec.config[*]",
    "metadata.labels[strimzi.io/cluster]",
    "?spec.config[max.message.bytes]",
];

/// A topic.
#[derive(Debug, Clone, Copy)]
pub struct Topic<'a>(pub &'a Object);

impl<'a> Topic<'a> {
    /// The topic's name in Kafka (`spec.topicName`, else the object's name).
    pub fn topic_name(&self) -> &'a str {
        self.0
            .at("spec.topicName")
            .and_then(Node::as_str)
            .unwrap_or(&self.0.name)
    }

    /// The KafkaTopic for a Kafka topic name.
    pub fn find(m: &'a Manifests, topic: &str) -> Option<Self> {
        m.of_kind(KIND).map(Topic).find(|t| t.topic_name() == topic)
    }

    /// Every KafkaTopic.
    pub fn all(m: &'a Manifests) -> impl Iterator<Item = Topic<'a>> + 'a {
        m.of_kind(KIND).map(Topic)
    }

    /// The path of a topic configuration key.
    pub fn config_path(key: &str) -> String {
        format!("spec.config[{key}]")
    }

    /// The largest record batch the topic accepts: its `max.message.bytes`,
    /// else the broker's `message.max.bytes`, else Kafka's default; with a
    /// sentence saying where the figure comes from.
    pub fn max_message_bytes(&self, cluster: Option<&Cluster<'_>>) -> (i64, String) {
        let own = Self::config_path("max.message.bytes");
        if let Some(v) = self.0.field(&own).and_then(|f| f.node.as_i64()) {
            return (v, self.0.source(&own).to_string());
        }
        if let Some(c) = cluster
            && let Some(v) = c.config("message.max.bytes").and_then(|f| f.node.as_i64())
        {
            return (
                v,
                c.kafka
                    .source("spec.kafka.config[message.max.bytes]")
                    .to_string(),
            );
        }
        (
            DEFAULT_MESSAGE_MAX_BYTES,
            "Kafka's default message.max.bytes".to_owned(),
        )
    }
}
