//! `--set-file FILE`: a scenario overlay, that is a TOML file whose values
//! are applied as `--set` overrides (in key order: two leaves of one file
//! never set the same key, so the order does not change the result).
//!
//! The file is written like a part of a scenario (`[kafka]` then
//! `produce_latency_ms = { kind = "lognormal", ... }`, or dotted keys such as
//! `kafka.broker_bandwidth_mbps = 800`). Each value that is not a table is
//! one override; so is a table with a `kind` key, which is a distribution
//! and is replaced whole. `alertsim calibrate` writes its fit as such a
//! file. Errors name the file and the line of the key responsible.

use std::path::Path;

use toml::{Table, Value};

use crate::error::ScenarioError;
use crate::location::{key_offset, line_column};
use crate::overrides::Override;

/// The overrides of an overlay file.
pub fn overrides_from_file(path: &Path) -> Result<Vec<Override>, ScenarioError> {
    let text = crate::load::read_scenario_file(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })?;
    overrides_from_str(&text, &path.display().to_string())
}

/// The overrides of overlay text; `file_name` names it in messages.
pub fn overrides_from_str(text: &str, file_name: &str) -> Result<Vec<Override>, ScenarioError> {
    let table: Table =
        toml::from_str(text).map_err(|e| crate::load::toml_diagnostic(&e, text, file_name))?;
    let mut leaves = Vec::new();
    flatten(&table, &mut Vec::new(), &mut leaves);
    Ok(leaves
        .into_iter()
        .map(|(path, value)| {
            let dotted = path.join(".");
            let (line, _) =
                key_offset(text, &dotted).map_or((1, 1), |offset| line_column(text, offset));
            Override {
                argument: format!("{dotted}={value} (from {file_name} line {line})"),
                path,
                value,
            }
        })
        .collect())
}

/// The leaves of `table` under `prefix`, depth first in key order.
fn flatten(table: &Table, prefix: &mut Vec<String>, leaves: &mut Vec<(Vec<String>, Value)>) {
    for (key, value) in table {
        prefix.push(key.clone());
        match value {
            Value::Table(inner) if !inner.contains_key("kind") => flatten(inner, prefix, leaves),
            _ => leaves.push((prefix.clone(), value.clone())),
        }
        prefix.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    const OVERLAY: &str = "\
# a fit
[kafka]
produce_latency_ms = { kind = \"lognormal\", mean = 28.0, std_dev = 11.2, min = 5.6, max = 560.0 }
broker_bandwidth_mbps = 800.0

[scaler]
max_replicas = 7
";

    #[test]
    fn an_overlay_sets_each_value_and_replaces_a_distribution_whole() {
        let overrides = overrides_from_str(OVERLAY, "fit.toml").unwrap_or_else(|e| panic!("{e}"));
        let paths: Vec<String> = overrides.iter().map(Override::dotted).collect();
        assert_eq!(
            paths,
            [
                "kafka.broker_bandwidth_mbps",
                "kafka.produce_latency_ms",
                "scaler.max_replicas"
            ]
        );
        assert!(overrides[0].argument.ends_with("(from fit.toml line 4)"));
        let scenario = Scenario::resolve("smoke", &overrides).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenario.kafka.produce_latency_ms.mean(), 28.0);
        assert_eq!(scenario.kafka.produce_latency_ms.upper_bound(), 560.0);
        assert_eq!(scenario.kafka.broker_bandwidth_mbps, 800.0);
        assert_eq!(scenario.scaler.max_replicas, 7);
    }

    #[test]
    fn bad_toml_names_the_file_and_line() {
        let error = overrides_from_str("[kafka]\nbroker_bandwidth_mbps = = 3\n", "fit.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("fit.toml:2:"), "{error}");
    }

    #[test]
    fn a_wrong_value_names_the_overlay_line() {
        let overrides =
            overrides_from_str("[kafka]\n\nbroker_bandwidth_mbps = \"fast\"\n", "fit.toml")
                .unwrap_or_else(|e| panic!("{e}"));
        let error = Scenario::resolve("smoke", &overrides)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("(from fit.toml line 3)"), "{error}");
        assert!(error.contains("kafka.broker_bandwidth_mbps"), "{error}");
    }
}
