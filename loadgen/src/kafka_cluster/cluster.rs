//! A local Apache Kafka 4.1 cluster: KRaft storage formatted for each node,
//! a controller quorum and N brokers started as JVMs with small heaps on
//! loopback, logs and data in a temporary directory; ready once a metadata
//! request lists every broker; SIGTERM then SIGKILL and the directory
//! removed on drop. Brokers can be killed, stopped, continued and restarted
//! one by one (the faults of a drill). A proxied cluster
//! ([`ClusterConfig::proxied`]) also starts a Toxiproxy server with one
//! proxy per broker (`broker-<id>`) in front of its client listener, before
//! the brokers; clients reach the brokers only through it. A cluster with
//! [`ClusterConfig::broker_disk_mb`] puts each broker's data directory on
//! a tmpfs of that size ([`LogDisk`]), which can be filled and freed.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rustix::process::Signal;

use super::disk::LogDisk;
use super::dist::{DistError, KafkaDist};
use super::layout::{
    ClusterConfig, LOG4J2_XML, Ports, broker_properties, controller_id, controller_properties,
};
use super::node::NodeProcess;
use crate::toxiproxy::client::block_on;
use crate::toxiproxy::{Proxy, ToxiproxyClient, ToxiproxyError, ToxiproxyServer};

/// The cluster id every node is formatted with (a base64 UUID).
const CLUSTER_ID: &str = "YWxlcnRzaW0ta2Fma2EwMQ";
/// How long the cluster (or a restarted broker) may take to answer: a
/// start takes 30-60 s on two busy cores, and 120 s was once too short at
/// load average 24 (a node that exits fails the wait at once).
const READY_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a broker may take over a controlled shutdown before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Why the cluster could not be started or driven.
#[derive(Debug, thiserror::Error)]
pub enum KafkaClusterError {
    /// The class path could not be made ready.
    #[error(transparent)]
    Dist(#[from] DistError),
    /// `java` is not installed.
    #[error(
        "`java` was not found on PATH; Apache Kafka 4.1 needs Java 17 or later \
         (Debian package `openjdk-17-jre-headless`)"
    )]
    NoJava,
    /// A file, directory, port or process could not be set up.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// `kafka.tools.StorageTool format` failed.
    #[error("formatting KRaft storage of node {node} failed ({status}): {output}")]
    Format {
        /// The node id.
        node: i32,
        /// The tool's exit status.
        status: std::process::ExitStatus,
        /// The end of its output.
        output: String,
    },
    /// A node's JVM exited while the cluster was coming up.
    #[error("Kafka node {node} exited while starting; its log ends: {log}")]
    Exited {
        /// The node id.
        node: i32,
        /// The end of its logs.
        log: String,
    },
    /// Not every broker answered in time.
    #[error(
        "the Kafka cluster did not list brokers {wanted:?} within {timeout:?} (it listed {seen:?}); broker logs: {log}"
    )]
    NotReady {
        /// The brokers waited for.
        wanted: Vec<i32>,
        /// The brokers the last metadata listed.
        seen: Vec<i32>,
        /// How long we waited.
        timeout: Duration,
        /// The end of the first missing broker's log.
        log: String,
    },
    /// There is no broker with this id.
    #[error("no broker {0} in this cluster (brokers are numbered from 1)")]
    NoSuchBroker(i32),
    /// A Kafka client call failed.
    #[error("Kafka admin call: {0}")]
    Client(String),
    /// The brokers' proxies could not be set up.
    #[error("the brokers' Toxiproxy: {0}")]
    Toxiproxy(#[from] ToxiproxyError),
    /// A broker's size-limited log disk could not be mounted.
    #[error(
        "mounting a {size_mb} MiB tmpfs at {path} as broker {node}'s log disk (needs root, \
         CAP_SYS_ADMIN): {source}"
    )]
    Disk {
        /// The broker.
        node: i32,
        /// The mount point.
        path: String,
        /// The size asked for.
        size_mb: u32,
        /// What mount(2) said.
        #[source]
        source: std::io::Error,
    },
    /// The cluster was started without size-limited log disks.
    #[error("the cluster's brokers have no size-limited log disks (ClusterConfig::broker_disk_mb)")]
    NoDiskLimit,
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> KafkaClusterError {
    let what = what.into();
    move |source| KafkaClusterError::Io { what, source }
}

