//! KEDA `ScaledObject`: the alert archive ingester, scaled on its Kafka
//! consumer group's lag.

use super::{Manifests, Node, Object};

/// The kind.
pub const KIND: &str = "ScaledObject";

/// Field patterns reported for each ScaledObject.
pub const REPORTED: [&str; 8] = [
    "spec.minReplicaCount",
    "spec.maxReplicaCount",
    "spec.pollingInterval",
    "spec.cooldownPeriod",
    "spec.scaleTargetRef.name",
    "spec.triggers[#].type",
    "spec.triggers[#].metadata[*]",
    "spec.fallback",
];

/// ScaledObjects with a kafka trigger on `topic`.
pub fn readers_of<'a>(m: &'a Manifests, topic: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
    m.of_kind(KIND).filter(move |o| {
        o.at("spec.triggers")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|t| {
                t.get("type").and_then(Node::as_str) == Some("kafka")
                    && t.get("metadata")
                        .and_then(|md| md.get("topic"))
                        .and_then(Node::as_str)
                        == Some(topic)
            })
    })
}
