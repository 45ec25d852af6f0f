//! JSON bodies of the Confluent REST API, shared by the server and the client.

use serde::{Deserialize, Serialize};

/// Content type Confluent answers with (clients also accept `application/json`).
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// Body of `POST /subjects/{s}/versions`, `POST /subjects/{s}` and compatibility checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaRequest {
    /// Schema text (a missing field reads as empty, which is an invalid schema).
    #[serde(default)]
    pub schema: String,
    /// "AVRO" when present; other types are refused.
    #[serde(
        rename = "schemaType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub schema_type: Option<String>,
    /// Schema references (not supported: must be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<serde_json::Value>,
    /// Explicit id (IMPORT mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// Explicit version (IMPORT mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

impl SchemaRequest {
    /// A request carrying only schema text.
    pub fn new(schema: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            schema_type: None,
            references: Vec::new(),
            id: None,
            version: None,
        }
    }
}

/// Answer to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdResponse {
    /// Schema id.
    pub id: u32,
}

/// Answer to `GET /schemas/ids/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaResponse {
    /// Schema text.
    pub schema: String,
}

/// Answer to lookups and `GET /subjects/{s}/versions/{v}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectVersionResponse {
    /// Subject.
    pub subject: String,
    /// Version.
    pub version: u32,
    /// Schema id.
    pub id: u32,
    /// Schema text.
    pub schema: String,
}

/// A (subject, version) pair, as in `GET /schemas/ids/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectVersionRef {
    /// Subject.
    pub subject: String,
    /// Version.
    pub version: u32,
}

/// Answer to a compatibility check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompatibilityResponse {
    /// Whether the schema is compatible.
    pub is_compatible: bool,
    /// Reasons, when asked with `verbose=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<String>>,
}

/// Body of `PUT /config` (Confluent's clients send `compatibility`; `compatibilityLevel`
/// is accepted too).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfigRequest {
    /// Level name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    /// Level name (alternative spelling).
    #[serde(
        rename = "compatibilityLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub compatibility_level: Option<String>,
}

/// Answer to `GET /config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigResponse {
    /// Level name.
    #[serde(rename = "compatibilityLevel")]
    pub compatibility_level: String,
}

/// Answer to `PUT /config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigUpdateResponse {
    /// Level name.
    pub compatibility: String,
}

/// Body of `PUT /mode` and answer to `GET/PUT /mode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeBody {
    /// Mode name.
    pub mode: String,
}

/// Confluent's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Error code (e.g. 40401).
    pub error_code: u32,
    /// Message.
    pub message: String,
}
