//! Rubin's schema sync job over HTTP, against any Confluent-compatible
//! registry (alertsim's or Confluent's): what `alertsim registry sync` runs,
//! and what `load`, `publish` and `worker` run before they write Rubin's
//! deterministic ids, so that the registry serves the id they write.
//!
//! The job puts the import subject (`alert-packet`) in IMPORT mode, posts
//! each schema ([`SyncSchema`]: its fixed id `major * 100 + minor` and its
//! Parsing Canonical Form) with `"id"` and `"version"` both set to the fixed
//! id, registers `lsst-alerts-v{X.Y}-value` plainly (which reuses the id of
//! the identical schema), and puts the subject back to READWRITE. A
//! registry accepts IMPORT mode only on a subject without live versions, so
//! adding a schema to a synced registry takes the hard delete first, as in
//! production. With `delete_all` every subject the registry lists
//! is first deleted softly and then permanently, as production's job does
//! (its `GET /subjects` lists live subjects only, so subjects already
//! soft-deleted stay as they are).
//!
//! [`ensure_served`] does only what is missing: nothing when the id already
//! serves the schema under both subjects. It refuses ([`SyncError::is_refusal`])
//! when the registry holds another schema under the id, or refuses a step
//! (IMPORT mode on a subject with live versions, mode changes forbidden, an
//! id it will not overwrite): a caller must then not write that id, and
//! never falls back to an id the registry would assign.

use serde::Serialize;

use alertsim_core::alert::schema_history::HistoryError;
use alertsim_core::registry::compat::Mode;
use alertsim_core::registry::error::ErrorCode;
use alertsim_core::registry::wire::SchemaRequest;
use alertsim_core::registry::{IMPORT_SUBJECT, SyncSchema};

use super::client::{ClientError, RegistryClient};

/// What was done for one schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncAction {
    /// The id already served the schema under both subjects: nothing done.
    AlreadyServed,
    /// The id served the schema; a missing subject was added.
    SubjectsCompleted,
    /// The schema was imported under its id (and the topic subject registered).
    Imported,
}

/// One schema after the sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncedSchema {
    /// Alert schema version (`"11.0"`).
    pub version: String,
    /// The id the registry serves it under (the fixed id).
    pub id: u32,
    /// The import subject and the topic subject holding it.
    pub subjects: Vec<String>,
    /// What was done.
    pub action: SyncAction,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The registry's URL.
    pub registry: String,
    /// Subjects hard-deleted first (`delete_all`), in the registry's order.
    pub deleted_subjects: Vec<String>,
    /// Each schema, in the order given.
    pub schemas: Vec<SyncedSchema>,
}

/// Why a registry does not (or cannot be made to) serve a fixed id.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Another schema is stored under the id.
    #[error(
        "registry {registry} holds another schema under id {id}: alertsim writes {version} alerts with id {id} (Rubin's major * 100 + minor) and will not write an id that names another schema; restore the registry as production's sync job does with `alertsim registry sync --registry {registry} --delete-all`, or run with schema_registry.deterministic_ids = false to use an id the registry assigns"
    )]
    IdTaken {
        /// Registry URL.
        registry: String,
        /// The fixed id.
        id: u32,
        /// The alert schema version.
        version: String,
    },
    /// The registry refused a step of the sync.
    #[error(
        "registry {registry} refused {step}{purpose}: {reason}; alertsim writes only Rubin's fixed ids and does not fall back to one the registry assigns: restore the registry as production's sync job does with `alertsim registry sync --registry {registry} --delete-all`, or run with schema_registry.deterministic_ids = false"
    )]
    Refused {
        /// Registry URL.
        registry: String,
        /// The request refused (`PUT /mode/alert-packet IMPORT`).
        step: String,
        /// What it was for (` to serve id 1100`), or empty.
        purpose: String,
        /// The registry's answer.
        reason: String,
    },
    /// The registry put the schema under another id than the fixed one.
    #[error(
        "registry {registry} registered the {version} schema under subject {subject} with id {got}, not {id}: the registry holds the schema under another id as well; restore it with `alertsim registry sync --registry {registry} --delete-all`"
    )]
    OtherId {
        /// Registry URL.
        registry: String,
        /// The subject.
        subject: String,
        /// The alert schema version.
        version: String,
        /// The fixed id.
        id: u32,
        /// The id the registry answered.
        got: u32,
    },
    /// The registry could not be reached or answered with a server error.
    #[error("registry {registry}: {source}")]
    Unavailable {
        /// Registry URL.
        registry: String,
        /// The client's error.
        source: ClientError,
    },
    /// A schema version could not be derived.
    #[error("alert schema: {0}")]
    Schema(#[from] HistoryError),
}

impl SyncError {
    /// Whether the registry refused (its content or its answers forbid the fixed id):
    /// bad input for the command, exit code 2. False when it could not be reached.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::IdTaken { .. } | Self::Refused { .. } | Self::OtherId { .. }
        )
    }
}

