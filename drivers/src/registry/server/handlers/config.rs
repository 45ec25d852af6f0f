//! `/config`: the compatibility level, global and per subject.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{Params, error, flag, json, parse_body, respond};
use crate::registry::server::shared::SharedRegistry;
use alertsim_core::registry::compat::CompatibilityLevel;
use alertsim_core::registry::error::{ErrorCode, RegistryError};
use alertsim_core::registry::state::RegistryState;
use alertsim_core::registry::wire::{ConfigRequest, ConfigResponse, ConfigUpdateResponse};

fn level_from(body: &[u8]) -> Result<CompatibilityLevel, RegistryError> {
    let request: ConfigRequest = parse_body(body)?;
    request
        .compatibility
        .or(request.compatibility_level)
        .ok_or_else(|| {
            RegistryError::new(
                ErrorCode::InvalidCompatibilityLevel,
                "No compatibility level given",
            )
        })?
        .parse()
}

pub(crate) async fn get_config(State(reg): State<SharedRegistry>) -> Response {
    json(&ConfigResponse {
        compatibility_level: reg.read(RegistryState::compatibility).to_string(),
    })
}

pub(crate) async fn put_config(State(reg): State<SharedRegistry>, body: Bytes) -> Response {
    set_compatibility(reg, &body, None).await
}

/// Sets the global level (`subject` None) or a subject's level from a
/// `PUT /config[/{subject}]` body.
async fn set_compatibility(reg: SharedRegistry, body: &[u8], subject: Option<String>) -> Response {
    let level = match level_from(body) {
        Ok(level) => level,
        Err(e) => return error(e),
    };
    respond(
        reg.update_blocking(move |s| {
            match subject {
                Some(subject) => s.set_subject_compatibility(&subject, Some(level)),
                None => s.set_compatibility(level),
            }
            Ok(ConfigUpdateResponse {
                compatibility: level.to_string(),
            })
        })
        .await,
    )
}

pub(crate) async fn get_subject_config(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    let default_to_global = flag(&q, "defaultToGlobal");
    respond(
        reg.read(|s| match s.subject_compatibility(&subject) {
            Some(level) => Ok(level),
            None if default_to_global => Ok(s.compatibility()),
            None => Err(RegistryError::new(
                ErrorCode::SubjectCompatibilityNotConfigured,
                format!("Subject '{subject}' does not have subject-level compatibility configured"),
            )),
        })
        .map(|level| ConfigResponse {
            compatibility_level: level.to_string(),
        }),
    )
}

pub(crate) async fn put_subject_config(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    body: Bytes,
) -> Response {
    set_compatibility(reg, &body, Some(subject)).await
}

pub(crate) async fn delete_subject_config(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
) -> Response {
    respond(
        reg.update_blocking(move |s| {
            let previous = s
                .subject_compatibility(&subject)
                .ok_or_else(|| RegistryError::subject_not_found(&subject))?;
            s.set_subject_compatibility(&subject, None);
            Ok(ConfigResponse {
                compatibility_level: previous.to_string(),
            })
        })
        .await,
    )
}
