//! `/schemas`: the supported schema types, and a schema by its id with the subjects and
//! versions that use it.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{Params, flag, json, parse_id, respond};
use crate::registry::server::shared::SharedRegistry;
use alertsim_core::registry::wire::{SchemaResponse, SubjectVersionRef};

pub(crate) async fn schema_types() -> Response {
    json(&["AVRO"])
}

pub(crate) async fn schema_by_id(
    State(reg): State<SharedRegistry>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    respond(parse_id(&id).and_then(|id| {
        reg.read(|s| {
            s.schema_by_id(id, flag(&q, "deleted"))
                .map(|text| SchemaResponse {
                    schema: text.to_owned(),
                })
        })
    }))
}

pub(crate) async fn versions_of_id(
    State(reg): State<SharedRegistry>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    respond(parse_id(&id).and_then(|id| {
        reg.read(|s| s.versions_of_id(id, flag(&q, "deleted")))
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(subject, version)| SubjectVersionRef { subject, version })
                    .collect::<Vec<_>>()
            })
    }))
}

pub(crate) async fn subjects_of_id(
    State(reg): State<SharedRegistry>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    respond(parse_id(&id).and_then(|id| {
        reg.read(|s| s.versions_of_id(id, flag(&q, "deleted")))
            .map(|pairs| {
                let mut subjects: Vec<String> =
                    pairs.into_iter().map(|(subject, _)| subject).collect();
                subjects.dedup();
                subjects
            })
    }))
}