/// Whether a client error is the registry's own refusal (a 4xx answer) rather
/// than a failure to reach it or a server error.
fn is_answer_refusal(e: &ClientError) -> bool {
    matches!(e, ClientError::Registry { status, .. } if (400..500).contains(status))
}

/// One step's error: a refusal with the step named, or the registry
/// unavailable. `id` is the fixed id the step serves, if any.
fn step_error(client: &RegistryClient, step: String, id: Option<u32>, e: ClientError) -> SyncError {
    if !is_answer_refusal(&e) {
        return unavailable(client, e);
    }
    let reason = match &e {
        ClientError::Registry {
            error_code,
            message,
            ..
        } => format!("{message} (error code {error_code})"),
        other => other.to_string(),
    };
    SyncError::Refused {
        registry: client.base_url().to_owned(),
        step,
        purpose: id.map_or_else(String::new, |id| format!(" to serve id {id}")),
        reason,
    }
}

fn unavailable(client: &RegistryClient, source: ClientError) -> SyncError {
    SyncError::Unavailable {
        registry: client.base_url().to_owned(),
        source,
    }
}

/// The sync job: with `delete_all` hard-delete every subject first, then make
/// the registry serve each schema under its fixed id in `subject` (production:
/// [`IMPORT_SUBJECT`]) and its topic subject.
pub async fn sync(
    client: &RegistryClient,
    subject: &str,
    schemas: &[SyncSchema],
    delete_all: bool,
) -> Result<SyncReport, SyncError> {
    let deleted_subjects = if delete_all {
        delete_all_subjects(client).await?
    } else {
        Vec::new()
    };
    let mut found = Vec::with_capacity(schemas.len());
    for schema in schemas {
        found.push(look_up(client, subject, schema).await?);
    }
    complete(client, subject, &found).await?;
    let schemas = found.iter().map(|f| f.synced(subject)).collect();
    Ok(SyncReport {
        registry: client.base_url().to_owned(),
        deleted_subjects,
        schemas,
    })
}

/// Deletes every subject `GET /subjects` lists, softly and then permanently
/// (Confluent needs the soft delete first); returns them.
pub async fn delete_all_subjects(client: &RegistryClient) -> Result<Vec<String>, SyncError> {
    let subjects = client
        .subjects()
        .await
        .map_err(|e| unavailable(client, e))?;
    for subject in &subjects {
        for permanent in [false, true] {
            if let Err(e) = client.delete_subject(subject, permanent).await {
                // Gone meanwhile (another client): nothing left to delete.
                if e.code() == Some(ErrorCode::SubjectNotFound) {
                    break;
                }
                let step = format!("DELETE /subjects/{subject}?permanent={permanent}");
                return Err(step_error(client, step, None, e));
            }
        }
    }
    Ok(subjects)
}

/// Makes the registry serve `schema` under its fixed id, in `subject` and in
/// its topic subject, doing only what is missing; refuses when another
/// schema holds the id or the registry refuses a step.
pub async fn ensure_served(
    client: &RegistryClient,
    subject: &str,
    schema: &SyncSchema,
) -> Result<SyncedSchema, SyncError> {
    let found = look_up(client, subject, schema).await?;
    complete(client, subject, std::slice::from_ref(&found)).await?;
    Ok(found.synced(subject))
}

/// Makes sure the registry serves Rubin's id of `schema` in [`IMPORT_SUBJECT`]
/// and its topic subject, and returns the id: what a producer with
/// deterministic ids runs when it is given a registry.
pub async fn ensure_rubin_id(
    client: &RegistryClient,
    schema: &SyncSchema,
) -> Result<u32, SyncError> {
    Ok(ensure_served(client, IMPORT_SUBJECT, schema).await?.id)
}

/// What the registry holds of one schema before the sync.
struct Found<'a> {
    schema: &'a SyncSchema,
    /// The text to post: the registry's own when it serves the id (the same
    /// bytes give the same id on a registry that tells schemas apart by their
    /// text, as Confluent does), else the schema's canonical form.
    text: String,
    /// The registry served the id already.
    served: bool,
    in_subject: bool,
    in_topic_subject: bool,
}

impl Found<'_> {
    /// The schema as the sync leaves it.
    fn synced(&self, subject: &str) -> SyncedSchema {
        let action = match (self.served, self.in_subject && self.in_topic_subject) {
            (false, _) => SyncAction::Imported,
            (true, true) => SyncAction::AlreadyServed,
            (true, false) => SyncAction::SubjectsCompleted,
        };
        let topic = self.schema.topic_subject();
        let mut subjects = vec![subject.to_owned()];
        if topic != subject {
            subjects.push(topic);
        }
        SyncedSchema {
            version: self.schema.version.as_str().to_owned(),
            id: self.schema.id,
            subjects,
            action,
        }
    }
}

