//! `/compatibility`: whether a schema is compatible with one version of a subject, or with
//! all of them.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{Params, flag, parse_schema_request, respond};
use crate::registry::server::shared::SharedRegistry;
use alertsim_core::registry::state::VersionSpec;
use alertsim_core::registry::wire::CompatibilityResponse;

fn compatibility_answer(reasons: Vec<String>, verbose: bool) -> CompatibilityResponse {
    CompatibilityResponse {
        is_compatible: reasons.is_empty(),
        messages: verbose.then_some(reasons),
    }
}

pub(crate) async fn check_version(
    State(reg): State<SharedRegistry>,
    Path((subject, version)): Path<(String, String)>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let verbose = flag(&q, "verbose");
    respond(
        VersionSpec::parse(&version)
            .and_then(|spec| {
                let request = parse_schema_request(&body)?;
                reg.read(|s| s.check_compatibility(&subject, Some(spec), &request.schema))
            })
            .map(|reasons| compatibility_answer(reasons, verbose)),
    )
}

pub(crate) async fn check_all(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let verbose = flag(&q, "verbose");
    respond(
        parse_schema_request(&body)
            .and_then(|request| {
                reg.read(|s| s.check_compatibility(&subject, None, &request.schema))
            })
            .map(|reasons| compatibility_answer(reasons, verbose)),
    )
}
