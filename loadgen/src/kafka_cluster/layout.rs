//! Where each node of a local Kafka cluster listens and what its
//! `server.properties` say: N brokers (node ids 1..=N) with a client
//! listener (`EXTERNAL`) and a replication listener (`INTERNAL`), and a
//! controller quorum (node ids 101..) on loopback, in KRaft mode. With
//! `proxied`, each broker's client listener is advertised at a Toxiproxy
//! proxy's port (clients go through the proxy) while the broker listens on
//! its own; replication and the controllers stay direct.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;

/// Node id of the first controller; controllers are numbered on from it.
pub const FIRST_CONTROLLER_ID: i32 = 101;

/// The cluster's shape and the brokers' settings.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Brokers (node ids 1..=brokers).
    pub brokers: u16,
    /// Controllers of the KRaft quorum.
    pub controllers: u16,
    /// First port: brokers' client listeners at `base..base+N`, their
    /// replication listeners next, then the controllers. `None`: free ports.
    pub listen_base: Option<u16>,
    /// Maximum heap of each JVM, MiB.
    pub heap_mb: u32,
    /// `replica.lag.time.max.ms`: how long a silent follower stays in the ISR.
    pub replica_lag_time_max_ms: u64,
    /// Extra broker settings, `key=value`, after the defaults.
    pub broker_overrides: Vec<(String, String)>,
    /// Each broker's client listener behind a Toxiproxy proxy (advertised
    /// at the proxy's port), for slow-broker and partition faults.
    pub proxied: bool,
    /// Each broker's data directory (its log and metadata log) on a tmpfs
    /// of this many MiB, which a full-disk drill fills; `None`: the
    /// temporary directory's own filesystem. Mounting needs root.
    pub broker_disk_mb: Option<u32>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            brokers: 3,
            controllers: 1,
            listen_base: None,
            heap_mb: 256,
            // Rubin's brokers (FACTS, "Kafka as deployed"): a stalled
            // follower stays in the ISR up to 2 minutes (Kafka's default is 30 s).
            replica_lag_time_max_ms: 120_000,
            broker_overrides: Vec::new(),
            proxied: false,
            broker_disk_mb: None,
        }
    }
}

/// The ports of every node.
#[derive(Debug, Clone)]
pub struct Ports {
    /// Each broker's client listener (where the broker listens).
    pub client: Vec<SocketAddr>,
    /// Each broker's client proxy (what clients are told to use), when
    /// the cluster is proxied; empty otherwise.
    pub proxy: Vec<SocketAddr>,
    /// Each broker's replication listener.
    pub internal: Vec<SocketAddr>,
    /// Each controller's listener.
    pub controller: Vec<SocketAddr>,
}

