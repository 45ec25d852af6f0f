//! The registry's HTTP server (Confluent REST subset) over [`RegistryState`], and its
//! lifecycle: configuration, an in-process start for tests and the load generator, and
//! shutdown.
//!
//! - [`SharedRegistry`] (`shared`): the state every request handler shares, changed
//!   under one mutex and saved before it is swapped in;
//! - `routes`: the route table ([`router`]);
//! - `handlers`: the handlers, one file per resource (subjects, schemas, compatibility,
//!   config, mode), and the request parsing and error bodies they share.

mod handlers;
mod routes;
mod shared;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::store::StoreError;
use alertsim_core::registry::state::RegistryState;

pub use routes::router;
pub use shared::SharedRegistry;

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
