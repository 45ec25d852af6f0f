//! The fields read from every object of a known kind, expanded to concrete
//! paths with their values (`(absent)` where a field that matters is
//! missing): what the importer lists when the scenario cannot hold it.

use super::{Manifests, Node, Object, kafka, kafka_topic, kafka_user, registry, scaled_job};
use super::{scaled_object, workloads};

/// One field of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedField {
    /// Concrete path (facts notation).
    pub path: String,
    /// The value as shown in the facts table; `None` when absent.
    pub value: Option<String>,
    /// Line of the value (the object's line when absent).
    pub line: usize,
}

/// The reported fields of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedObject {
    /// `Kind/name`.
    pub id: String,
    /// File.
    pub file: String,
    /// Line where the object starts.
    pub line: usize,
    /// Its fields, in pattern order.
    pub fields: Vec<ReportedField>,
}

/// The field patterns of a kind, or `None` for kinds alertsim does not read.
pub fn patterns(kind: &str) -> Option<Vec<String>> {
    let own = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Some(match kind {
        scaled_job::KIND => scaled_job::reported(),
        kafka::KIND => own(&kafka::REPORTED),
        kafka::POOL_KIND => own(&kafka::POOL_REPORTED),
        kafka_topic::KIND => own(&kafka_topic::REPORTED),
        kafka_user::KIND => own(&kafka_user::REPORTED),
        scaled_object::KIND => own(&scaled_object::REPORTED),
        registry::KIND => own(&registry::REPORTED),
        "Deployment" => own(&workloads::DEPLOYMENT),
        "Job" => own(&workloads::JOB),
        "CronJob" => own(&workloads::CRON_JOB),
        "GafaelfawrIngress" => own(&workloads::INGRESS),
        _ => return None,
    })
}

/// The reported fields of one object (empty when its kind is not read).
pub fn object(o: &Object) -> ReportedObject {
    let mut fields: Vec<ReportedField> = Vec::new();
    for pattern in patterns(&o.kind).unwrap_or_default() {
        let (keep_absent, pattern) = match pattern.strip_prefix('?') {
            Some(p) => (true, p.to_owned()),
            None => (false, pattern),
        };
        for (path, node) in super::path::expand(&o.root, &pattern) {
            if fields.iter().any(|f| f.path == path) {
                continue;
            }
            match node {
                Some(n) => fields.push(ReportedField {
                    path,
                    value: Some(n.show()),
                    line: n.line,
                }),
                None if keep_absent => fields.push(ReportedField {
                    path,
                    value: None,
                    line: o.line,
                }),
                None => {}
            }
        }
    }
    ReportedObject {
        id: o.id(),
        file: o.file.clone(),
        line: o.line,
        fields,
    }
}

/// Objects of kinds alertsim does not read (and ConfigMaps other than the
/// instrument map): `Kind/name (file:line)`.
pub fn ignored(m: &Manifests) -> Vec<String> {
    m.objects
        .iter()
        .filter(|o| {
            patterns(&o.kind).is_none()
                && !(o.kind == "ConfigMap"
                    && o.at("data.instruments").is_some_and(|n| !n.is_null()))
        })
        .map(|o| format!("{} ({}:{})", o.id(), o.file, o.line))
        .collect()
}

/// Convenience for callers that have a node: its value in facts notation.
pub fn show(node: &Node) -> String {
    node.show()
}
