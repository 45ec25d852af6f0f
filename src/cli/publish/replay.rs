//! `alertsim replay SPOOL_DIR`: re-publish spooled alerts, remove the
//! delivered ones, print a summary line.

use std::path::PathBuf;
use std::process::ExitCode;

use alertsim_core::publish::Profile;
use alertsim_drivers::publish::Spool;
use alertsim_drivers::publish::replay::replay;
use anyhow::Context;

use super::parse_profile;
use crate::cli::exit::bad_input;
use crate::cli::runtime;

/// The magic byte and schema id before the Avro body of a wire-format message.
const WIRE_HEADER_BYTES: usize = 5;

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The spool directory a publisher wrote.
    pub spool_dir: PathBuf,
    /// Kafka bootstrap servers (HOST:PORT[,...]).
    #[arg(long, value_name = "HOST:PORT")]
    pub kafka: String,
    /// Topic.
    #[arg(long, default_value = "lsst-alerts-v11")]
    pub topic: String,
    /// Producer profile for the replay.
    #[arg(long, default_value = "safe", value_parser = parse_profile)]
    pub profile: Profile,
}

/// Runs `replay`: exit 0 when the spool ends empty, 1 when some alerts
/// failed again (they stay), 2 when the spool cannot be read.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    if !args.spool_dir.is_dir() {
        return Err(bad_input(format!(
            "{}: expected a spool directory",
            args.spool_dir.display()
        )));
    }
    let spool = Spool::open(&args.spool_dir).map_err(|e| bad_input(e.to_string()))?;
    // Check every file name, and that every file holds a wire-format
    // message, before producing anything.
    let entries = spool.entries().map_err(|e| bad_input(e.to_string()))?;
    for entry in &entries {
        let bytes = spool.read(entry).map_err(|e| bad_input(e.to_string()))?;
        if bytes.len() <= WIRE_HEADER_BYTES || bytes.first() != Some(&0) {
            return Err(bad_input(format!(
                "{}: {} bytes starting {:02x?}: expected a Confluent wire-format message \
                 (0x00, a 4-byte schema id, the Avro body)",
                entry.path.display(),
                bytes.len(),
                &bytes[..bytes.len().min(5)]
            )));
        }
    }
    runtime()?.block_on(async move {
        let summary = replay(&spool, &args.kafka, &args.topic, args.profile, |_| {})
            .await
            .context("replaying the spool")?;
        println!("{}", serde_json::to_string(&summary)?);
        Ok(if summary.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(crate::cli::exit::GATE_FAILED)
        })
    })
}
