//! The fan-out's instrument map (`ConfigMap` holding `instruments`, an
//! embedded YAML document): which detectors of an instrument are active and
//! which Redis stream the instrument's events go to.

use super::yaml::{Node, parse_documents};
use super::{Manifests, Object};

/// What the instrument map says about one instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument<'a> {
    /// The ConfigMap.
    pub object: &'a Object,
    /// The instrument (`LSSTCam`).
    pub name: String,
    /// Detectors listed.
    pub detectors: usize,
    /// Detectors set to true.
    pub active: usize,
    /// Detector keys set to false, as numbers where they are.
    pub inactive: Vec<String>,
    /// Its Redis stream (`redis-streams.<name>`).
    pub stream: Option<String>,
    /// Line of the `data.instruments` value in the manifest.
    pub line: usize,
}

/// The field text used for these facts (as in the reference facts table).
pub fn field(what: &str, instrument: &str) -> String {
    match what {
        "stream" => format!("data.instruments (embedded YAML) redis-streams.{instrument}"),
        "keys" => {
            format!("data.instruments (embedded YAML) detectors.{instrument}: number of keys")
        }
        "active" => format!(
            "data.instruments (embedded YAML) detectors.{instrument}: number true (active detectors)"
        ),
        _ => format!("data.instruments (embedded YAML) detectors.{instrument}: keys false"),
    }
}

/// The instrument whose stream is `stream` or whose name is `name`, from
/// the first ConfigMap with an `instruments` document that lists it.
pub fn instrument<'a>(
    m: &'a Manifests,
    stream: Option<&str>,
    name: Option<&str>,
) -> Option<Instrument<'a>> {
    for object in m.of_kind("ConfigMap") {
        let Some(data) = object.at("data.instruments") else {
            continue;
        };
        let Some(text) = data.as_str() else { continue };
        let Ok(docs) = parse_documents(text, &object.file) else {
            continue;
        };
        let Some(root) = docs.first().map(|d| &d.root) else {
            continue;
        };
        let streams = root.get("redis-streams");
        let chosen = streams
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .find(|e| stream.is_some() && e.value.as_str() == stream)
            .map(|e| e.key.clone())
            .or_else(|| name.map(str::to_owned));
        let Some(chosen) = chosen else { continue };
        let Some(detectors) = root.get("detectors").and_then(|d| d.get(&chosen)) else {
            continue;
        };
        let entries = detectors.entries();
        return Some(Instrument {
            object,
            stream: streams
                .and_then(|s| s.get(&chosen))
                .and_then(Node::as_str)
                .map(str::to_owned),
            detectors: entries.len(),
            active: entries
                .iter()
                .filter(|e| e.value.as_bool() == Some(true))
                .count(),
            inactive: entries
                .iter()
                .filter(|e| e.value.as_bool() == Some(false))
                .map(|e| e.key.clone())
                .collect(),
            name: chosen,
            line: data.line,
        });
    }
    None
}
