//! Strimzi `KafkaUser`: authentication, ACLs and quotas; who may read and
//! who may write a topic.

use super::{Manifests, Node, Object};

/// The kind.
pub const KIND: &str = "KafkaUser";

/// Field patterns reported for each user.
pub const REPORTED: [&str; 5] = [
    "spec.authentication.type",
    "spec.authentication.password.valueFrom.secretKeyRef",
    "spec.authorization.acls[#].resource",
    "spec.authorization.acls[#].operations",
    "?spec.quotas",
];

/// One ACL rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    /// `topic`, `group`, `cluster`, `transactionalId`.
    pub resource_type: String,
    /// Resource name (`*` for all).
    pub name: String,
    /// `literal` (default) or `prefix`.
    pub prefix: bool,
    /// `allow` (default) or `deny`.
    pub allow: bool,
    /// Operations (`Read`, `Write`, `Describe`, `All`...).
    pub operations: Vec<String>,
    /// Index in `spec.authorization.acls`.
    pub index: usize,
}

impl Acl {
    /// True when the rule's resource covers `topic`.
    pub fn covers_topic(&self, topic: &str) -> bool {
        self.resource_type == "topic"
            && (self.name == "*"
                || (self.prefix && topic.starts_with(&self.name))
                || (!self.prefix && self.name == topic))
    }

    /// True when the rule grants `operation` (or `All`).
    pub fn grants(&self, operation: &str) -> bool {
        self.operations.iter().any(|o| o == operation || o == "All")
    }
}

/// A Kafka user.
#[derive(Debug, Clone, Copy)]
pub struct User<'a>(pub &'a Object);

impl<'a> User<'a> {
    /// Every KafkaUser.
    pub fn all(m: &'a Manifests) -> impl Iterator<Item = User<'a>> + 'a {
        m.of_kind(KIND).map(User)
    }

    /// The user named.
    pub fn find(m: &'a Manifests, name: &str) -> Option<Self> {
        m.get(KIND, name).map(User)
    }

    /// `spec.authentication.type`.
    pub fn authentication(&self) -> Option<&'a str> {
        self.0.at("spec.authentication.type").and_then(Node::as_str)
    }

    /// The ACL rules.
    pub fn acls(&self) -> Vec<Acl> {
        let text = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_owned();
        self.0
            .at("spec.authorization.acls")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, acl)| {
                let resource = acl.get("resource");
                Acl {
                    resource_type: text(resource.and_then(|r| r.get("type"))),
                    name: text(resource.and_then(|r| r.get("name"))),
                    prefix: text(resource.and_then(|r| r.get("patternType"))) == "prefix",
                    allow: text(acl.get("type")) != "deny",
                    operations: acl
                        .get("operations")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_owned)
                        .collect(),
                    index,
                }
            })
            .collect()
    }

    /// The allowing rule that grants `operation` on `topic`, if any (a deny
    /// rule for it wins, as in Kafka).
    pub fn may(&self, operation: &str, topic: &str) -> Option<Acl> {
        let acls = self.acls();
        let denied = acls
            .iter()
            .any(|a| !a.allow && a.covers_topic(topic) && a.grants(operation));
        if denied {
            return None;
        }
        acls.into_iter()
            .find(|a| a.allow && a.covers_topic(topic) && a.grants(operation))
    }
}
