//! The services a load run talks to: the ones the user named (`--kafka`,
//! `--redis`, `--registry`), and for each one not named, a local one this
//! process starts: an in-process Kafka-protocol broker (cargo feature
//! `embedded-broker`), `redis-server` on a Unix socket, and the project's
//! registry server in-process; or, when asked, a local Apache Kafka cluster
//! instead of the in-process broker. Faults that stop and restart a service
//! can only do so to the local ones.

use std::net::SocketAddr;
use std::sync::Arc;

use alertsim_core::registry::RegistryState;
use alertsim_drivers::registry::{RunningRegistry, SharedRegistry};
use tokio::sync::Mutex;

#[cfg(feature = "embedded-broker")]
use crate::EmbeddedBroker;
use crate::kafka_cluster::{ClusterConfig, KafkaCluster, TopicSpec, create_topic};
use crate::{RedisServer, RedisServerError};

/// Which services the user gave; the others are started locally.
#[derive(Debug, Clone, Default)]
pub struct ServiceFlags {
    /// Kafka bootstrap servers.
    pub kafka: Option<String>,
    /// Redis URL.
    pub redis: Option<String>,
    /// Schema registry URL.
    pub registry: Option<String>,
    /// Without `kafka`: start a local Apache Kafka cluster of this shape
    /// instead of the in-process broker.
    pub kafka_cluster: Option<ClusterConfig>,
    /// How `broker_outage` takes a broker of the local cluster down.
    pub broker_down: BrokerDown,
}

/// How a broker of the local Kafka cluster is taken down by `broker_outage`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BrokerDown {
    /// SIGKILL (the host is lost), restarted after the fault's duration.
    #[default]
    Kill,
    /// SIGSTOP (a stalled broker), SIGCONT after the fault's duration.
    Stop,
}

/// Why a service could not be started or restarted.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// redis-server could not be started.
    #[error("starting redis-server: {0}")]
    Redis(#[from] RedisServerError),
    /// The in-process broker could not be started.
    #[error("starting the in-process Kafka broker: {0}")]
    Broker(String),
    /// No `--kafka` and no embedded broker in this build.
    #[error(
        "no --kafka given and this build has no embedded broker (cargo feature `embedded-broker`)"
    )]
    NoBroker,
    /// The registry server could not be started.
    #[error("starting the schema registry on {addr}: {reason}")]
    Registry {
        /// Where it was to listen.
        addr: SocketAddr,
        /// What failed.
        reason: String,
    },
}

/// The run's services.
pub struct Services {
    /// Kafka bootstrap servers.
    pub kafka: String,
    /// Redis URL.
    pub redis: String,
    /// Registry base URL.
    pub registry: String,
    local_kafka: bool,
    #[cfg(feature = "embedded-broker")]
    broker: Mutex<Option<EmbeddedBroker>>,
    redis_server: Option<RedisServer>,
    registry_server: Mutex<Option<RunningRegistry>>,
    registry_state: Option<(SocketAddr, SharedRegistry)>,
    cluster: Option<Arc<std::sync::Mutex<KafkaCluster>>>,
    broker_down: BrokerDown,
}

impl Services {
    /// Uses the named services and starts the others.
    pub async fn start(flags: &ServiceFlags) -> Result<Self, ServiceError> {
        let cluster = match (&flags.kafka, &flags.kafka_cluster) {
            (None, Some(config)) => {
                let config = config.clone();
                let started = tokio::task::spawn_blocking(move || KafkaCluster::start(config))
                    .await
                    .map_err(|e| ServiceError::Broker(e.to_string()))?
                    .map_err(|e| ServiceError::Broker(e.to_string()))?;
                Some(started)
            }
            _ => None,
        };
        let cluster_bootstrap = cluster.as_ref().map(KafkaCluster::bootstrap);
        #[cfg(feature = "embedded-broker")]
        let (kafka, broker) = match (&flags.kafka, cluster_bootstrap) {
            (Some(k), _) => (k.clone(), None),
            (None, Some(k)) => (k, None),
            (None, None) => {
                let b = EmbeddedBroker::start()
                    .await
                    .map_err(|e| ServiceError::Broker(e.to_string()))?;
                (b.bootstrap(), Some(b))
            }
        };
        #[cfg(not(feature = "embedded-broker"))]
        let kafka = flags
            .kafka
            .clone()
            .or(cluster_bootstrap)
            .ok_or(ServiceError::NoBroker)?;
        let (redis, redis_server) = match &flags.redis {
            Some(r) => (r.clone(), None),
            None => {
                let server = RedisServer::start()?;
                (server.url(), Some(server))
            }
        };
        let (registry, registry_server, registry_state) = match &flags.registry {
            Some(r) => (r.clone(), None, None),
            None => {
                let shared = SharedRegistry::in_memory(RegistryState::new());
                let any = SocketAddr::from(([127, 0, 0, 1], 0));
                let running = serve_registry(any, shared.clone()).await?;
                let addr = running.addr();
                (running.url(), Some(running), Some((addr, shared)))
            }
        };
        Ok(Services {
            local_kafka: flags.kafka.is_none(),
            kafka,
            redis,
            registry,
            #[cfg(feature = "embedded-broker")]
            broker: Mutex::new(broker),
            redis_server,
            registry_server: Mutex::new(registry_server),
            registry_state,
            cluster: cluster.map(|c| Arc::new(std::sync::Mutex::new(c))),
            broker_down: flags.broker_down,
        })
    }

