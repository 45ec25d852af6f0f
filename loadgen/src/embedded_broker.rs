//! An in-process Kafka-protocol broker for tests and embedded runs.
//!
//! The broker is tansu (crates `tansu-broker`, `tansu-storage`) with
//! in-memory storage, listening on a free loopback port that it also
//! advertises. It can be stopped and restarted on the same port with its
//! storage intact, which is how tests and `alertsim load` take "the broker"
//! down in the middle of a run. Known limits of this broker (DESIGN.md):
//! topics must be created explicitly, the in-memory storage never deletes,
//! and its high watermark is wrong when a batch holds several records, so
//! callers count messages themselves.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use tansu_broker::broker::Broker;
use tansu_broker::coordinator::group::administrator::Controller;
use tansu_storage::StorageContainer;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::Url;

type TansuBroker = Broker<Controller<StorageContainer>, StorageContainer>;

/// How long [`EmbeddedBroker::start`] and [`EmbeddedBroker::restart`] wait
/// for the listener to accept connections. It is up within a second on an
/// idle machine; a restart in a load run competes with the run's own
/// workers on 2 cores, and 10 s was once not enough there.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Errors starting the embedded broker.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedBrokerError {
    /// The address cannot be bound.
    #[error("embedded Kafka broker: cannot bind the listen address: {0}")]
    Port(#[source] std::io::Error),
    /// tansu refused its configuration.
    #[error("embedded Kafka broker: {0}")]
    Build(String),
    /// The listener did not come up in time.
    #[error("embedded Kafka broker on {addr} did not accept connections within {READY_TIMEOUT:?}")]
    NotReady {
        /// The address it should listen on.
        addr: SocketAddr,
    },
}

/// A running (or stopped) in-process broker.
pub struct EmbeddedBroker {
    broker: TansuBroker,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBroker")
            .field("addr", &self.addr)
            .field("running", &self.is_running())
            .finish()
    }
}

impl EmbeddedBroker {
    /// Starts a broker on a free loopback port and waits until it accepts
    /// connections. Must run inside a tokio runtime.
    pub async fn start() -> Result<Self, EmbeddedBrokerError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a broker listening on (and advertising) `addr`; port 0 picks
    /// a free port.
    pub async fn start_on(addr: SocketAddr) -> Result<Self, EmbeddedBrokerError> {
        let addr = TcpListener::bind(addr)
            .and_then(|l| l.local_addr())
            .map_err(EmbeddedBrokerError::Port)?;
        let url = |s: &str| Url::parse(s).map_err(|e| EmbeddedBrokerError::Build(e.to_string()));
        let listener = url(&format!("tcp://{addr}"))?;
        let broker = TansuBroker::builder()
            .node_id(1)
            .cluster_id("alertsim")
            .incarnation_id(uuid_from_port(addr.port()))
            .advertised_listener(listener.clone())
            .storage(url("memory://tansu/")?)
            .listener(listener)
            .silent(true)
            .build()
            .await
            .map_err(|e| EmbeddedBrokerError::Build(e.to_string()))?;
        let mut embedded = EmbeddedBroker {
            broker,
            addr,
            task: None,
        };
        embedded.spawn(true).await?;
        Ok(embedded)
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        self.addr.to_string()
    }

    /// Whether the broker is serving.
    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops serving: the listener and every connection are dropped at once
    /// (as when a broker's host dies); the stored messages stay.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Serves again on the same port with the same storage; waits until it
    /// accepts connections. Does nothing if it is running.
    pub async fn restart(&mut self) -> Result<(), EmbeddedBrokerError> {
        if self.is_running() {
            return Ok(());
        }
        self.spawn(false).await
    }

    async fn spawn(&mut self, register: bool) -> Result<(), EmbeddedBrokerError> {
        let mut broker = self.broker.clone();
        self.task = Some(tokio::spawn(async move {
            let started = Instant::now();
            let served = if register {
                broker.serve(started).await
            } else {
                broker.listen(started).await
            };
            if let Err(e) = served {
                tracing::error!(error = %e, "embedded Kafka broker stopped");
            }
        }));
        self.wait_ready().await
    }

    /// Waits for the listening socket: a connection attempt either succeeds
    /// (ready) or is refused (not bound yet), so this polls the event itself.
    async fn wait_ready(&self) -> Result<(), EmbeddedBrokerError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if !self.is_running() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err(EmbeddedBrokerError::NotReady { addr: self.addr })
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fixed incarnation id per port, so runs are reproducible.
fn uuid_from_port(port: u16) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x616c_6572_7473_696d_0000_0000_0000_0000 | u128::from(port))
}