impl Ports {
    /// Ports from `config.listen_base` (client, replication, controllers,
    /// then the client proxies), or free ones picked by the OS (bound
    /// to port 0 and released; another process could take one in between,
    /// in which case that node fails to start and says so).
    pub fn plan(config: &ClusterConfig) -> std::io::Result<Ports> {
        let brokers = usize::from(config.brokers);
        let controllers = usize::from(config.controllers);
        let proxies = if config.proxied { brokers } else { 0 };
        let total = 2 * brokers + controllers + proxies;
        let ports: Vec<u16> = match config.listen_base {
            Some(base) => (0..total)
                .map(|i| {
                    u16::try_from(usize::from(base) + i).map_err(|_| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidInput,
                            format!("--listen-base {base}: {total} ports do not fit below 65536"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            None => {
                let held: Vec<TcpListener> = (0..total)
                    .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
                    .collect::<Result<_, _>>()?;
                held.iter()
                    .map(|l| l.local_addr().map(|a| a.port()))
                    .collect::<Result<_, _>>()?
            }
        };
        let addr = |p: u16| SocketAddr::from((Ipv4Addr::LOCALHOST, p));
        Ok(Ports {
            client: ports[..brokers].iter().copied().map(addr).collect(),
            internal: ports[brokers..2 * brokers]
                .iter()
                .copied()
                .map(addr)
                .collect(),
            controller: ports[2 * brokers..2 * brokers + controllers]
                .iter()
                .copied()
                .map(addr)
                .collect(),
            proxy: ports[2 * brokers + controllers..]
                .iter()
                .copied()
                .map(addr)
                .collect(),
        })
    }

    /// Broker `i`'s advertised client address: its proxy, or its listener.
    pub fn advertised(&self, i: usize) -> SocketAddr {
        self.proxy.get(i).copied().unwrap_or(self.client[i])
    }

    /// `controller.quorum.voters`.
    fn voters(&self) -> String {
        self.controller
            .iter()
            .enumerate()
            .map(|(k, a)| format!("{}@{a}", controller_id(k)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Node id of controller `k` (0-based).
pub fn controller_id(k: usize) -> i32 {
    FIRST_CONTROLLER_ID + i32::try_from(k).unwrap_or(0)
}

/// Settings every node shares.
fn common(ports: &Ports, data: &Path) -> String {
    format!(
        "controller.quorum.voters={}\n\
         controller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT\n\
         log.dirs={}\n",
        ports.voters(),
        data.display()
    )
}

/// `server.properties` of controller `k`.
pub fn controller_properties(ports: &Ports, k: usize, data: &Path) -> String {
    format!(
        "process.roles=controller\nnode.id={}\nlisteners=CONTROLLER://{}\n{}",
        controller_id(k),
        ports.controller[k],
        common(ports, data)
    )
}

/// The log cleaner's dedupe buffer, bytes. Kafka's default (128 MiB) is
/// allocated on the heap when the cleaner starts, and in a broker of
/// [`ClusterConfig::heap_mb`] 256 that allocation once failed with
/// `OutOfMemoryError: Java heap space` (CI, 2026-12-07). Only the
/// compacted internal topics are cleaned here; a smaller buffer cleans
/// them in more passes.
const CLEANER_DEDUPE_BUFFER_BYTES: u64 = 32 << 20;

/// `server.properties` of broker `i` (0-based; node id `i + 1`).
pub fn broker_properties(config: &ClusterConfig, ports: &Ports, i: usize, data: &Path) -> String {
    let replicas = config.brokers.min(3);
    let min_isr = config.brokers.min(2);
    let mut text = format!(
        "process.roles=broker\n\
         node.id={id}\n\
         listeners=INTERNAL://{internal},EXTERNAL://{client}\n\
         advertised.listeners=INTERNAL://{internal},EXTERNAL://{advertised}\n\
         inter.broker.listener.name=INTERNAL\n\
         {common}\
         default.replication.factor={replicas}\n\
         min.insync.replicas={min_isr}\n\
         offsets.topic.replication.factor={replicas}\n\
         offsets.topic.num.partitions=5\n\
         transaction.state.log.replication.factor={replicas}\n\
         transaction.state.log.num.partitions=5\n\
         transaction.state.log.min.isr={min_isr}\n\
         share.coordinator.state.topic.replication.factor={replicas}\n\
         share.coordinator.state.topic.min.isr={min_isr}\n\
         replica.lag.time.max.ms={lag}\n\
         unclean.leader.election.enable=false\n\
         auto.create.topics.enable=false\n\
         group.initial.rebalance.delay.ms=0\n\
         num.network.threads=2\n\
         num.io.threads=2\n\
         num.replica.fetchers=1\n\
         background.threads=2\n\
         log.cleaner.threads=1\n\
         log.cleaner.dedupe.buffer.size={dedupe}\n",
        id = i + 1,
        internal = ports.internal[i],
        client = ports.client[i],
        advertised = ports.advertised(i),
        common = common(ports, data),
        lag = config.replica_lag_time_max_ms,
        dedupe = CLEANER_DEDUPE_BUFFER_BYTES,
    );
    for (key, value) in &config.broker_overrides {
        let _ = writeln!(text, "{key}={value}");
    }
    text
}

/// The log4j2 configuration: every node logs to `server.log` in its own
/// directory (`-Dkafka.logs.dir`).
pub const LOG4J2_XML: &str = r#"<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${sys:kafka.logs.dir}/server.log">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listen_base_lays_ports_out_in_order() -> std::io::Result<()> {
        let config = ClusterConfig {
            listen_base: Some(9092),
            ..ClusterConfig::default()
        };
        let ports = Ports::plan(&config)?;
        let port = |a: &SocketAddr| a.port();
        assert_eq!(
            ports.client.iter().map(port).collect::<Vec<_>>(),
            [9092, 9093, 9094]
        );
        assert_eq!(
            ports.internal.iter().map(port).collect::<Vec<_>>(),
            [9095, 9096, 9097]
        );
        assert_eq!(ports.voters(), "101@127.0.0.1:9098");
        Ok(())
    }

    #[test]
    fn a_base_too_high_is_refused() {
        let config = ClusterConfig {
            listen_base: Some(65_533),
            ..ClusterConfig::default()
        };
        let err = Ports::plan(&config).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("--listen-base 65533")));
    }

    #[test]
    fn broker_properties_carry_replication_and_overrides() -> std::io::Result<()> {
        let config = ClusterConfig {
            broker_overrides: vec![("log.segment.bytes".into(), "1048576".into())],
            ..ClusterConfig::default()
        };
        let ports = Ports::plan(&config)?;
        let text = broker_properties(&config, &ports, 1, Path::new("/d"));
        assert!(text.contains("node.id=2\n"));
        assert!(text.contains("min.insync.replicas=2\n"));
        assert!(text.contains("default.replication.factor=3\n"));
        assert!(text.contains("log.cleaner.dedupe.buffer.size=33554432\n"));
        assert!(text.ends_with("log.segment.bytes=1048576\n"));
        Ok(())
    }

    #[test]
    fn a_proxied_broker_advertises_its_proxy_and_replicates_directly() -> std::io::Result<()> {
        let config = ClusterConfig {
            listen_base: Some(9092),
            proxied: true,
            ..ClusterConfig::default()
        };
        let ports = Ports::plan(&config)?;
        assert_eq!(ports.voters(), "101@127.0.0.1:9098");
        let text = broker_properties(&config, &ports, 0, Path::new("/d"));
        assert!(text.contains("listeners=INTERNAL://127.0.0.1:9095,EXTERNAL://127.0.0.1:9092\n"));
        assert!(text.contains(
            "advertised.listeners=INTERNAL://127.0.0.1:9095,EXTERNAL://127.0.0.1:9099\n"
        ));
        assert!(text.contains("inter.broker.listener.name=INTERNAL\n"));
        let direct = broker_properties(
            &ClusterConfig::default(),
            &Ports::plan(&ClusterConfig::default())?,
            0,
            Path::new("/d"),
        );
        let line = |t: &str, key: &str| t.lines().find(|l| l.starts_with(key)).map(str::to_owned);
        let listeners = line(&direct, "listeners=").unwrap_or_default();
        let advertised = line(&direct, "advertised.listeners=").unwrap_or_default();
        assert_eq!(format!("advertised.{listeners}"), advertised);
        Ok(())
    }
}
