//! Rule `producer-user`: the alert producer's Kafka user must exist, may
//! write the producer's topic, and authenticate the way the listener it
//! connects to asks; the producer's topic must exist.

use super::{Finding, LintInput, LintReport, Severity};
use crate::manifests::kafka_topic::Topic;
use crate::manifests::kafka_user::User;
use crate::manifests::scaled_job::env_path;

/// The rule's name.
pub const RULE: &str = "producer-user";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    let m = input.manifests;
    if m.of_kind("KafkaUser").next().is_none() && m.of_kind("Kafka").next().is_none() {
        report.skip(RULE, "no KafkaUser or Kafka in the input");
        return;
    }
    for (sj, producer) in input.producers() {
        let topic = producer.topic.clone().unwrap_or_default();
        let cluster = input.cluster(Some(&producer));
        let listener = producer
            .server
            .as_deref()
            .and_then(|s| s.rsplit_once(':'))
            .and_then(|(_, port)| port.parse::<i64>().ok())
            .and_then(|port| cluster.as_ref().and_then(|c| c.listener_on_port(port)));
        let server = producer
            .server
            .clone()
            .unwrap_or_else(|| "(no AP_KAFKA_SERVER)".into());
        let via = match &listener {
            Some((name, Some(auth))) => format!("{server} (listener `{name}`, {auth})"),
            Some((name, None)) => format!("{server} (listener `{name}`)"),
            None => server.clone(),
        };
        let user_path = env_path("AP_KAFKA_PRODUCER_USERNAME");
        let Some(name) = producer.user.clone() else {
            continue;
        };
        let env_source = sj.0.source(&user_path);
        match User::find(m, &name) {
            None => {
                let listed = input
                    .values_mentioning(&name)
                    .into_iter()
                    .map(|(file, line, key)| format!("{file}:{line} (`{key}`)"))
                    .collect::<Vec<_>>();
                let hint = if listed.is_empty() {
                    String::new()
                } else {
                    format!(
                        ". The values mention `{name}` at {}; none of these produced a KafkaUser",
                        listed.join(", ")
                    )
                };
                report.push(Finding {
                    rule: RULE,
                    severity: Severity::Error,
                    object: format!("KafkaUser/{name}"),
                    field: "(absent)".to_owned(),
                    reason: format!(
                        "{} sends alerts as `{name}` (env AP_KAFKA_PRODUCER_USERNAME, {}:{}) to topic `{topic}` on {via}, \
                         but no KafkaUser `{name}` is rendered: the User Operator creates no credentials and no ACLs for it, \
                         so after a redeploy from Git the producer cannot authenticate and every alert is lost{hint}",
                        sj.0.id(),
                        env_source.file,
                        env_source.line
                    ),
                    file: env_source.file.clone(),
                    line: env_source.line,
                });
            }
            Some(user) => {
                if !topic.is_empty() && user.may("Write", &topic).is_none() {
                    let src = user.0.source("spec.authorization.acls");
                    report.push(Finding {
                        rule: RULE,
                        severity: Severity::Error,
                        object: user.0.id(),
                        field: "spec.authorization.acls".to_owned(),
                        reason: format!(
                            "{} produces to `{topic}` as `{name}`, but no ACL of `{name}` allows Write on `{topic}`: \
                             every produce fails with TOPIC_AUTHORIZATION_FAILED and the alerts are lost",
                            sj.0.id()
                        ),
                        file: src.file,
                        line: src.line,
                    });
                }
                if let (Some((lname, Some(wanted))), Some(has)) = (&listener, user.authentication())
                    && wanted != has
                {
                    let src = user.0.source("spec.authentication.type");
                    report.push(Finding {
                            rule: RULE,
                            severity: Severity::Error,
                            object: user.0.id(),
                            field: "spec.authentication.type".to_owned(),
                            reason: format!(
                                "`{name}` authenticates with {has}, but {} connects to listener `{lname}`, which asks for {wanted}",
                                sj.0.id()
                            ),
                            file: src.file,
                            line: src.line,
                        });
                }
            }
        }
        let any_topic = m.of_kind("KafkaTopic").next().is_some();
        if any_topic && !topic.is_empty() && Topic::find(m, &topic).is_none() {
            let src = sj.0.source(&env_path("AP_KAFKA_TOPIC"));
            report.push(Finding {
                rule: RULE,
                severity: Severity::Error,
                object: format!("KafkaTopic/{topic}"),
                field: "(absent)".to_owned(),
                reason: format!(
                    "{} produces to `{topic}` (env AP_KAFKA_TOPIC) but no KafkaTopic `{topic}` is rendered: \
                     the packager lists the topics and raises when its topic is missing",
                    sj.0.id()
                ),
                file: src.file,
                line: src.line,
            });
        }
    }
}
