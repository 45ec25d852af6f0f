//! Earlier alert schema versions, derived from the project's own 11.0 schema
//! by a written list of field-level changes, and what happens when they meet:
//! the registry's compatibility verdict for a producer switching versions and
//! the outcome for a consumer reading one version's alerts with another's
//! schema.
//!
//! Only 10.0 is derived. Facts (from the official schemas, read for facts
//! only): 10.0 -> 11.0 changed the namespace from `lsst.v10_0` to
//! `lsst.v11_0` and turned ten nullable ints (`["null","int"]`, default
//! null) of `diaObject` and `diaSource` into plain `int`s; nothing else in the
//! alert's Parsing Canonical Form changed.
//!
//! The 7.4 -> 8.0 step (the alert's `alertId` replaced by a
//! `diaSourceId`-based identity, fields dropped) is not modelled: the
//! reference schemas hold 7.4, 10.0 and 11.0 but not 8.0, and 7.4 differs
//! from 10.0 in about 130 fields and three records (`alertId`,
//! `prvDiaNondetectionLimits`, `ssObject` at the top level), which the
//! project does not re-express as its own types. `core/tests/schema_history.rs`
//! checks those facts on the official files when present, including that no
//! compatibility level but NONE accepts 10.0 after 7.4.

use apache_avro::Schema;
use apache_avro::types::Value;
use serde_json::Value as Json;

use super::codec::encode_alert_to_vec;
use super::generate::generate;
use super::schema::{NAMESPACE, alert_schema_json, schema_id};
use crate::registry::compat::{CompatibilityLevel, incompatibilities};

/// An alert schema version the project can produce and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchemaVersion {
    /// `lsst.v10_0.alert`, derived from 11.0 by [`CHANGES_10_0_TO_11_0`].
    V10_0,
    /// `lsst.v11_0.alert`, the project's own schema.
    V11_0,
}

impl SchemaVersion {
    /// Every known version, oldest first.
    pub const ALL: [SchemaVersion; 2] = [Self::V10_0, Self::V11_0];

    /// The version as scenario files spell it (`"10.0"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V10_0 => "10.0",
            Self::V11_0 => "11.0",
        }
    }

    /// Parses `"10.0"` / `"11.0"`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text.trim())
    }

    /// Registry schema ID (`major * 100 + minor`).
    pub fn schema_id(self) -> i32 {
        match self {
            Self::V10_0 => schema_id(10, 0),
            Self::V11_0 => schema_id(11, 0),
        }
    }

    /// Avro namespace of the version's records.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V10_0 => "lsst.v10_0",
            Self::V11_0 => NAMESPACE,
        }
    }
}

/// A field of one named record whose type changed between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldChange {
    /// Record name without namespace, e.g. `diaSource`.
    pub record: &'static str,
    /// Field name.
    pub field: &'static str,
}

/// Fields that were `["null","int"]` with default null in 10.0 and are
/// `int` (no default) in 11.0.
pub const CHANGES_10_0_TO_11_0: [FieldChange; 10] = [
    FieldChange {
        record: "diaObject",
        field: "u_psfFluxNdata",
    },
    FieldChange {
        record: "diaObject",
        field: "g_psfFluxNdata",
    },
    FieldChange {
        record: "diaObject",
        field: "r_psfFluxNdata",
    },
    FieldChange {
        record: "diaObject",
        field: "i_psfFluxNdata",
    },
    FieldChange {
        record: "diaObject",
        field: "z_psfFluxNdata",
    },
    FieldChange {
        record: "diaObject",
        field: "y_psfFluxNdata",
    },
    FieldChange {
        record: "diaSource",
        field: "psfNdata",
    },
    FieldChange {
        record: "diaSource",
        field: "trailNdata",
    },
    FieldChange {
        record: "diaSource",
        field: "dipoleNdata",
    },
    FieldChange {
        record: "diaSource",
        field: "bboxSize",
    },
];

