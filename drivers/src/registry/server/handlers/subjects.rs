//! `/subjects`: listing subjects and their versions, registering a schema under a subject,
//! looking one up, reading and deleting versions and subjects.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Params, error, flag, json, parse_schema_request, respond};
use crate::registry::server::shared::SharedRegistry;
use alertsim_core::registry::state::{Registration, SchemaVersionInfo, VersionSpec};
use alertsim_core::registry::wire::{CONTENT_TYPE, IdResponse, SubjectVersionResponse};

fn version_response(info: SchemaVersionInfo) -> SubjectVersionResponse {
    SubjectVersionResponse {
        subject: info.subject,
        version: info.version,
        id: info.id,
        schema: info.schema,
    }
}

pub(crate) async fn list_subjects(State(reg): State<SharedRegistry>, Query(q): Params) -> Response {
    json(&reg.read(|s| s.subjects(flag(&q, "deleted"))))
}

pub(crate) async fn list_versions(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    respond(reg.read(|s| s.versions(&subject, flag(&q, "deleted"))))
}

pub(crate) async fn register(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    body: Bytes,
) -> Response {
    let request = match parse_schema_request(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let registration = Registration {
        schema: request.schema,
        id: request.id,
        version: request.version,
    };
    respond(
        reg.update_blocking(move |s| s.register(&subject, &registration))
            .await
            .map(|id| IdResponse { id }),
    )
}

pub(crate) async fn lookup(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    respond(parse_schema_request(&body).and_then(|request| {
        reg.read(|s| s.lookup(&subject, &request.schema, flag(&q, "deleted")))
            .map(version_response)
    }))
}

pub(crate) async fn delete_subject(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    let permanent = flag(&q, "permanent");
    respond(
        reg.update_blocking(move |s| s.delete_subject(&subject, permanent))
            .await,
    )
}

pub(crate) async fn get_version(
    State(reg): State<SharedRegistry>,
    Path((subject, version)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    respond(VersionSpec::parse(&version).and_then(|spec| {
        reg.read(|s| s.version(&subject, spec, flag(&q, "deleted")))
            .map(version_response)
    }))
}

pub(crate) async fn delete_version(
    State(reg): State<SharedRegistry>,
    Path((subject, version)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    let spec = match VersionSpec::parse(&version) {
        Ok(spec) => spec,
        Err(e) => return error(e),
    };
    let permanent = flag(&q, "permanent");
    respond(
        reg.update_blocking(move |s| s.delete_version(&subject, spec, permanent))
            .await,
    )
}

pub(crate) async fn get_version_schema(
    State(reg): State<SharedRegistry>,
    Path((subject, version)): Path<(String, String)>,
) -> Response {
    match VersionSpec::parse(&version)
        .and_then(|spec| reg.read(|s| s.version(&subject, spec, false)))
    {
        Ok(info) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, CONTENT_TYPE)],
            info.schema,
        )
            .into_response(),
        Err(e) => error(e),
    }
}
