//! The broker a publish command talks to: the one named by `--kafka`, or an
//! in-process broker started for the run; either way with the topic made.

use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_loadgen::EmbeddedBroker;
use anyhow::Context;

use super::KafkaArgs;
use crate::cli::exit::bad_input;

/// A broker address, and the embedded broker when there is one (dropping
/// it stops the broker).
pub struct Target {
    /// `bootstrap.servers`.
    pub bootstrap: String,
    /// The in-process broker, when `--kafka` was not given; held so that it
    /// serves until the target is dropped.
    pub _embedded: Option<EmbeddedBroker>,
}

/// Connects to or starts the broker and ensures the topic exists.
pub async fn open(args: &KafkaArgs) -> anyhow::Result<Target> {
    if args.partitions < 1 || args.replication < 1 {
        return Err(bad_input(format!(
            "--partitions {} --replication {}: expected at least 1 each",
            args.partitions, args.replication
        )));
    }
    crate::cli::limits::at_most(
        "--partitions",
        args.partitions.unsigned_abs().into(),
        crate::cli::limits::PARTITIONS,
        "partitions",
        0,
        "",
    )?;
    let (bootstrap, embedded) = match &args.kafka {
        Some(servers) => (servers.clone(), None),
        None => {
            let broker = EmbeddedBroker::start()
                .await
                .context("starting the in-process Kafka broker")?;
            eprintln!("in-process Kafka broker on {}", broker.bootstrap());
            (broker.bootstrap(), Some(broker))
        }
    };
    ensure_topic(&bootstrap, &args.topic, args.partitions, args.replication)
        .await
        .with_context(|| format!("creating topic {} on {bootstrap}", args.topic))?;
    Ok(Target {
        bootstrap,
        _embedded: embedded,
    })
}
