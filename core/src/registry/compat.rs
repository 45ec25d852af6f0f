//! Compatibility levels, registry modes, schema parsing to a canonical form, and the
//! compatibility check (apache-avro's reader/writer resolution rules).

use std::fmt;
use std::str::FromStr;

use apache_avro::Schema;
use apache_avro::schema_compatibility::SchemaCompatibility;
use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, RegistryError};

/// Confluent's compatibility levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityLevel {
    /// No check.
    None,
    /// The new schema reads data written with the latest one (Confluent's default).
    #[default]
    Backward,
    /// The new schema reads data written with every earlier one.
    BackwardTransitive,
    /// The latest schema reads data written with the new one.
    Forward,
    /// Every earlier schema reads data written with the new one.
    ForwardTransitive,
    /// Backward and forward against the latest.
    Full,
    /// Backward and forward against every earlier schema.
    FullTransitive,
}

impl CompatibilityLevel {
    /// All levels, in Confluent's documentation order.
    pub const ALL: [CompatibilityLevel; 7] = [
        Self::None,
        Self::Backward,
        Self::BackwardTransitive,
        Self::Forward,
        Self::ForwardTransitive,
        Self::Full,
        Self::FullTransitive,
    ];

    /// The name Confluent uses on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Backward => "BACKWARD",
            Self::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Self::Forward => "FORWARD",
            Self::ForwardTransitive => "FORWARD_TRANSITIVE",
            Self::Full => "FULL",
            Self::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// Whether the check covers every earlier version instead of only the latest.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            Self::BackwardTransitive | Self::ForwardTransitive | Self::FullTransitive
        )
    }

    fn checks_backward(self) -> bool {
        matches!(
            self,
            Self::Backward | Self::BackwardTransitive | Self::Full | Self::FullTransitive
        )
    }

    fn checks_forward(self) -> bool {
        matches!(
            self,
            Self::Forward | Self::ForwardTransitive | Self::Full | Self::FullTransitive
        )
    }
}

impl fmt::Display for CompatibilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CompatibilityLevel {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == upper)
            .ok_or_else(|| {
                RegistryError::new(
                    ErrorCode::InvalidCompatibilityLevel,
                    format!("Invalid compatibility level '{s}': expected one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE"),
                )
            })
    }
}

/// Registry modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    /// Normal operation: ids are assigned by the registry, compatibility is checked.
    #[default]
    Readwrite,
    /// Writes are refused.
    Readonly,
    /// Registrations may carry their own id (and version); compatibility is not checked.
    Import,
}

impl Mode {
    /// The name Confluent uses on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Readwrite => "READWRITE",
            Self::Readonly => "READONLY",
            Self::Import => "IMPORT",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "READWRITE" => Ok(Self::Readwrite),
            "READONLY" => Ok(Self::Readonly),
            "IMPORT" => Ok(Self::Import),
            _ => Err(RegistryError::new(
                ErrorCode::InvalidMode,
                format!("Invalid mode '{s}': expected READWRITE, READONLY or IMPORT"),
            )),
        }
    }
}

/// A schema parsed by apache-avro, with the canonical text used to compare schemas.
#[derive(Debug, Clone)]
pub struct ParsedSchema {
    /// The parsed schema.
    pub schema: Schema,
    /// Compact JSON of the parsed schema with object keys sorted: equal for schemas that
    /// differ only in whitespace, key order or `"string"` versus `{"type": "string"}`,
    /// different when defaults or fields differ.
    pub canonical: String,
}

impl ParsedSchema {
    /// Parses Avro schema text; an invalid schema gives error 42201.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let schema = Schema::parse_str(text).map_err(|e| {
            RegistryError::new(ErrorCode::InvalidSchema, format!("Invalid schema: {e}"))
        })?;
        let value = serde_json::to_value(&schema).map_err(|e| {
            RegistryError::new(ErrorCode::InvalidSchema, format!("Invalid schema: {e}"))
        })?;
        let mut canonical = String::with_capacity(text.len());
        write_sorted_json(&value, &mut canonical);
        Ok(Self { schema, canonical })
    }
}

/// Writes compact JSON with object keys in sorted order, whatever map type serde_json uses.
fn write_sorted_json(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                write_sorted_json(item, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Checks `candidate` against each of `existing` (oldest first) under `level`; returns the
/// reasons it is incompatible (empty when compatible). Non-transitive levels look only at
/// the last of `existing`.
pub fn incompatibilities(
    level: CompatibilityLevel,
    candidate: &Schema,
    existing: &[&Schema],
) -> Vec<String> {
    let against: &[&Schema] = if level.is_transitive() {
        existing
    } else {
        existing.last().map_or(&[], std::slice::from_ref)
    };
    let mut reasons = Vec::new();
    for (index, old) in against.iter().enumerate() {
        if level.checks_backward()
            && let Err(e) = SchemaCompatibility::can_read(old, candidate)
        {
            reasons.push(format!(
                "backward: the new schema cannot read data written with earlier schema #{}: {e}",
                index + 1
            ));
        }
        if level.checks_forward()
            && let Err(e) = SchemaCompatibility::can_read(candidate, old)
        {
            reasons.push(format!(
                "forward: earlier schema #{} cannot read data written with the new schema: {e}",
                index + 1
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_case_insensitively_and_reject_others() {
        for level in CompatibilityLevel::ALL {
            assert_eq!(
                level.as_str().to_lowercase().parse::<CompatibilityLevel>(),
                Ok(level)
            );
        }
        let err = "SIDEWAYS".parse::<CompatibilityLevel>().unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidCompatibilityLevel);
    }

    #[test]
    fn canonical_form_ignores_layout_but_not_defaults() {
        let a = ParsedSchema::parse(
            r#"{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}"#,
        )
        .unwrap();
        let b = ParsedSchema::parse("{ \"fields\": [ {\"type\": {\"type\": \"int\"}, \"name\": \"a\"} ],\n \"name\": \"r\", \"type\": \"record\" }").unwrap();
        let c = ParsedSchema::parse(
            r#"{"type":"record","name":"r","fields":[{"name":"a","type":"int","default":1}]}"#,
        )
        .unwrap();
        assert_eq!(a.canonical, b.canonical);
        assert_ne!(a.canonical, c.canonical);
    }

    #[test]
    fn invalid_schema_is_42201() {
        let err = ParsedSchema::parse(r#"{"type":"recrod"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSchema);
    }
}
