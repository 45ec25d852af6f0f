//! The two brokers a test body meets, as turmoil runs one body on several
//! worlds: the in-process tansu broker (one per test), and a local Apache
//! Kafka 4.1.0 cluster (3 brokers, a controller) started once per test
//! binary and lent to one test at a time, each lease with a topic of its
//! own at 45 partitions, RF 3, min ISR 2. [`on_both_brokers!`] writes the
//! two `#[tokio::test]`s of one body.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_loadgen::EmbeddedBroker;
use alertsim_loadgen::kafka_cluster::{ClusterConfig, KafkaCluster, TopicSpec, create_topic};

use crate::TestResult;

/// The alert topic's name; leases after the first get a numbered suffix.
pub const TOPIC: &str = "lsst-alerts-v11";

/// Which broker an arm runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// tansu, in-process.
    Embedded,
    /// The local Apache Kafka cluster.
    Kafka,
}

static CLUSTER: OnceLock<Result<Mutex<KafkaCluster>, String>> = OnceLock::new();
static LEASE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static NEXT_TOPIC: AtomicU32 = AtomicU32::new(0);

/// This test binary's cluster, started on first use (stopped by its
/// nodes' guards when the binary exits).
pub async fn shared_cluster() -> TestResult<&'static Mutex<KafkaCluster>> {
    let started = tokio::task::spawn_blocking(|| {
        CLUSTER.get_or_init(|| {
            KafkaCluster::start(ClusterConfig::default())
                .map(Mutex::new)
                .map_err(|e| e.to_string())
        })
    })
    .await?;
    started.as_ref().map_err(|e| e.clone().into())
}

/// Runs `f` on the cluster on a blocking thread.
pub async fn with_cluster<T: Send + 'static>(
    cluster: &'static Mutex<KafkaCluster>,
    f: impl FnOnce(&mut KafkaCluster) -> T + Send + 'static,
) -> TestResult<T> {
    Ok(tokio::task::spawn_blocking(move || {
        let mut guard = cluster
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    })
    .await?)
}

/// A broker (or cluster) lent to one test, with its topic created.
pub struct TestBroker {
    inner: Inner,
    /// The topic created for this test.
    pub topic: String,
    /// Its partitions.
    pub partitions: i32,
}

enum Inner {
    Embedded(Box<EmbeddedBroker>),
    Kafka {
        cluster: &'static Mutex<KafkaCluster>,
        _lease: tokio::sync::MutexGuard<'static, ()>,
    },
}

impl TestBroker {
    /// A broker of `engine` with the test's topic: `embedded_partitions`
    /// partitions on tansu, 45 (RF 3, min ISR 2) on the cluster.
    pub async fn start(engine: Engine, embedded_partitions: i32) -> TestResult<Self> {
        match engine {
            Engine::Embedded => {
                let broker = EmbeddedBroker::start().await?;
                ensure_topic(&broker.bootstrap(), TOPIC, embedded_partitions, 1).await?;
                Ok(TestBroker {
                    inner: Inner::Embedded(Box::new(broker)),
                    topic: TOPIC.to_owned(),
                    partitions: embedded_partitions,
                })
            }
            Engine::Kafka => {
                let lease = LEASE.lock().await;
                let cluster = shared_cluster().await?;
                // A test that failed with brokers down leaves them down.
                with_cluster(cluster, |c| {
                    for id in c.broker_ids() {
                        let _ = c.resume_broker(id);
                    }
                    c.start_stopped_brokers()
                })
                .await??;
                let topic = match NEXT_TOPIC.fetch_add(1, Ordering::Relaxed) {
                    0 => TOPIC.to_owned(),
                    n => format!("{TOPIC}-{n}"),
                };
                let spec = TopicSpec::alerts(&topic);
                let bootstrap = with_cluster(cluster, |c| c.bootstrap()).await?;
                create_topic(&bootstrap, &spec).await?;
                Ok(TestBroker {
                    inner: Inner::Kafka {
                        cluster,
                        _lease: lease,
                    },
                    topic,
                    partitions: spec.partitions,
                })
            }
        }
    }

    /// `bootstrap.servers`.
    pub async fn bootstrap(&self) -> TestResult<String> {
        match &self.inner {
            Inner::Embedded(b) => Ok(b.bootstrap()),
            Inner::Kafka { cluster, .. } => with_cluster(cluster, |c| c.bootstrap()).await,
        }
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Embedded(_) => Engine::Embedded,
            Inner::Kafka { .. } => Engine::Kafka,
        }
    }

    /// Takes every broker down at once, as a lost host does (tansu: the
    /// listener dropped; the cluster: every broker SIGKILLed).
    pub async fn stop_all(&mut self) -> TestResult {
        match &mut self.inner {
            Inner::Embedded(b) => b.stop(),
            Inner::Kafka { cluster, .. } => {
                with_cluster(cluster, |c| {
                    for id in c.broker_ids() {
                        c.kill_broker(id)?;
                    }
                    Ok::<_, alertsim_loadgen::KafkaClusterError>(())
                })
                .await??;
            }
        }
        Ok(())
    }

    /// Brings every broker back and waits until they serve (the cluster:
    /// until metadata lists them and the topic's partitions have leaders).
    pub async fn restart_all(&mut self) -> TestResult {
        match &mut self.inner {
            Inner::Embedded(b) => b.restart().await?,
            Inner::Kafka { cluster, .. } => {
                with_cluster(cluster, KafkaCluster::start_stopped_brokers).await??;
                let bootstrap = with_cluster(cluster, |c| c.bootstrap()).await?;
                let spec = TopicSpec::alerts(&self.topic);
                create_topic(&bootstrap, &spec).await?;
            }
        }
        Ok(())
    }
}

/// Writes `mod NAME { embedded, kafka }`: two `#[tokio::test]`s that run
/// the async fn `NAME(Engine) -> TestResult` on each broker.
#[macro_export]
macro_rules! on_both_brokers {
    ($name:ident) => {
        mod $name {
            use $crate::arms::Engine;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() -> $crate::TestResult {
                super::$name(Engine::Embedded).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn kafka() -> $crate::TestResult {
                super::$name(Engine::Kafka).await
            }
        }
    };
}
