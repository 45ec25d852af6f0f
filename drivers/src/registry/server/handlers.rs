//! The request handlers, one file per resource, and what they share: query flags, JSON
//! and error responses in Confluent's format, and parsing of request bodies.

pub(super) mod compatibility;
pub(super) mod config;
pub(super) mod mode;
pub(super) mod schemas;
pub(super) mod subjects;

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use alertsim_core::registry::error::{ErrorCode, RegistryError};
use alertsim_core::registry::wire::{CONTENT_TYPE, ErrorBody, SchemaRequest};

type Params = Query<HashMap<String, String>>;

fn flag(params: &HashMap<String, String>, name: &str) -> bool {
    params
        .get(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(e) => error(RegistryError::new(ErrorCode::StoreError, e.to_string())),
    }
}

fn error(err: RegistryError) -> Response {
    let status =
        StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ErrorBody {
        error_code: err.code.code(),
        message: err.message,
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], bytes).into_response()
}

fn respond<T: Serialize>(result: Result<T, RegistryError>) -> Response {
    match result {
        Ok(value) => json(&value),
        Err(e) => error(e),
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RegistryError> {
    serde_json::from_slice(body).map_err(|e| {
        RegistryError::new(
            ErrorCode::BadRequest,
            format!("Unrecognized request body: {e}"),
        )
    })
}

fn parse_schema_request(body: &[u8]) -> Result<SchemaRequest, RegistryError> {
    let request: SchemaRequest = parse_body(body)?;
    if let Some(kind) = &request.schema_type
        && !kind.eq_ignore_ascii_case("AVRO")
    {
        return Err(RegistryError::new(
            ErrorCode::InvalidSchema,
            format!("Schema type {kind} is not supported: only AVRO"),
        ));
    }
    if !request.references.is_empty() {
        return Err(RegistryError::new(
            ErrorCode::InvalidSchema,
            "Schema references are not supported: inline the referenced types",
        ));
    }
    Ok(request)
}

fn parse_id(text: &str) -> Result<u32, RegistryError> {
    text.parse().map_err(|_| {
        RegistryError::new(
            ErrorCode::NotFound,
            format!("Schema id '{text}' is not a number"),
        )
    })
}

pub(super) async fn root() -> Response {
    json(&serde_json::json!({}))
}

pub(super) async fn not_found() -> Response {
    error(RegistryError::new(
        ErrorCode::NotFound,
        "HTTP 404 Not Found",
    ))
}
