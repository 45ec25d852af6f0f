//! Strimzi `Kafka` and `KafkaNodePool`: brokers, KRaft controllers, Kafka
//! version, broker configuration (`min.insync.replicas`,
//! `replica.lag.time.max.ms`, retention and offset retention defaults,
//! `message.max.bytes`) and listeners.

use super::{Field, Manifests, Node, Object};

/// The cluster kind.
pub const KIND: &str = "Kafka";
/// The node pool kind.
pub const POOL_KIND: &str = "KafkaNodePool";

/// Kafka's own default `message.max.bytes` (1 MiB + 12 bytes of batch overhead).
pub const DEFAULT_MESSAGE_MAX_BYTES: i64 = 1_048_588;
/// Kafka's default log retention: 168 hours.
pub const DEFAULT_RETENTION_MS: i64 = 168 * 3_600_000;

/// Field patterns reported for the Kafka resource.
pub const REPORTED: [&str; 12] = [
    "spec.kafka.version",
    "metadata.annotations[strimzi.io/kraft]",
    "metadata.annotations[strimzi.io/node-pools]",
    "spec.kafka.config[*]",
    "spec.kafka.listeners[name=*].port",
    "spec.kafka.listeners[name=*].type",
    "spec.kafka.listeners[name=*].tls",
    "spec.kafka.listeners[name=*].authentication.type",
    "spec.kafka.listeners[name=external].configuration.brokers[#]",
    "spec.kafka.authorization.superUsers",
    "spec.cruiseControl.config[*]",
    "spec.maintenanceTimeWindows[#]",
];

/// Field patterns reported for each node pool.
pub const POOL_REPORTED: [&str; 9] = [
    "spec.replicas",
    "spec.roles",
    "metadata.annotations[strimzi.io/next-node-ids]",
    "spec.storage.volumes[#].size",
    "spec.storage.volumes[#].class",
    "spec.resources.requests.cpu",
    "spec.resources.requests.memory",
    "spec.resources.limits.cpu",
    "spec.resources.limits.memory",
];

/// A Strimzi Kafka cluster and its node pools.
#[derive(Debug, Clone)]
pub struct Cluster<'a> {
    /// The `Kafka` resource.
    pub kafka: &'a Object,
    /// Its node pools (`strimzi.io/cluster` label).
    pub pools: Vec<&'a Object>,
}

impl<'a> Cluster<'a> {
    /// The cluster named, or the only one, or the one a bootstrap address
    /// (`NAME-kafka-bootstrap...`) points at.
    pub fn find(m: &'a Manifests, bootstrap: Option<&str>) -> Option<Self> {
        let all: Vec<&Object> = m.of_kind(KIND).collect();
        let by_address = bootstrap.and_then(|b| {
            all.iter()
                .find(|k| b.starts_with(&format!("{}-kafka-bootstrap", k.name)))
                .copied()
        });
        let kafka = by_address.or_else(|| all.first().copied())?;
        let pools = m
            .of_kind(POOL_KIND)
            .filter(|p| p.strimzi_cluster() == Some(kafka.name.as_str()))
            .collect();
        Some(Cluster { kafka, pools })
    }

    /// The broker configuration value `key` (`spec.kafka.config[key]`).
    pub fn config(&self, key: &str) -> Option<Field<'a>> {
        self.kafka.field(&format!("spec.kafka.config[{key}]"))
    }

    /// Node pools with a role (`broker` or `controller`).
    pub fn pools_with_role(&self, role: &str) -> Vec<&'a Object> {
        self.pools
            .iter()
            .filter(|p| {
                p.at("spec.roles")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .any(|r| r.as_str() == Some(role))
            })
            .copied()
            .collect()
    }

    /// Brokers (or controllers): the replicas of the pools with that role.
    pub fn count(&self, role: &str) -> Option<(i64, Vec<&'a Object>)> {
        let pools = self.pools_with_role(role);
        let total: Option<i64> = pools
            .iter()
            .map(|p| p.at("spec.replicas").and_then(Node::as_i64))
            .sum();
        total.filter(|_| !pools.is_empty()).map(|t| (t, pools))
    }

    /// The broker default log retention in ms (`log.retention.ms`, else
    /// `.minutes`, else `.hours`, as Kafka resolves them) and the key it
    /// came from; Kafka's 168 hours when none is set.
    pub fn default_retention_ms(&self) -> (i64, String) {
        for (key, factor) in [
            ("log.retention.ms", 1),
            ("log.retention.minutes", 60_000),
            ("log.retention.hours", 3_600_000),
        ] {
            if let Some(v) = self.config(key).and_then(|f| f.node.as_i64()) {
                return (
                    v.saturating_mul(factor),
                    self.kafka
                        .source(&format!("spec.kafka.config[{key}]"))
                        .to_string(),
                );
            }
        }
        (
            DEFAULT_RETENTION_MS,
            "Kafka's default log.retention.hours 168".to_owned(),
        )
    }

    /// The listener whose port is `port`: its name and authentication type.
    pub fn listener_on_port(&self, port: i64) -> Option<(String, Option<String>)> {
        self.kafka
            .at("spec.kafka.listeners")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .find(|l| l.get("port").and_then(Node::as_i64) == Some(port))
            .map(|l| {
                (
                    l.get("name")
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    l.get("authentication")
                        .and_then(|a| a.get("type"))
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                )
            })
    }

    /// Users with every right (`spec.kafka.authorization.superUsers`).
    pub fn super_users(&self) -> Vec<String> {
        self.kafka
            .at("spec.kafka.authorization.superUsers")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_owned)
            .collect()
    }
}
