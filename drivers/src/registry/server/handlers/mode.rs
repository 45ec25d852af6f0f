//! `/mode`: the registry's mode (READWRITE, READONLY, IMPORT), global and per subject.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{Params, error, flag, json, parse_body, respond};
use crate::registry::server::shared::SharedRegistry;
use alertsim_core::registry::compat::Mode;
use alertsim_core::registry::error::{ErrorCode, RegistryError};
use alertsim_core::registry::state::RegistryState;
use alertsim_core::registry::wire::ModeBody;

fn mode_from(body: &[u8]) -> Result<Mode, RegistryError> {
    let request: ModeBody = parse_body(body)?;
    request.mode.parse()
}

fn mode_body(mode: Mode) -> ModeBody {
    ModeBody {
        mode: mode.to_string(),
    }
}

pub(crate) async fn get_mode(State(reg): State<SharedRegistry>) -> Response {
    json(&mode_body(reg.read(RegistryState::mode)))
}

pub(crate) async fn put_mode(
    State(reg): State<SharedRegistry>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let force = flag(&q, "force");
    let mode = match mode_from(&body) {
        Ok(mode) => mode,
        Err(e) => return error(e),
    };
    respond(
        reg.update_blocking(move |s| s.set_mode(mode, force))
            .await
            .map(|()| mode_body(mode)),
    )
}

pub(crate) async fn get_subject_mode(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    let default_to_global = flag(&q, "defaultToGlobal");
    respond(reg.read(|s| match s.subject_mode(&subject) {
        Some(mode) => Ok(mode_body(mode)),
        None if default_to_global => Ok(mode_body(s.mode())),
        None => Err(RegistryError::new(
            ErrorCode::SubjectModeNotConfigured,
            format!("Subject '{subject}' does not have subject-level mode configured"),
        )),
    }))
}

pub(crate) async fn put_subject_mode(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let force = flag(&q, "force");
    let mode = match mode_from(&body) {
        Ok(mode) => mode,
        Err(e) => return error(e),
    };
    respond(
        reg.update_blocking(move |s| s.set_subject_mode(&subject, Some(mode), force))
            .await
            .map(|()| mode_body(mode)),
    )
}

pub(crate) async fn delete_subject_mode(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
) -> Response {
    respond(
        reg.update_blocking(move |s| {
            let previous = s
                .subject_mode(&subject)
                .ok_or_else(|| RegistryError::subject_not_found(&subject))?;
            s.set_subject_mode(&subject, None, true)?;
            Ok(mode_body(previous))
        })
        .await,
    )
}
