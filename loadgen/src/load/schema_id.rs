//! The schema id a load run writes, and what it does at the registry for it
//! before the night starts.
//!
//! With Rubin's deterministic ids (`schema_registry.deterministic_ids`, the
//! default) every alert carries `major * 100 + minor` (1100 for 11.0): the
//! run first makes the registry serve that id as production's schema sync
//! job does (IMPORT on the subject, the schema posted with its id,
//! `lsst-alerts-v11.0-value`, READWRITE), and refuses to start when the
//! registry holds another schema under it or refuses a step; each Job then
//! computes the id and never asks the registry, as the packager does.
//! Without them, the run registers the schema and each Job looks its id up
//! when it starts (a Job starting while the registry is down fails), and
//! every alert carries the id the registry assigned.

use alertsim_core::alert::schema::{SCHEMA_MAJOR, SCHEMA_MINOR, alert_schema_json};
use alertsim_core::alert::schema_history::SchemaVersion;
use alertsim_core::registry::SyncSchema;
use alertsim_drivers::registry::{
    RegistryClient, SchemaIdSource, SyncAction, SyncError, ensure_served,
};
use serde::Serialize;

use super::state::Endpoints;

/// The schema id a run wrote, for `load-info.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaIdUse {
    /// `schema_registry.deterministic_ids`: Rubin's fixed ids, or the
    /// registry's assigned one.
    pub deterministic_ids: bool,
    /// The id in every alert's wire header.
    pub id: u32,
    /// The alert schema version written.
    pub version: String,
    /// The registry subjects holding it.
    pub subjects: Vec<String>,
    /// What the run did at the registry: `imported`, `already_served` or
    /// `subjects_completed` (deterministic ids), `registered` (assigned id).
    pub registry_action: String,
}

/// Why the run could not get its schema id.
#[derive(Debug, thiserror::Error)]
pub enum SchemaIdFailure {
    /// The registry holds another schema under the fixed id, or refused a
    /// step of the sync: the run does not start (bad input).
    #[error("{0}")]
    Refused(SyncError),
    /// The registry could not be reached or refused the registration.
    #[error("{0}")]
    Failed(String),
}

/// The version a load run writes: the generator's, 11.0 (`SCHEMA_MAJOR`.`SCHEMA_MINOR`).
const VERSION: SchemaVersion = SchemaVersion::V11_0;

/// Makes the registry serve the run's schema id (see the module doc);
/// returns what the run will write.
pub async fn prepare_schema_id(
    deterministic_ids: bool,
    e: &Endpoints,
) -> Result<SchemaIdUse, SchemaIdFailure> {
    let client =
        RegistryClient::new(&e.registry).map_err(|err| SchemaIdFailure::Failed(err.to_string()))?;
    if deterministic_ids {
        let schema =
            SyncSchema::of(VERSION).map_err(|err| SchemaIdFailure::Failed(err.to_string()))?;
        let synced = ensure_served(&client, &e.subject, &schema)
            .await
            .map_err(|err| {
                if err.is_refusal() {
                    SchemaIdFailure::Refused(err)
                } else {
                    SchemaIdFailure::Failed(err.to_string())
                }
            })?;
        let action = match synced.action {
            SyncAction::AlreadyServed => "already_served",
            SyncAction::SubjectsCompleted => "subjects_completed",
            SyncAction::Imported => "imported",
        };
        return Ok(SchemaIdUse {
            deterministic_ids,
            id: synced.id,
            version: synced.version,
            subjects: synced.subjects,
            registry_action: action.to_owned(),
        });
    }
    let id = registry_source(client, e, true)
        .resolve()
        .await
        .map_err(|err| SchemaIdFailure::Failed(err.to_string()))?;
    Ok(SchemaIdUse {
        deterministic_ids,
        id,
        version: VERSION.as_str().to_owned(),
        subjects: vec![e.subject.clone()],
        registry_action: "registered".to_owned(),
    })
}

/// Where a Job gets its schema id when it starts: Rubin's id, computed; or
/// the registry's, looked up (the run registered it).
pub fn job_schema_id_source(
    deterministic_ids: bool,
    e: &Endpoints,
) -> Result<SchemaIdSource, String> {
    if deterministic_ids {
        return Ok(SchemaIdSource::Rubin {
            major: SCHEMA_MAJOR.unsigned_abs(),
            minor: SCHEMA_MINOR.unsigned_abs(),
        });
    }
    let client = RegistryClient::new(&e.registry).map_err(|err| err.to_string())?;
    Ok(registry_source(client, e, false))
}

fn registry_source(client: RegistryClient, e: &Endpoints, register: bool) -> SchemaIdSource {
    SchemaIdSource::Registry {
        client,
        subject: e.subject.clone(),
        schema: alert_schema_json(),
        register,
    }
}