/// The job's steps for what [`look_up`] found missing, in its order (every
/// id was looked at first, so a refusal came before anything changed): the
/// subject in IMPORT mode once, each missing schema posted with its id, the
/// subject back to READWRITE, and the missing topic subjects registered.
async fn complete(
    client: &RegistryClient,
    subject: &str,
    found: &[Found<'_>],
) -> Result<(), SyncError> {
    let to_import: Vec<&Found<'_>> = found.iter().filter(|f| !f.in_subject).collect();
    if !to_import.is_empty() {
        import(client, subject, &to_import).await?;
    }
    for f in found.iter().filter(|f| !f.in_topic_subject) {
        register_topic_subject(client, f.schema, &f.text).await?;
    }
    Ok(())
}

/// What the registry serves under the schema's id, and which of the two
/// subjects hold it; refuses when the id serves another schema.
async fn look_up<'a>(
    client: &RegistryClient,
    subject: &str,
    schema: &'a SyncSchema,
) -> Result<Found<'a>, SyncError> {
    let served = client
        .fetch_schema_by_id(schema.id)
        .await
        .map_err(|e| unavailable(client, e))?;
    let Some(text) = served else {
        return Ok(Found {
            schema,
            text: schema.schema.clone(),
            served: false,
            in_subject: false,
            in_topic_subject: false,
        });
    };
    if !schema.is_same_schema(&text) {
        return Err(id_taken(client, schema));
    }
    let holders = client
        .versions_of_id(schema.id)
        .await
        .map_err(|e| unavailable(client, e))?;
    let topic = schema.topic_subject();
    Ok(Found {
        schema,
        text,
        served: true,
        in_subject: holders.iter().any(|h| h.subject == subject),
        in_topic_subject: holders.iter().any(|h| h.subject == topic),
    })
}

fn id_taken(client: &RegistryClient, schema: &SyncSchema) -> SyncError {
    SyncError::IdTaken {
        registry: client.base_url().to_owned(),
        id: schema.id,
        version: schema.version.as_str().to_owned(),
    }
}

/// IMPORT mode on `subject`, each schema posted with its id as id and
/// version, READWRITE again (also after a refused post, so the subject is not
/// left in IMPORT mode).
async fn import(
    client: &RegistryClient,
    subject: &str,
    schemas: &[&Found<'_>],
) -> Result<(), SyncError> {
    let first_id = schemas.first().map(|f| f.schema.id);
    client
        .set_mode(Some(subject), Mode::Import, false)
        .await
        .map_err(|e| step_error(client, format!("PUT /mode/{subject} IMPORT"), first_id, e))?;
    let mut posted = Ok(());
    for found in schemas {
        posted = post_with_id(client, subject, found).await;
        if posted.is_err() {
            break;
        }
    }
    let readwrite = client.set_mode(Some(subject), Mode::Readwrite, false).await;
    posted?;
    readwrite.map_err(|e| step_error(client, format!("PUT /mode/{subject} READWRITE"), None, e))
}

/// One schema posted with its id as id and version (the subject is in IMPORT mode).
async fn post_with_id(
    client: &RegistryClient,
    subject: &str,
    found: &Found<'_>,
) -> Result<(), SyncError> {
    let schema = found.schema;
    let id = schema.id;
    let mut request = SchemaRequest::new(found.text.as_str());
    request.id = Some(id);
    request.version = Some(id);
    match client.register_request(subject, &request).await {
        Ok(got) if got == id => Ok(()),
        Ok(got) => Err(SyncError::OtherId {
            registry: client.base_url().to_owned(),
            subject: subject.to_owned(),
            version: schema.version.as_str().to_owned(),
            id,
            got,
        }),
        // Another schema (one only soft-deleted versions use) keeps the id.
        Err(ClientError::Registry { message, .. }) if message.contains("Overwrite") => {
            Err(id_taken(client, schema))
        }
        Err(e) => {
            let step = format!("POST /subjects/{subject}/versions with id {id}");
            Err(step_error(client, step, Some(id), e))
        }
    }
}

/// Registers the topic subject plainly; the registry must answer the fixed id.
async fn register_topic_subject(
    client: &RegistryClient,
    schema: &SyncSchema,
    text: &str,
) -> Result<(), SyncError> {
    let topic = schema.topic_subject();
    let got = client
        .register_request(&topic, &SchemaRequest::new(text))
        .await
        .map_err(|e| {
            let step = format!("POST /subjects/{topic}/versions");
            step_error(client, step, Some(schema.id), e)
        })?;
    if got == schema.id {
        Ok(())
    } else {
        Err(SyncError::OtherId {
            registry: client.base_url().to_owned(),
            subject: topic,
            version: schema.version.as_str().to_owned(),
            id: schema.id,
            got,
        })
    }
}
