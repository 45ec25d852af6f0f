//! Rule `reader-access`: every reader of the alert stream (a Kafka user or
//! a KEDA-scaled consumer that reads another alert topic: an earlier
//! `lsst-alerts-vN`, or a topic the producer also writes) must be able to
//! read the current alert topic, or it silently stops receiving alerts when
//! the producer moves to a new schema major.

use super::{Finding, LintInput, LintReport, Severity};
use crate::manifests::kafka_topic::Topic;
use crate::manifests::kafka_user::User;
use crate::manifests::scaled_object;

/// The rule's name.
pub const RULE: &str = "reader-access";

/// `lsst-alerts-v11` -> `lsst-alerts-v`: the name without its version digits.
fn family(topic: &str) -> Option<&str> {
    let stem = topic.trim_end_matches(|c: char| c.is_ascii_digit());
    (stem.len() < topic.len() && !stem.is_empty()).then_some(stem)
}

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    let m = input.manifests;
    for (sj, producer) in input.producers() {
        let Some(current) = producer.topic.clone() else {
            continue;
        };
        let mut others: Vec<String> = Vec::new();
        if let Some(stem) = family(&current) {
            for t in Topic::all(m) {
                let name = t.topic_name();
                let is_version = name.strip_prefix(stem).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
                });
                if is_version && name != current {
                    others.push(name.to_owned());
                }
            }
        }
        let versions = others.clone();
        if let Some(user) = producer.user.as_deref().and_then(|u| User::find(m, u)) {
            for acl in user.acls() {
                let named = acl.resource_type == "topic" && !acl.prefix && acl.name != "*";
                if acl.allow
                    && named
                    && acl.grants("Write")
                    && acl.name != current
                    && !others.contains(&acl.name)
                {
                    others.push(acl.name.clone());
                }
            }
        }
        if others.is_empty() {
            continue;
        }
        let supers = input
            .cluster(Some(&producer))
            .map(|c| c.super_users())
            .unwrap_or_default();
        for user in User::all(m) {
            if supers.contains(&user.0.name) || user.may("Read", &current).is_some() {
                continue;
            }
            let reads: Vec<&String> = others
                .iter()
                .filter(|t| user.may("Read", t).is_some_and(|a| a.name != "*"))
                .collect();
            if let Some(first) = reads.first() {
                let src = user.0.source("spec.authorization.acls");
                report.push(Finding {
                    rule: RULE,
                    severity: Severity::Error,
                    object: user.0.id(),
                    field: "spec.authorization.acls".to_owned(),
                    reason: format!(
                        "`{}` may read `{first}` but not `{current}`, the topic {} produces to now: it receives no alert \
                         (consumer fetches fail with TOPIC_AUTHORIZATION_FAILED)",
                        user.0.name,
                        sj.0.id()
                    ),
                    file: src.file,
                    line: src.line,
                });
            }
        }
        for so in m.of_kind(scaled_object::KIND) {
            for old in &versions {
                if scaled_object::readers_of(m, old).any(|o| o.id() == so.id()) {
                    let src = so.source("spec.triggers");
                    report.push(Finding {
                        rule: RULE,
                        severity: Severity::Error,
                        object: so.id(),
                        field: "spec.triggers".to_owned(),
                        reason: format!(
                            "scales on the lag of `{old}`, but the alerts now go to `{current}`: it scales on a topic nobody writes"
                        ),
                        file: src.file,
                        line: src.line,
                    });
                }
            }
        }
    }
}
