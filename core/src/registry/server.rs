//! The registry's HTTP layer (Confluent REST subset) over [`RegistryState`]: routes,
//! request parsing, error bodies, and an in-process start for tests and the load generator.
//!
//! Every change runs inside one mutex: the state is copied, changed, saved to the data
//! directory (when there is one) and only then swapped in, so a failed save changes nothing
//! and concurrent requests see a single order of events.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::compat::{CompatibilityLevel, Mode};
use super::error::{ErrorCode, RegistryError};
use super::state::{Registration, RegistryState, SchemaVersionInfo, VersionSpec};
use super::store::{RegistryStore, StoreError};
use super::wire::{
    CONTENT_TYPE, CompatibilityResponse, ConfigRequest, ConfigResponse, ConfigUpdateResponse,
    ErrorBody, IdResponse, ModeBody, SchemaRequest, SchemaResponse, SubjectVersionRef,
    SubjectVersionResponse,
};

/// Where the server listens and keeps its state.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Listen address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Data directory; `None` keeps the state in memory only.
    pub data_dir: Option<PathBuf>,
}

/// Errors starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data directory could not be opened.
    #[error("opening the registry data directory: {0}")]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Error.
        source: io::Error,
    },
    /// The server stopped with an error.
    #[error("registry server failed: {0}")]
    Serve(io::Error),
    /// The server task panicked or was cancelled.
    #[error("registry server task ended abnormally: {0}")]
    Task(String),
}

struct Inner {
    state: Mutex<RegistryState>,
    store: Option<RegistryStore>,
}

/// The registry state shared by request handlers, with its optional store.
#[derive(Clone)]
pub struct SharedRegistry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SharedRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRegistry")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl SharedRegistry {
    /// A registry kept in memory only.
    pub fn in_memory(state: RegistryState) -> Self {
        Self::build(state, None)
    }

    /// A registry persisted in `dir` (loaded from it if it holds a state).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let (store, state) = RegistryStore::open(dir.into())?;
        Ok(Self::build(state, Some(store)))
    }

    fn build(state: RegistryState, store: Option<RegistryStore>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                store,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, RegistryState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    pub fn read<T>(&self, f: impl FnOnce(&RegistryState) -> T) -> T {
        f(&self.lock())
    }

    /// Changes the state atomically: on error (of `f` or of saving) nothing changes.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut RegistryState) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        let result = f(&mut next)?;
        if next != *guard {
            if let Some(store) = &self.inner.store {
                store.save(&next).map_err(|e| {
                    RegistryError::new(ErrorCode::StoreError, format!("Error while storing: {e}"))
                })?;
            }
            *guard = next;
        }
        Ok(result)
    }

    async fn update_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut RegistryState) -> Result<T, RegistryError> + Send + 'static,
    ) -> Result<T, RegistryError> {
        let shared = self.clone();
        tokio::task::spawn_blocking(move || shared.update(f))
            .await
            .map_err(|e| {
                RegistryError::new(ErrorCode::StoreError, format!("update task failed: {e}"))
            })?
    }
}

/// A server running in this process.
#[derive(Debug)]
pub struct RunningRegistry {
    addr: SocketAddr,
    registry: SharedRegistry,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningRegistry {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL (`http://addr`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state the server serves.
    pub fn registry(&self) -> &SharedRegistry {
        &self.registry
    }

    /// Stops accepting, finishes in-flight requests, and waits for the server to end.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let Self { shutdown, task, .. } = self;
        // The receiver is gone only if the server already ended; its result tells why.
        let _ = shutdown.send(());
        join(task).await
    }

    /// Waits for the server to end (it ends on its own only on an error).
    pub async fn wait(self) -> Result<(), ServerError> {
        let Self { shutdown, task, .. } = self;
        let result = join(task).await;
        drop(shutdown);
        result
    }
}

impl RunningRegistry {
    /// Serves until `stop` completes, then shuts down gracefully; returns early with the
    /// server's error if it fails first.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Self {
            shutdown, mut task, ..
        } = self;
        tokio::select! {
            ended = &mut task => {
                drop(shutdown);
                return match ended {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(ServerError::Serve(e)),
                    Err(e) => Err(ServerError::Task(e.to_string())),
                };
            }
            () = stop => {}
        }
        let _ = shutdown.send(());
        join(task).await
    }
}

async fn join(task: JoinHandle<io::Result<()>>) -> Result<(), ServerError> {
    match task.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(ServerError::Serve(e)),
        Err(e) => Err(ServerError::Task(e.to_string())),
    }
}

