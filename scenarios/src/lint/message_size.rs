//! Rule `message-size`: a topic the producer writes whose largest accepted
//! record batch (`max.message.bytes`, else the broker's
//! `message.max.bytes`, else Kafka's 1 MiB) is under the largest alert the
//! scenario produces: the broker rejects that alert (MESSAGE_TOO_LARGE) and,
//! with Rubin's producer, it is lost.

use super::{Finding, LintInput, LintReport, Severity};
use crate::manifests::kafka_topic::Topic;
use crate::manifests::kafka_user::User;

/// The rule's name.
pub const RULE: &str = "message-size";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    let Some((largest, from)) = &input.largest_alert else {
        report.skip(RULE, "the largest alert is unknown");
        return;
    };
    let largest = i64::try_from(*largest).unwrap_or(i64::MAX);
    for (sj, producer) in input.producers() {
        let cluster = input.cluster(Some(&producer));
        let mut topics: Vec<String> = producer.topic.iter().cloned().collect();
        if let Some(user) = producer
            .user
            .as_deref()
            .and_then(|u| User::find(input.manifests, u))
        {
            for acl in user.acls() {
                let named =
                    acl.allow && acl.resource_type == "topic" && !acl.prefix && acl.name != "*";
                if named && acl.grants("Write") && !topics.contains(&acl.name) {
                    topics.push(acl.name.clone());
                }
            }
        }
        for name in topics {
            let Some(topic) = Topic::find(input.manifests, &name) else {
                continue;
            };
            let (limit, limit_from) = topic.max_message_bytes(cluster.as_ref());
            if limit < largest {
                let path = Topic::config_path("max.message.bytes");
                let src = topic.0.source(&path);
                report.push(Finding {
                    rule: RULE,
                    severity: Severity::Error,
                    object: topic.0.id(),
                    field: path,
                    reason: format!(
                        "takes record batches of at most {limit} bytes ({limit_from}), but {} produces alerts of up to \
                         {largest} bytes ({from}): the broker rejects them with MESSAGE_TOO_LARGE and the alerts are lost",
                        sj.0.id()
                    ),
                    file: src.file,
                    line: src.line,
                });
            }
        }
    }
}
