//! Rule `topic-retention`: a topic whose rendered `retention.ms` or
//! `retention.bytes` differs from what the values asked for, or is absent
//! or empty; and (without an ask) a retention rendered with an empty value,
//! which Strimzi's Topic Operator may reject or drop (unverified).

use super::values::{Asked, topic_ask};
use super::{Finding, LintInput, LintReport, Severity, days};
use crate::manifests::Node;
use crate::manifests::kafka::Cluster;
use crate::manifests::kafka_topic::Topic;

/// The rule's name.
pub const RULE: &str = "topic-retention";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    if input.values.is_empty() {
        report.skip(
            RULE,
            "no --values: rendered retention not compared with what the values ask (only empty values are reported)",
        );
    }
    let cluster = input.cluster(input.producers().first().map(|(_, p)| p));
    for topic in Topic::all(input.manifests) {
        let ask = topic_ask(input.values, topic.topic_name());
        one(
            input,
            &topic,
            cluster.as_ref(),
            "retention.ms",
            ask.ms.as_ref(),
            report,
        );
        one(
            input,
            &topic,
            cluster.as_ref(),
            "retention.bytes",
            ask.bytes.as_ref(),
            report,
        );
    }
}

fn effective(cluster: Option<&Cluster<'_>>, key: &str) -> String {
    match (cluster, key) {
        (Some(c), "retention.ms") => {
            let (ms, from) = c.default_retention_ms();
            format!("the broker default applies: {} ({from})", days(ms))
        }
        (Some(c), _) => match c
            .config("log.retention.bytes")
            .and_then(|f| f.node.as_i64())
        {
            Some(b) if b >= 0 => format!("the broker default applies: {b} bytes per partition"),
            _ => "the broker default applies: no size limit (log.retention.bytes -1)".to_owned(),
        },
        (None, _) => "the broker default applies".to_owned(),
    }
}

fn shown(key: &str, value: i64) -> String {
    if key == "retention.ms" {
        format!("{value} ms ({})", days(value))
    } else {
        format!("{value} bytes ({:.0} GB)", value as f64 / 1e9)
    }
}

fn one(
    input: &LintInput<'_>,
    topic: &Topic<'_>,
    cluster: Option<&Cluster<'_>>,
    key: &str,
    asked: Option<&Asked>,
    report: &mut LintReport,
) {
    let _ = input;
    let path = Topic::config_path(key);
    let rendered: Option<&Node> = topic.0.at(&path);
    let source = topic.0.source(&path);
    let mut finding = |severity, reason: String| {
        report.push(Finding {
            rule: RULE,
            severity,
            object: topic.0.id(),
            field: path.clone(),
            reason,
            file: source.file.clone(),
            line: source.line,
        });
    };
    match asked {
        Some(a) => {
            let wanted = format!(
                "the values ask {} at {}:{} (`{}`)",
                shown(key, a.value),
                a.file,
                a.line,
                a.key
            );
            let got = match rendered {
                None => Some("the rendered topic has no such setting".to_owned()),
                Some(n) if n.is_null() => {
                    Some("the rendered topic has it with an empty value (null)".to_owned())
                }
                Some(n) => match n.as_i64() {
                    Some(v) if v == a.value => None,
                    Some(v) => Some(format!("the rendered topic has {}", shown(key, v))),
                    None => Some(format!("the rendered topic has {}", n.show())),
                },
            };
            if let Some(got) = got {
                finding(
                    Severity::Error,
                    format!(
                        "{wanted} but {got}: {} (the template does not read the key the values set)",
                        effective(cluster, key)
                    ),
                );
            }
        }
        None => {
            if rendered.is_some_and(Node::is_null) {
                finding(
                    Severity::Warning,
                    format!(
                        "rendered with an empty value (null): Strimzi's Topic Operator may reject it or drop it (unverified); if dropped, {}",
                        effective(cluster, key)
                    ),
                );
            }
        }
    }
}