/// A broker as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// Node id (1..=N).
    pub id: i32,
    /// The JVM's pid, when it runs.
    pub pid: Option<u32>,
    /// The client address (in `bootstrap.servers`): its proxy when the
    /// cluster is proxied, else its client listener.
    pub client: SocketAddr,
    /// The broker's own client listener (the proxy's upstream).
    pub listen: SocketAddr,
    /// The replication listener.
    pub internal: SocketAddr,
    /// Where its data and logs are.
    pub dir: PathBuf,
}

/// A running local cluster; stopped and removed on drop.
#[derive(Debug)]
pub struct KafkaCluster {
    config: ClusterConfig,
    ports: Ports,
    brokers: Vec<NodeProcess>,
    controllers: Vec<NodeProcess>,
    reaper: Option<Child>,
    // Stopped after the brokers (`Drop` stops them first).
    toxiproxy: Option<ToxiproxyServer>,
    // Detached after the nodes are stopped, before `dir` is removed.
    disks: Vec<(i32, LogDisk)>,
    // Last field: dropped after the nodes are stopped.
    dir: tempfile::TempDir,
}

/// Removes the cluster's directory once its stdin closes: the clean-up of
/// a cluster that is never dropped (one in a `static` of a test binary).
/// The nodes' guards kill the JVMs at the same moment; the pause lets them go.
/// The brokers' log disks, if mounted, are detached first.
const REAPER: &str = r#"trap '' INT TERM HUP
read _line
sleep 2
for disk in "$1"/broker-*/data; do umount -l "$disk" 2>/dev/null; done
rm -rf "$1""#;

fn spawn_reaper(dir: &Path) -> std::io::Result<Child> {
    Command::new("sh")
        .arg("-c")
        .arg(REAPER)
        .arg("alertsim-kafka-reaper")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
}

impl KafkaCluster {
    /// Fetches Kafka if needed, formats storage, starts the quorum and the
    /// brokers and waits until metadata lists every broker.
    pub fn start(config: ClusterConfig) -> Result<Self, KafkaClusterError> {
        let dist = KafkaDist::ensure()?;
        Self::start_with(&dist, config)
    }

    /// As [`KafkaCluster::start`] with a given class path.
    pub fn start_with(dist: &KafkaDist, config: ClusterConfig) -> Result<Self, KafkaClusterError> {
        let dir = tempfile::Builder::new()
            .prefix("alertsim-kafka")
            .tempdir()
            .map_err(io_err("creating the cluster's temporary directory"))?;
        let ports = Ports::plan(&config).map_err(io_err("picking ports"))?;
        let log4j = dir.path().join("log4j2.xml");
        std::fs::write(&log4j, LOG4J2_XML).map_err(io_err(log4j.display().to_string()))?;
        let mut nodes = Vec::new();
        for k in 0..usize::from(config.controllers) {
            let node_dir = dir.path().join(format!("controller-{}", controller_id(k)));
            let props = controller_properties(&ports, k, &node_dir.join("data"));
            nodes.push((controller_id(k), node_dir, props));
        }
        for i in 0..usize::from(config.brokers) {
            let node_dir = dir.path().join(format!("broker-{}", i + 1));
            let props = broker_properties(&config, &ports, i, &node_dir.join("data"));
            nodes.push((i32::try_from(i + 1).unwrap_or(i32::MAX), node_dir, props));
        }
        for (_, node_dir, props) in &nodes {
            std::fs::create_dir_all(node_dir).map_err(io_err(node_dir.display().to_string()))?;
            let file = node_dir.join("server.properties");
            std::fs::write(&file, props).map_err(io_err(file.display().to_string()))?;
        }
        let mut disks = Vec::new();
        if let Some(size_mb) = config.broker_disk_mb {
            for (id, node_dir, _) in nodes.iter().filter(|(id, _, _)| *id < controller_id(0)) {
                let path = node_dir.join("data");
                let disk =
                    LogDisk::mount(&path, size_mb).map_err(|source| KafkaClusterError::Disk {
                        node: *id,
                        path: path.display().to_string(),
                        size_mb,
                        source,
                    })?;
                disks.push((*id, disk));
            }
        }
        format_all(dist, &log4j, &nodes)?;
        let mut controllers = Vec::new();
        let mut brokers = Vec::new();
        for (id, node_dir, _) in nodes {
            let args = server_args(dist, &log4j, &node_dir, config.heap_mb);
            let node = NodeProcess::new(id, node_dir, args);
            if id >= controller_id(0) {
                controllers.push(node);
            } else {
                brokers.push(node);
            }
        }
        let toxiproxy = if config.proxied {
            Some(start_proxies(&ports)?)
        } else {
            None
        };
        let reaper = spawn_reaper(dir.path()).map_err(io_err("starting the clean-up guard"))?;
        let mut cluster = KafkaCluster {
            config,
            ports,
            brokers,
            controllers,
            reaper: Some(reaper),
            toxiproxy,
            disks,
            dir,
        };
        for node in cluster
            .controllers
            .iter_mut()
            .chain(cluster.brokers.iter_mut())
        {
            let id = node.id;
            node.start()
                .map_err(io_err(format!("starting Kafka node {id}")))?;
        }
        let all = cluster.broker_ids();
        cluster.wait_brokers(&all)?;
        Ok(cluster)
    }