/// Why a version's schema could not be derived or used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Our 11.0 schema JSON did not parse as JSON.
    #[error("the 11.0 schema is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field listed in the change list is not in our 11.0 schema.
    #[error("change list names {record}.{field}, which the 11.0 schema does not have as an int")]
    MissingField {
        /// Record name.
        record: &'static str,
        /// Field name.
        field: &'static str,
    },
    /// apache-avro rejected a schema or a datum.
    #[error("avro: {0}")]
    Avro(#[from] apache_avro::Error),
    /// The probe alerts could not be generated.
    #[error("probe alert generation failed: {0}")]
    Generate(String),
}

/// The schema JSON of `version`, compact.
pub fn schema_json(version: SchemaVersion) -> Result<String, HistoryError> {
    let mut json = fields_of(version)?;
    rename_namespace(&mut json, NAMESPACE, version.namespace());
    Ok(json.to_string())
}

/// The schema of `version`, parsed by apache-avro.
pub fn parse_schema(version: SchemaVersion) -> Result<Schema, HistoryError> {
    Ok(Schema::parse_str(&schema_json(version)?)?)
}

/// The schema of `version` with every record in the 11.0 namespace, as used
/// for compatibility checks and schema resolution. apache-avro matches
/// records by full name, so the namespace change alone would make every pair
/// of versions incompatible; Java Avro, which Confluent's registry and most
/// consumers use, matches records by their name without namespace. Checking
/// in one namespace gives Java Avro's verdicts with apache-avro's rules.
pub fn resolution_schema(version: SchemaVersion) -> Result<Schema, HistoryError> {
    Ok(Schema::parse_str(&fields_of(version)?.to_string())?)
}

fn fields_of(version: SchemaVersion) -> Result<Json, HistoryError> {
    let ours = alert_schema_json();
    let mut json: Json = serde_json::from_str(&ours)?;
    if version == SchemaVersion::V11_0 {
        return Ok(json);
    }
    let mut applied = Vec::new();
    make_ints_nullable(&mut json, "", &mut applied);
    if let Some(missing) = CHANGES_10_0_TO_11_0.iter().find(|c| !applied.contains(c)) {
        return Err(HistoryError::MissingField {
            record: missing.record,
            field: missing.field,
        });
    }
    Ok(json)
}

fn make_ints_nullable(json: &mut Json, record: &str, applied: &mut Vec<FieldChange>) {
    match json {
        Json::Object(map) => {
            let is_record = map.get("type").and_then(Json::as_str) == Some("record");
            let name = if is_record {
                map.get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_owned()
            } else {
                record.to_owned()
            };
            if is_record && let Some(Json::Array(fields)) = map.get_mut("fields") {
                for field in fields.iter_mut() {
                    apply_change(field, &name, applied);
                }
            }
            for value in map.values_mut() {
                make_ints_nullable(value, &name, applied);
            }
        }
        Json::Array(items) => items
            .iter_mut()
            .for_each(|item| make_ints_nullable(item, record, applied)),
        _ => {}
    }
}

fn apply_change(field: &mut Json, record: &str, applied: &mut Vec<FieldChange>) {
    let Some(map) = field.as_object_mut() else {
        return;
    };
    let name = map.get("name").and_then(Json::as_str).unwrap_or("");
    let Some(change) = CHANGES_10_0_TO_11_0
        .iter()
        .find(|c| c.record == record && c.field == name)
    else {
        return;
    };
    if map.get("type").and_then(Json::as_str) != Some("int") {
        return;
    }
    map.insert("type".into(), serde_json::json!(["null", "int"]));
    map.insert("default".into(), Json::Null);
    applied.push(*change);
}

fn rename_namespace(json: &mut Json, from: &str, to: &str) {
    match json {
        Json::String(text) if text.starts_with(from) => {
            *text = format!("{to}{}", &text[from.len()..]);
        }
        Json::Object(map) => map
            .values_mut()
            .for_each(|value| rename_namespace(value, from, to)),
        Json::Array(items) => items
            .iter_mut()
            .for_each(|item| rename_namespace(item, from, to)),
        _ => {}
    }
}

