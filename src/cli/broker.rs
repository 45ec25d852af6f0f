//! `alertsim broker serve`: the in-process Kafka-protocol broker (tansu,
//! in-memory storage) as a program of its own, so that other processes
//! (`publish --kafka`, `replay`, Python clients) can use it; or, with
//! `--engine kafka`, a local Apache Kafka cluster (`broker_kafka.rs`).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_loadgen::EmbeddedBroker;
use anyhow::Context;

use super::exit::bad_input;
use super::registry::stop_signal;

/// Broker subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BrokerCommand {
    /// Serve a Kafka-protocol broker (in-memory storage) or a local Apache
    /// Kafka cluster until interrupted. Prints `listening on HOST:PORT[,…]`
    /// on stdout once it accepts connections.
    Serve(ServeArgs),
}

/// Arguments of `broker serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on and advertise (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9092")]
    listen: String,
    /// Topics to create at start (this broker does not auto-create).
    #[arg(long = "topic", value_name = "NAME")]
    topics: Vec<String>,
    /// Partitions of each created topic.
    #[arg(long, default_value_t = 45)]
    partitions: i32,
    /// Which broker: the in-process tansu broker, or an Apache Kafka 4.1.0
    /// cluster of `--brokers` JVMs and a controller (fetched once from
    /// Maven Central into ~/.cache/alertsim; needs `mvn` and `java`).
    #[arg(long, value_enum, default_value_t = Engine::Tansu)]
    engine: Engine,
    /// Brokers of the Kafka cluster (`--engine kafka`).
    #[arg(long, default_value_t = 3)]
    brokers: u16,
    /// First port of the Kafka cluster (`--engine kafka`): brokers listen
    /// for clients on PORT, PORT+1, …; default: free ports.
    #[arg(long, value_name = "PORT")]
    listen_base: Option<u16>,
    /// Put each broker's client listener behind a Toxiproxy proxy
    /// (`--engine kafka`): clients are given the proxies' ports and the
    /// printed API takes latency, bandwidth and cut toxics
    /// (`toxiproxy-server` v2.12.0 is built once with `go install`).
    #[arg(long)]
    proxied: bool,
}

/// `--engine` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The in-process Kafka-protocol broker (tansu, memory storage).
    Tansu,
    /// A local Apache Kafka 4.1.0 cluster.
    Kafka,
}

/// Runs the command.
pub fn run(cmd: BrokerCommand) -> anyhow::Result<ExitCode> {
    let BrokerCommand::Serve(args) = cmd;
    if args.engine == Engine::Kafka {
        return super::broker_kafka::serve(super::broker_kafka::KafkaServe {
            brokers: args.brokers,
            listen_base: args.listen_base,
            proxied: args.proxied,
            topics: args.topics,
            partitions: args.partitions,
        });
    }
    if args.proxied {
        return Err(bad_input(
            "--proxied: expected --engine kafka (the in-process broker has no proxy in front of it)"
                .to_owned(),
        ));
    }
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        bad_input(format!(
            "--listen {:?}: expected an IP address and port such as 127.0.0.1:9092",
            args.listen
        ))
    })?;
    if args.partitions < 1 {
        return Err(bad_input(format!(
            "--partitions {}: expected at least 1",
            args.partitions
        )));
    }
    super::limits::at_most(
        "--partitions",
        args.partitions.unsigned_abs().into(),
        super::limits::PARTITIONS,
        "partitions",
        0,
        "",
    )?;
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let broker = EmbeddedBroker::start_on(listen)
            .await
            .map_err(|e| bad_input(format!("--listen {}: {e}", args.listen)))?;
        for topic in &args.topics {
            ensure_topic(&broker.bootstrap(), topic, args.partitions, 1)
                .await
                .with_context(|| format!("creating topic {topic}"))?;
        }
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", broker.bootstrap()).context("writing to stdout")?;
        stdout.flush().context("writing to stdout")?;
        stop_signal().await?;
        drop(broker);
        Ok(ExitCode::SUCCESS)
    })
}