    /// `bootstrap.servers`: every broker's client listener.
    pub fn bootstrap(&self) -> String {
        (0..self.ports.client.len())
            .map(|i| self.ports.advertised(i).to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The brokers' ids, 1..=N.
    pub fn broker_ids(&self) -> Vec<i32> {
        self.brokers.iter().map(|b| b.id).collect()
    }

    /// Every broker: id, pid, listeners, directory.
    pub fn brokers(&self) -> Vec<BrokerInfo> {
        self.brokers
            .iter()
            .enumerate()
            .map(|(i, b)| BrokerInfo {
                id: b.id,
                pid: b.pid().filter(|_| b.is_running()),
                client: self.ports.advertised(i),
                listen: self.ports.client[i],
                internal: self.ports.internal[i],
                dir: b.dir.clone(),
            })
            .collect()
    }

    /// A client of the brokers' Toxiproxy (None: the cluster is not
    /// proxied). Broker `id`'s proxy is named [`proxy_name`]`(id)`.
    pub fn toxiproxy(&self) -> Option<ToxiproxyClient> {
        self.toxiproxy.as_ref().map(ToxiproxyServer::client)
    }

    /// The address of the brokers' Toxiproxy API (None: not proxied).
    pub fn toxiproxy_api(&self) -> Option<SocketAddr> {
        self.toxiproxy.as_ref().map(ToxiproxyServer::api)
    }

    /// The controllers' pids (None: not running).
    pub fn controller_pids(&self) -> Vec<Option<u32>> {
        self.controllers.iter().map(NodeProcess::pid).collect()
    }

    /// The cluster's settings.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The temporary directory with every node's data and logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn broker_mut(&mut self, id: i32) -> Result<&mut NodeProcess, KafkaClusterError> {
        self.brokers
            .iter_mut()
            .find(|b| b.id == id)
            .ok_or(KafkaClusterError::NoSuchBroker(id))
    }

    /// SIGKILL to broker `id` (its host lost); returns once it is gone.
    pub fn kill_broker(&mut self, id: i32) -> Result<(), KafkaClusterError> {
        self.broker_mut(id)?.kill();
        Ok(())
    }

    /// SIGTERM to broker `id` (a controlled shutdown, SIGKILL after a grace).
    pub fn terminate_broker(&mut self, id: i32) -> Result<(), KafkaClusterError> {
        self.broker_mut(id)?.stop(STOP_GRACE);
        Ok(())
    }

    /// SIGSTOP to broker `id` (it holds its connections and answers
    /// nothing); returns once the kernel has stopped it.
    pub fn pause_broker(&mut self, id: i32) -> Result<bool, KafkaClusterError> {
        Ok(self.broker_mut(id)?.pause())
    }

    /// The lines of the controllers' `server.log` that contain `needle`.
    pub fn controller_log_lines(&self, needle: &str) -> Vec<String> {
        log_lines(&self.controllers, needle)
    }

    /// The last `lines` lines of broker `id`'s log, then of its stdout.
    pub fn broker_log_tail(&self, id: i32, lines: usize) -> String {
        self.brokers
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.log_tail(lines))
            .unwrap_or_default()
    }