/// Whether a registry at `level` accepts a producer registering `candidate`
/// when `history` (oldest first, non-empty) is already registered: the
/// reasons it is refused, empty when accepted. Uses the registry's own check
/// on [`resolution_schema`]s.
pub fn registration_refusals(
    level: CompatibilityLevel,
    candidate: SchemaVersion,
    history: &[SchemaVersion],
) -> Result<Vec<String>, HistoryError> {
    let candidate_schema = resolution_schema(candidate)?;
    let existing = history
        .iter()
        .map(|v| resolution_schema(*v))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&Schema> = existing.iter().collect();
    Ok(incompatibilities(level, &candidate_schema, &refs))
}

/// What a consumer gets from an alert written with one version and read with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReadOutcome {
    /// Every field the writer wrote arrives.
    Decodes,
    /// Decodes, but fields the writer wrote are not in the reader's schema.
    LosesFields,
    /// Schema resolution fails: the consumer cannot decode the alert.
    Fails,
}

impl ReadOutcome {
    /// Name used in reports (`decodes`, `loses_fields`, `fails`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decodes => "decodes",
            Self::LosesFields => "loses_fields",
            Self::Fails => "fails",
        }
    }
}

/// The outcome of reading `writer` alerts with the `reader` schema, decided
/// by apache-avro's schema resolution ([`resolution_schema`]s) on real
/// encoded alerts. Two probe
/// alerts are written with the writer schema: a generated alert as it is,
/// and the same alert with every nullable primitive field set to null (an
/// alert a producer of that version may legally send). The worst outcome of
/// the two is returned, so `Fails` means "some legal alerts fail".
pub fn read_outcome(
    writer: SchemaVersion,
    reader: SchemaVersion,
) -> Result<ReadOutcome, HistoryError> {
    let v11 = resolution_schema(SchemaVersion::V11_0)?;
    let writer_schema = resolution_schema(writer)?;
    let reader_schema = resolution_schema(reader)?;
    let alerts = generate(1, 7).map_err(|e| HistoryError::Generate(e.to_string()))?;
    let mut worst = ReadOutcome::Decodes;
    for alert in &alerts {
        let bytes = encode_alert_to_vec(alert);
        let as_writer = apache_avro::from_avro_datum(&v11, &mut &bytes[..], Some(&writer_schema))?;
        for probe in [as_writer.clone(), null_primitive_unions(as_writer)] {
            let datum = apache_avro::to_avro_datum(&writer_schema, probe.clone())?;
            let outcome = match apache_avro::from_avro_datum(
                &writer_schema,
                &mut &datum[..],
                Some(&reader_schema),
            ) {
                Err(_) => ReadOutcome::Fails,
                Ok(read) if field_count(&read) < field_count(&probe) => ReadOutcome::LosesFields,
                Ok(_) => ReadOutcome::Decodes,
            };
            worst = worst.max(outcome);
        }
    }
    Ok(worst)
}

/// Every (writer, reader) outcome, for the simulator's table.
pub fn outcome_table() -> Result<Vec<(SchemaVersion, SchemaVersion, ReadOutcome)>, HistoryError> {
    let mut table = Vec::new();
    for writer in SchemaVersion::ALL {
        for reader in SchemaVersion::ALL {
            table.push((writer, reader, read_outcome(writer, reader)?));
        }
    }
    Ok(table)
}

/// Rubin's unions put null first; a union holding a primitive becomes null.
fn null_primitive_unions(value: Value) -> Value {
    match value {
        Value::Union(index, inner) => match *inner {
            Value::Record(_) | Value::Array(_) => {
                Value::Union(index, Box::new(null_primitive_unions(*inner)))
            }
            _ => Value::Union(0, Box::new(Value::Null)),
        },
        Value::Record(fields) => Value::Record(
            fields
                .into_iter()
                .map(|(name, v)| (name, null_primitive_unions(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(null_primitive_unions).collect()),
        other => other,
    }
}

/// Number of record fields in a decoded value, nested records included.
fn field_count(value: &Value) -> usize {
    match value {
        Value::Union(_, inner) => field_count(inner),
        Value::Record(fields) => {
            fields.len() + fields.iter().map(|(_, v)| field_count(v)).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(field_count).sum(),
        _ => 0,
    }
}

#[cfg(test)]
#[path = "schema_history_tests.rs"]
mod tests;
