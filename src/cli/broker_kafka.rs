//! `alertsim broker serve --engine kafka`: a local Apache Kafka 4.1.0
//! cluster (fetched once from Maven Central, N brokers and a controller on
//! loopback) for drilling by hand. Prints `listening on BOOTSTRAP` once
//! every broker answers metadata, then one `broker ID pid PID client ADDR`
//! line per broker (so a drill can `kill -STOP` one), and stops the cluster
//! on SIGINT or SIGTERM. With `--proxied` the client addresses are
//! Toxiproxy proxies: each broker line ends `listen ADDR proxy NAME` and a
//! `toxiproxy http://ADDR` line names the API to add toxics with.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use alertsim_loadgen::kafka_cluster::{
    ClusterConfig, KafkaCluster, TopicSpec, create_topic, proxy_name,
};
use anyhow::Context;

use super::exit::bad_input;
use super::registry::stop_signal;

/// What `broker serve --engine kafka` starts.
#[derive(Debug)]
pub struct KafkaServe {
    /// Brokers.
    pub brokers: u16,
    /// First port, or free ports.
    pub listen_base: Option<u16>,
    /// Client listeners behind Toxiproxy.
    pub proxied: bool,
    /// Topics to create (RF min(3, brokers), min ISR min(2, brokers)).
    pub topics: Vec<String>,
    /// Partitions of each topic.
    pub partitions: i32,
}

/// Runs the cluster until interrupted.
pub fn serve(args: KafkaServe) -> anyhow::Result<ExitCode> {
    if args.brokers < 1 {
        return Err(bad_input(format!(
            "--brokers {}: expected at least 1",
            args.brokers
        )));
    }
    let config = ClusterConfig {
        brokers: args.brokers,
        listen_base: args.listen_base,
        proxied: args.proxied,
        ..ClusterConfig::default()
    };
    let started = Instant::now();
    let cluster = KafkaCluster::start(config).context("starting the local Kafka cluster")?;
    eprintln!(
        "Apache Kafka cluster of {} brokers ready in {:.1} s; logs in {}",
        args.brokers,
        started.elapsed().as_secs_f64(),
        cluster.dir().display()
    );
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let replication = i32::from(args.brokers.min(3));
        for topic in &args.topics {
            let spec = TopicSpec {
                name: topic.clone(),
                partitions: args.partitions,
                replication,
                min_insync: replication.min(2),
            };
            create_topic(&cluster.bootstrap(), &spec)
                .await
                .with_context(|| format!("creating topic {topic}"))?;
        }
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", cluster.bootstrap()).context("writing to stdout")?;
        let proxied = cluster.toxiproxy();
        for b in cluster.brokers() {
            let behind = if proxied.is_some() {
                format!(" listen {} proxy {}", b.listen, proxy_name(b.id))
            } else {
                String::new()
            };
            writeln!(
                stdout,
                "broker {} pid {} client {}{behind}",
                b.id,
                b.pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                b.client
            )
            .context("writing to stdout")?;
        }
        if let Some(api) = cluster.toxiproxy_api() {
            writeln!(stdout, "toxiproxy http://{api}").context("writing to stdout")?;
        }
        stdout.flush().context("writing to stdout")?;
        stop_signal().await?;
        tokio::task::spawn_blocking(move || drop(cluster))
            .await
            .context("stopping the cluster")?;
        Ok(ExitCode::SUCCESS)
    })
}