    /// The lines of broker `id`'s `server.log` that contain `needle`.
    pub fn broker_log_lines(&self, id: i32, needle: &str) -> Vec<String> {
        log_lines(self.brokers.iter().filter(|b| b.id == id), needle)
    }

    /// Fills every broker's log disk (the tmpfs refuses further writes);
    /// returns each broker's filler in bytes.
    pub fn fill_broker_disks(&self) -> Result<Vec<(i32, u64)>, KafkaClusterError> {
        if self.disks.is_empty() {
            return Err(KafkaClusterError::NoDiskLimit);
        }
        self.disks
            .iter()
            .map(|(id, disk)| {
                let bytes = disk
                    .fill()
                    .map_err(io_err(format!("filling broker {id}'s log disk")))?;
                Ok((*id, bytes))
            })
            .collect()
    }

    /// Deletes the filler from every broker's log disk.
    pub fn free_broker_disks(&self) -> Result<(), KafkaClusterError> {
        for (id, disk) in &self.disks {
            disk.free()
                .map_err(io_err(format!("freeing broker {id}'s log disk")))?;
        }
        Ok(())
    }

    /// The size of the brokers' log disks, MiB, when they are size-limited.
    pub fn broker_disk_mb(&self) -> Option<u32> {
        self.disks.first().map(|(_, d)| d.size_mb())
    }

    /// The brokers not serving now: exited, or stopped by SIGSTOP.
    pub fn down_brokers(&self) -> Vec<i32> {
        self.brokers
            .iter()
            .filter(|b| !b.is_running() || b.is_stopped())
            .map(|b| b.id)
            .collect()
    }

    /// SIGCONT to broker `id`.
    pub fn resume_broker(&mut self, id: i32) -> Result<bool, KafkaClusterError> {
        Ok(self.broker_mut(id)?.signal(Signal::CONT))
    }

    /// Starts broker `id` again (killing it first if it still runs) with its
    /// data, and waits until metadata lists it.
    pub fn restart_broker(&mut self, id: i32) -> Result<(), KafkaClusterError> {
        let node = self.broker_mut(id)?;
        node.kill();
        node.start()
            .map_err(io_err(format!("restarting Kafka broker {id}")))?;
        self.wait_brokers(&[id])
    }

    /// Starts every broker that is not running and waits until all are listed.
    pub fn start_stopped_brokers(&mut self) -> Result<(), KafkaClusterError> {
        for node in &mut self.brokers {
            if !node.is_running() {
                let id = node.id;
                node.start()
                    .map_err(io_err(format!("restarting Kafka broker {id}")))?;
            }
        }
        let all = self.broker_ids();
        self.wait_brokers(&all)
    }

