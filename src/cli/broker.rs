//! `alertsim broker serve`: the in-process Kafka-protocol broker (tansu,
//! in-memory storage) as a program of its own, so that other processes
//! (`publish --kafka`, `replay`, Python clients) can use it.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use alertsim_core::publish::topic::ensure_topic;
use alertsim_loadgen::EmbeddedBroker;
use anyhow::Context;

use super::exit::bad_input;
use super::registry::stop_signal;

/// Broker subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BrokerCommand {
    /// Serve a Kafka-protocol broker (in-memory storage) until interrupted.
    /// Prints `listening on HOST:PORT` on stdout once it accepts connections.
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
}

/// Runs the command.
pub fn run(cmd: BrokerCommand) -> anyhow::Result<ExitCode> {
    let BrokerCommand::Serve(args) = cmd;
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