    /// The local Apache Kafka cluster, when this run started one.
    pub fn cluster(&self) -> Option<Arc<std::sync::Mutex<KafkaCluster>>> {
        self.cluster.clone()
    }

    /// How `broker_outage` takes a broker of the local cluster down.
    pub fn broker_down(&self) -> BrokerDown {
        self.broker_down
    }

    /// On the local cluster, creates `topic` replicated as Rubin's is
    /// (RF min(3, brokers), `min.insync.replicas` min(2, brokers)) and
    /// waits for its leaders; elsewhere does nothing (the run creates it).
    pub async fn create_cluster_topic(
        &self,
        topic: &str,
        partitions: i32,
    ) -> Result<(), ServiceError> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        let brokers = cluster
            .lock()
            .map(|c| i32::from(c.config().brokers))
            .unwrap_or(1);
        let spec = TopicSpec {
            name: topic.to_owned(),
            partitions,
            replication: brokers.min(3),
            min_insync: brokers.min(2),
        };
        create_topic(&self.kafka, &spec)
            .await
            .map_err(|e| ServiceError::Broker(e.to_string()))
    }

    /// Which services were started here, for the run's record.
    pub fn local(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.cluster.is_some() {
            out.push("kafka-cluster");
        } else if self.local_kafka {
            out.push("kafka");
        }
        if self.redis_server.is_some() {
            out.push("redis");
        }
        if self.registry_state.is_some() {
            out.push("registry");
        }
        out
    }

    /// Stops the local broker (every connection dropped, the messages
    /// kept); false if the broker is not local.
    pub async fn stop_broker(&self) -> bool {
        #[cfg(feature = "embedded-broker")]
        if let Some(b) = self.broker.lock().await.as_mut() {
            b.stop();
            return true;
        }
        false
    }

    /// Serves the local broker again on the same port.
    pub async fn restart_broker(&self) -> Result<(), ServiceError> {
        #[cfg(feature = "embedded-broker")]
        if let Some(b) = self.broker.lock().await.as_mut() {
            b.restart()
                .await
                .map_err(|e| ServiceError::Broker(e.to_string()))?;
        }
        Ok(())
    }

    /// Stops the local registry server (its state is kept); false if the
    /// registry is not local.
    pub async fn stop_registry(&self) -> bool {
        let running = self.registry_server.lock().await.take();
        match running {
            Some(r) => {
                if let Err(error) = r.shutdown().await {
                    tracing::warn!(%error, "stopping the registry");
                }
                true
            }
            None => false,
        }
    }

    /// Serves the local registry again at its address, with its state.
    pub async fn restart_registry(&self) -> Result<(), ServiceError> {
        let Some((addr, shared)) = &self.registry_state else {
            return Ok(());
        };
        let mut slot = self.registry_server.lock().await;
        if slot.is_none() {
            *slot = Some(serve_registry(*addr, shared.clone()).await?);
        }
        Ok(())
    }

    /// Stops the local services.
    pub async fn shutdown(self) {
        if let Some(r) = self.registry_server.lock().await.take() {
            let _ = r.shutdown().await;
        }
        #[cfg(feature = "embedded-broker")]
        if let Some(mut b) = self.broker.lock().await.take() {
            b.stop();
        }
        drop(self.redis_server);
        if let Some(cluster) = self.cluster {
            let _ = tokio::task::spawn_blocking(move || drop(cluster)).await;
        }
    }
}

async fn serve_registry(
    addr: SocketAddr,
    shared: SharedRegistry,
) -> Result<RunningRegistry, ServiceError> {
    alertsim_drivers::registry::server::start_with(addr, shared)
        .await
        .map_err(|e| ServiceError::Registry {
            addr,
            reason: e.to_string(),
        })
}