/// Opens the data directory, binds the address and serves in a tokio task.
pub async fn start(config: ServerConfig) -> Result<RunningRegistry, ServerError> {
    let registry = match &config.data_dir {
        Some(dir) => SharedRegistry::open(dir.clone())?,
        None => SharedRegistry::in_memory(RegistryState::new()),
    };
    start_with(config.listen, registry).await
}

/// Serves an existing shared registry on `listen`.
pub async fn start_with(
    listen: SocketAddr,
    registry: SharedRegistry,
) -> Result<RunningRegistry, ServerError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: listen,
        source,
    })?;
    let (shutdown, stop) = oneshot::channel::<()>();
    let app = router(registry.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender means the handle is gone: stop as well.
                let _ = stop.await;
            })
            .await
    });
    Ok(RunningRegistry {
        addr,
        registry,
        shutdown,
        task,
    })
}

/// The routes of the Confluent REST subset.
pub fn router(registry: SharedRegistry) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/subjects", get(list_subjects))
        .route("/subjects/{subject}", post(lookup).delete(delete_subject))
        .route(
            "/subjects/{subject}/versions",
            get(list_versions).post(register),
        )
        .route(
            "/subjects/{subject}/versions/{version}",
            get(get_version).delete(delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(get_version_schema),
        )
        .route("/schemas/types", get(schema_types))
        .route("/schemas/ids/{id}", get(schema_by_id))
        .route("/schemas/ids/{id}/versions", get(versions_of_id))
        .route("/schemas/ids/{id}/subjects", get(subjects_of_id))
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(check_version),
        )
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(check_all),
        )
        .route("/config", get(get_config).put(put_config))
        .route(
            "/config/{subject}",
            get(get_subject_config)
                .put(put_subject_config)
                .delete(delete_subject_config),
        )
        .route("/mode", get(get_mode).put(put_mode))
        .route(
            "/mode/{subject}",
            get(get_subject_mode)
                .put(put_subject_mode)
                .delete(delete_subject_mode),
        )
        .fallback(not_found)
        .with_state(registry)
}

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

fn version_response(info: SchemaVersionInfo) -> SubjectVersionResponse {
    SubjectVersionResponse {
        subject: info.subject,
        version: info.version,
        id: info.id,
        schema: info.schema,
    }
}

async fn root() -> Response {
    json(&serde_json::json!({}))
}

async fn not_found() -> Response {
    error(RegistryError::new(
        ErrorCode::NotFound,
        "HTTP 404 Not Found",
    ))
}

async fn list_subjects(State(reg): State<SharedRegistry>, Query(q): Params) -> Response {
    json(&reg.read(|s| s.subjects(flag(&q, "deleted"))))
}

async fn list_versions(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    respond(reg.read(|s| s.versions(&subject, flag(&q, "deleted"))))
}

async fn register(
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

async fn lookup(
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

async fn delete_subject(
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

async fn get_version(
    State(reg): State<SharedRegistry>,
    Path((subject, version)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    respond(VersionSpec::parse(&version).and_then(|spec| {
        reg.read(|s| s.version(&subject, spec, flag(&q, "deleted")))
            .map(version_response)
    }))
}

async fn delete_version(
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

async fn get_version_schema(
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

async fn schema_types() -> Response {
    json(&["AVRO"])
}

async fn schema_by_id(
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

async fn versions_of_id(
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

async fn subjects_of_id(
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

fn compatibility_answer(reasons: Vec<String>, verbose: bool) -> CompatibilityResponse {
    CompatibilityResponse {
        is_compatible: reasons.is_empty(),
        messages: verbose.then_some(reasons),
    }
}

async fn check_version(
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

async fn check_all(
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

async fn get_config(State(reg): State<SharedRegistry>) -> Response {
    json(&ConfigResponse {
        compatibility_level: reg.read(RegistryState::compatibility).to_string(),
    })
}

async fn put_config(State(reg): State<SharedRegistry>, body: Bytes) -> Response {
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

async fn get_subject_config(
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

async fn put_subject_config(
    State(reg): State<SharedRegistry>,
    Path(subject): Path<String>,
    body: Bytes,
) -> Response {
    set_compatibility(reg, &body, Some(subject)).await
}

async fn delete_subject_config(
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

fn mode_from(body: &[u8]) -> Result<Mode, RegistryError> {
    let request: ModeBody = parse_body(body)?;
    request.mode.parse()
}

fn mode_body(mode: Mode) -> ModeBody {
    ModeBody {
        mode: mode.to_string(),
    }
}

async fn get_mode(State(reg): State<SharedRegistry>) -> Response {
    json(&mode_body(reg.read(RegistryState::mode)))
}

async fn put_mode(State(reg): State<SharedRegistry>, Query(q): Params, body: Bytes) -> Response {
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

async fn get_subject_mode(
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

async fn put_subject_mode(
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

async fn delete_subject_mode(
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
