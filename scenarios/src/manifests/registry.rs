//! The schema registry: `StrimziSchemaRegistry` (compatibility level,
//! replicas, storage topic) and the alert schema sync Job that re-imports
//! every schema with fixed ids (`syncAllSchemasToRegistry`).

use super::{Manifests, Node, Object};

/// The kind.
pub const KIND: &str = "StrimziSchemaRegistry";

/// strimzi-registry-operator's default when `compatibilityLevel` is not
/// set (`createregistry.py`: `spec.get("compatibilityLevel", "forward")`).
pub const OPERATOR_DEFAULT_COMPATIBILITY: &str = "forward";

/// Field patterns reported for the registry.
pub const REPORTED: [&str; 6] = [
    "?spec.compatibilityLevel",
    "spec.replicas",
    "spec.registryTopic",
    "spec.registryImageTag",
    "spec.listener",
    "spec.securityProtocol",
];

/// The command that deletes every subject and re-imports every alert
/// schema with id major*100+minor (lsst/alert_packet).
pub const SYNC_COMMAND: &str = "syncAllSchemasToRegistry";

/// The registry resource (the first one).
pub fn find(m: &Manifests) -> Option<&Object> {
    m.of_kind(KIND).next()
}

/// The Jobs, CronJobs or hooks whose container runs the sync command, with
/// the path of the matching command item.
pub fn sync_jobs(m: &Manifests) -> Vec<(&Object, String)> {
    let mut out = Vec::new();
    for o in &m.objects {
        let spec = match o.kind.as_str() {
            "Job" => "spec.template.spec",
            "CronJob" => "spec.jobTemplate.spec.template.spec",
            _ => continue,
        };
        let containers = o
            .at(&format!("{spec}.containers"))
            .map(Node::items)
            .unwrap_or_default();
        for (ci, c) in containers.iter().enumerate() {
            for list in ["command", "args"] {
                let items = c.get(list).map(Node::items).unwrap_or_default();
                if let Some(i) = items
                    .iter()
                    .position(|n| n.as_str().is_some_and(|s| s.contains(SYNC_COMMAND)))
                {
                    out.push((o, format!("{spec}.containers[{ci}].{list}[{i}]")));
                }
            }
        }
    }
    out
}
