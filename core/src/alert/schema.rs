//! The project's Avro schema for the alert records and its canonical form.
//!
//! The schema JSON is generated from the record tables (see
//! [`super::records`]), so the types, the encoder and the schema cannot
//! drift apart. Named records are defined at their first use and referenced
//! by full name afterwards, as in the official `lsst.v11_0.alert` schema.

use super::records::{Alert, AvroRecord};

/// Avro namespace of the 11.0 alert records.
pub const NAMESPACE: &str = "lsst.v11_0";

/// Major version of the alert schema this crate speaks.
pub const SCHEMA_MAJOR: i32 = 11;

/// Minor version of the alert schema this crate speaks.
pub const SCHEMA_MINOR: i32 = 0;

/// Registry schema ID of the 11.0 alert schema (major * 100 + minor).
pub const SCHEMA_ID: i32 = schema_id(SCHEMA_MAJOR, SCHEMA_MINOR);

/// The registry schema ID of alert schema version `major.minor`, as Rubin
/// assigns it: `major * 100 + minor` (11.0 -> 1100, 7.4 -> 704).
pub const fn schema_id(major: i32, minor: i32) -> i32 {
    major * 100 + minor
}

/// Why the schema could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("the alert schema does not parse: {0}")]
pub struct SchemaError(#[from] apache_avro::Error);

/// The alert schema JSON (`lsst.v11_0.alert`, nested records named), compact.
pub fn alert_schema_json() -> String {
    let mut out = String::with_capacity(48 * 1024);
    let mut defined = Vec::new();
    Alert::write_record_schema(&mut out, &mut defined);
    out
}

/// The alert schema parsed by apache-avro.
pub fn parse_alert_schema() -> Result<apache_avro::Schema, SchemaError> {
    Ok(apache_avro::Schema::parse_str(&alert_schema_json())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_ids_follow_major_times_100_plus_minor() {
        assert_eq!(SCHEMA_ID, 1100);
        assert_eq!(schema_id(10, 0), 1000);
        assert_eq!(schema_id(7, 4), 704);
    }

    #[test]
    fn generated_schema_is_valid_json_and_avro() {
        let json: serde_json::Value =
            serde_json::from_str(&alert_schema_json()).expect("schema JSON parses");
        assert_eq!(json["name"], "alert");
        assert_eq!(json["namespace"], NAMESPACE);
        assert_eq!(json["fields"].as_array().map(Vec::len), Some(12));
        let schema = parse_alert_schema().expect("apache-avro parses the schema");
        assert!(matches!(schema, apache_avro::Schema::Record(_)));
    }
}