    /// Waits until a metadata request lists each of `ids`; fails at once if
    /// one of their JVMs (or a controller) exits.
    pub fn wait_brokers(&self, ids: &[i32]) -> Result<(), KafkaClusterError> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("socket.connection.setup.timeout.ms", "2000")
            .set("reconnect.backoff.max.ms", "200")
            .set("log_level", "3")
            .create()
            .map_err(|e| KafkaClusterError::Client(e.to_string()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let watched = self
                .controllers
                .iter()
                .chain(self.brokers.iter().filter(|b| ids.contains(&b.id)));
            for node in watched {
                if !node.is_running() {
                    return Err(KafkaClusterError::Exited {
                        node: node.id,
                        log: node.log_tail(8),
                    });
                }
            }
            if let Ok(metadata) = consumer.fetch_metadata(None, Duration::from_secs(2)) {
                seen = metadata.brokers().iter().map(|b| b.id()).collect();
                if ids.iter().all(|id| seen.contains(id)) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                let log = self
                    .brokers
                    .iter()
                    .find(|b| !seen.contains(&b.id))
                    .map(|b| b.log_tail(8))
                    .unwrap_or_default();
                return Err(KafkaClusterError::NotReady {
                    wanted: ids.to_vec(),
                    seen,
                    timeout: READY_TIMEOUT,
                    log,
                });
            }
            // The metadata call returns at once when nothing listens yet.
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The lines of the nodes' `server.log` that contain `needle`.
fn log_lines<'a>(nodes: impl IntoIterator<Item = &'a NodeProcess>, needle: &str) -> Vec<String> {
    nodes
        .into_iter()
        .flat_map(|n| {
            std::fs::read_to_string(n.dir.join("server.log"))
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains(needle))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Drop for KafkaCluster {
    fn drop(&mut self) {
        // Brokers first, together (controlled shutdown needs the quorum).
        for b in &self.brokers {
            b.signal(Signal::CONT);
            b.signal(Signal::TERM);
        }
        // One grace for all of them, not one each.
        let deadline = Instant::now() + STOP_GRACE;
        for b in &mut self.brokers {
            b.stop(deadline.saturating_duration_since(Instant::now()));
        }
        for c in &mut self.controllers {
            c.stop(STOP_GRACE);
        }
        // The directory goes with `dir`; the reaper is not needed.
        if let Some(mut reaper) = self.reaper.take() {
            let _ = reaper.kill();
            let _ = reaper.wait();
        }
    }
}

/// The name of broker `id`'s proxy in a proxied cluster.
pub fn proxy_name(id: i32) -> String {
    format!("broker-{id}")
}

/// Starts Toxiproxy with one enabled proxy per broker, from its advertised
/// client address to its client listener.
fn start_proxies(ports: &Ports) -> Result<ToxiproxyServer, KafkaClusterError> {
    let server = ToxiproxyServer::start()?;
    let client = server.client();
    let proxies: Vec<Proxy> = ports
        .client
        .iter()
        .zip(&ports.proxy)
        .enumerate()
        .map(|(i, (upstream, listen))| Proxy {
            name: proxy_name(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            listen: listen.to_string(),
            upstream: upstream.to_string(),
            enabled: true,
        })
        .collect();
    block_on(async move {
        for proxy in &proxies {
            client.create_proxy(proxy).await?;
        }
        Ok(())
    })?;
    Ok(server)
}

/// JVM options shared by the servers and the storage tool.
fn jvm_args(dist: &KafkaDist, log4j: &Path, node_dir: &Path, heap_mb: u32) -> Vec<OsString> {
    vec![
        format!("-Xmx{heap_mb}m").into(),
        format!("-Xms{}m", (heap_mb / 4).max(32)).into(),
        "-XX:+UseG1GC".into(),
        "-XX:MaxGCPauseMillis=20".into(),
        "-XX:+ExitOnOutOfMemoryError".into(),
        "-Djava.awt.headless=true".into(),
        format!("-Dlog4j2.configurationFile={}", log4j.display()).into(),
        format!("-Dkafka.logs.dir={}", node_dir.display()).into(),
        "-cp".into(),
        dist.class_path().into(),
    ]
}

fn server_args(dist: &KafkaDist, log4j: &Path, node_dir: &Path, heap_mb: u32) -> Vec<OsString> {
    let mut args = jvm_args(dist, log4j, node_dir, heap_mb);
    args.push("kafka.Kafka".into());
    args.push(node_dir.join("server.properties").into());
    args
}

/// `kafka.tools.StorageTool format` for every node, the JVMs in parallel.
fn format_all(
    dist: &KafkaDist,
    log4j: &Path,
    nodes: &[(i32, PathBuf, String)],
) -> Result<(), KafkaClusterError> {
    let mut running = Vec::new();
    for (id, node_dir, _) in nodes {
        let mut args = jvm_args(dist, log4j, node_dir, 128);
        // A short-lived tool: the client compiler starts fastest.
        args.insert(0, "-XX:TieredStopAtLevel=1".into());
        let child = Command::new("java")
            .args(args)
            .arg("kafka.tools.StorageTool")
            .arg("format")
            .arg("--cluster-id")
            .arg(CLUSTER_ID)
            .arg("--config")
            .arg(node_dir.join("server.properties"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => KafkaClusterError::NoJava,
                _ => KafkaClusterError::Io {
                    what: "running kafka.tools.StorageTool".into(),
                    source: e,
                },
            })?;
        running.push((*id, child));
    }
    for (node, child) in running {
        let output = child
            .wait_with_output()
            .map_err(io_err("running kafka.tools.StorageTool"))?;
        if !output.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let lines: Vec<&str> = text.lines().collect();
            return Err(KafkaClusterError::Format {
                node,
                status: output.status,
                output: lines[lines.len().saturating_sub(6)..].join(" | "),
            });
        }
    }
    Ok(())
}
