//! Helm values files (`--values`): read with the same YAML loader, and
//! what they ask of each topic's retention, under any of the key names
//! Rubin's charts have used (`millisecondsRetained`/`bytesRetained` of the
//! retired alert-stream-broker chart, `retention`, `retention.ms`...).

use crate::manifests::yaml::{Node, parse_documents};
use crate::manifests::{Document, ManifestError, read_inputs};

/// Reads values files and directories; every document is kept.
pub fn load_values<S: AsRef<str>>(arguments: &[S]) -> Result<Vec<Document>, ManifestError> {
    let mut docs = Vec::new();
    for input in read_inputs(arguments)? {
        docs.extend(parse_documents(&input.text, &input.name)?);
    }
    Ok(docs)
}

/// Keys that ask for a topic's `retention.ms`.
pub const RETENTION_MS_KEYS: [&str; 6] = [
    "millisecondsRetained",
    "retentionMs",
    "retention_ms",
    "retention.ms",
    "retentionMilliseconds",
    "retention",
];

/// Keys that ask for a topic's `retention.bytes`.
pub const RETENTION_BYTES_KEYS: [&str; 4] = [
    "bytesRetained",
    "retentionBytes",
    "retention_bytes",
    "retention.bytes",
];

/// One value asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The value.
    pub value: i64,
    /// Values file.
    pub file: String,
    /// Line.
    pub line: usize,
    /// Dotted key path in the values file.
    pub key: String,
}

/// What the values ask of one topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicAsk {
    /// `retention.ms`.
    pub ms: Option<Asked>,
    /// `retention.bytes`.
    pub bytes: Option<Asked>,
}

/// What the values ask of `topic`: the last mention wins, as the last
/// `-f` file wins in Helm.
pub fn topic_ask(values: &[Document], topic: &str) -> TopicAsk {
    let mut ask = TopicAsk::default();
    for doc in values {
        walk(&doc.root, topic, String::new(), &doc.file, &mut ask);
    }
    ask
}

fn walk(node: &Node, topic: &str, at: String, file: &str, ask: &mut TopicAsk) {
    let names_topic = ["name", "topicName"]
        .iter()
        .any(|k| node.get(k).and_then(Node::as_str) == Some(topic));
    if names_topic {
        let config = node.get("config");
        for (keys, slot) in [
            (&RETENTION_MS_KEYS[..], &mut ask.ms),
            (&RETENTION_BYTES_KEYS[..], &mut ask.bytes),
        ] {
            for key in keys {
                let here = node.get(key).map(|n| (n, format!("{at}.{key}")));
                let nested = config
                    .and_then(|c| c.get(key))
                    .map(|n| (n, format!("{at}.config.{key}")));
                if let Some((n, path)) = here.or(nested)
                    && let Some(value) = n.as_i64()
                {
                    *slot = Some(Asked {
                        value,
                        file: file.to_owned(),
                        line: n.line,
                        key: path.trim_start_matches('.').to_owned(),
                    });
                }
            }
        }
    }
    match &node.value {
        crate::manifests::yaml::Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, topic, format!("{at}[{i}]"), file, ask);
            }
        }
        crate::manifests::yaml::Value::Map(entries) => {
            for e in entries {
                walk(&e.value, topic, format!("{at}.{}", e.key), file, ask);
            }
        }
        crate::manifests::yaml::Value::Scalar(_) => {}
    }
}
