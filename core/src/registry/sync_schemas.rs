//! What Rubin's schema sync job puts in a registry, without the IO: for each
//! alert schema version, its fixed id (`major * 100 + minor`), the text it
//! posts (the schema's Parsing Canonical Form, as the job posts fastavro's
//! `to_parsing_canonical_form`), the import subject (`alert-packet`) and the
//! TopicNameStrategy subject `lsst-alerts-v{X.Y}-value`.
//!
//! The job (`syncAllSchemasToRegistry` of `lsst/alert_packet`, run on every
//! Argo CD sync; FACTS.md, "Schema registry as deployed") hard-deletes every
//! subject, puts the import subject in IMPORT mode, posts each schema with
//! `"id"` and `"version"` both set to the fixed id, registers the topic
//! subject plainly (the registry reuses the id of the identical schema), and
//! puts the import subject back to READWRITE. The drivers'
//! `registry::sync` carries this out over HTTP.

use apache_avro::Schema;

use crate::alert::schema_history::{HistoryError, SchemaVersion, schema_json};

/// The subject the sync job imports into (its `--subject`, production's
/// `alert-packet`).
pub const IMPORT_SUBJECT: &str = "alert-packet";

/// One alert schema as the sync job puts it in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSchema {
    /// The schema version.
    pub version: SchemaVersion,
    /// Its fixed id, `major * 100 + minor` (11.0 -> 1100).
    pub id: u32,
    /// The text posted: the schema's Parsing Canonical Form.
    pub schema: String,
}

impl SyncSchema {
    /// The schema of `version` as the sync job posts it.
    pub fn of(version: SchemaVersion) -> Result<Self, HistoryError> {
        let parsed = Schema::parse_str(&schema_json(version)?)?;
        Ok(Self {
            version,
            id: version.schema_id().unsigned_abs(),
            schema: parsing_canonical_form(&parsed),
        })
    }

    /// Every version the project knows, oldest first (the job syncs all it has).
    pub fn all() -> Result<Vec<Self>, HistoryError> {
        SchemaVersion::ALL.into_iter().map(Self::of).collect()
    }

    /// The TopicNameStrategy subject the job registers: `lsst-alerts-v11.0-value`.
    pub fn topic_subject(&self) -> String {
        topic_subject(self.version)
    }

    /// Whether `text` is this schema: the same Parsing Canonical Form, so the
    /// same writer schema whatever its docs, defaults or layout. False when
    /// `text` does not parse.
    pub fn is_same_schema(&self, text: &str) -> bool {
        Schema::parse_str(text).is_ok_and(|s| parsing_canonical_form(&s) == self.schema)
    }
}

/// The Avro primitive type names.
const PRIMITIVES: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

/// The schema's Parsing Canonical Form as the Avro specification defines it
/// (and fastavro writes it). apache-avro 0.21 strips a primitive's
/// `logicalType` but leaves `{"type":"long"}` where the specification's
/// [PRIMITIVES] rule wants `"long"`; this fixes that. In a canonical form
/// nothing else can read `{"type":"long"}` (docs, defaults and aliases are
/// gone; a record or field object starts with `{"name":`).
pub fn parsing_canonical_form(schema: &Schema) -> String {
    let mut text = schema.canonical_form();
    for primitive in PRIMITIVES {
        text = text.replace(
            &format!(r#"{{"type":"{primitive}"}}"#),
            &format!(r#""{primitive}""#),
        );
    }
    text
}

/// The TopicNameStrategy subject of a version: `lsst-alerts-v{X.Y}-value`
/// (not the topic's own name, `lsst-alerts-v11`).
pub fn topic_subject(version: SchemaVersion) -> String {
    format!("lsst-alerts-v{}-value", version.as_str())
}

/// Parses a comma-separated list of versions (`"10.0,11.0"`), keeping the
/// given order and dropping repeats; the error names the unknown entry and
/// the versions known.
pub fn parse_versions(list: &str) -> Result<Vec<SchemaVersion>, String> {
    let mut versions = Vec::new();
    for entry in list.split(',').map(str::trim) {
        let version = SchemaVersion::parse(entry).ok_or_else(|| {
            let known: Vec<&str> = SchemaVersion::ALL.iter().map(|v| v.as_str()).collect();
            format!(
                "unknown alert schema version `{entry}`: expected a comma-separated list of {}",
                known.join(", ")
            )
        })?;
        if !versions.contains(&version) {
            versions.push(version);
        }
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::schema::alert_schema_json;

    #[test]
    fn each_version_has_its_fixed_id_and_topic_subject() {
        let all = SyncSchema::all().expect("schemas derive");
        let ids: Vec<u32> = all.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![1000, 1100]);
        let subjects: Vec<String> = all.iter().map(SyncSchema::topic_subject).collect();
        assert_eq!(
            subjects,
            vec!["lsst-alerts-v10.0-value", "lsst-alerts-v11.0-value"]
        );
    }

    #[test]
    fn the_posted_text_is_the_parsing_canonical_form_of_the_schema() {
        let s = SyncSchema::of(SchemaVersion::V11_0).expect("11.0");
        assert!(s.is_same_schema(&alert_schema_json()));
        assert!(s.is_same_schema(&s.schema), "the canonical form is stable");
        assert!(!s.schema.contains("\"doc\"") && !s.schema.contains("\"default\""));
        // Timestamps lose their logicalType and become plain primitives.
        assert!(
            !s.schema.contains(r#"{"type":"long"}"#),
            "primitives in simple form"
        );
        assert!(
            s.schema
                .contains(r#"{"name":"created_at","type":["null","long"]}"#)
        );
        let v10 = SyncSchema::of(SchemaVersion::V10_0).expect("10.0");
        assert!(!v10.is_same_schema(&alert_schema_json()));
        assert!(!s.is_same_schema(r#""long""#));
        assert!(!s.is_same_schema("not a schema"));
    }

    #[test]
    fn version_lists_parse_or_name_the_unknown_entry() {
        assert_eq!(
            parse_versions("11.0, 10.0,11.0"),
            Ok(vec![SchemaVersion::V11_0, SchemaVersion::V10_0])
        );
        let e = parse_versions("10.0,7.4").expect_err("7.4 is not known");
        assert!(e.contains("`7.4`") && e.contains("10.0, 11.0"), "{e}");
    }
}
