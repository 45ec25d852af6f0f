//! `alertsim publish alerts | bench` and `alertsim replay`: the Kafka
//! publisher from the command line.
//!
//! Without `--kafka` the commands start the in-process broker (tansu) and
//! create the topic on it, so they work with no services; with `--kafka`
//! they talk to that cluster (and create the topic if it is missing).

mod alerts;
mod bench;
mod replay;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use alertsim_core::publish::Profile;

pub use replay::ReplayArgs;

/// Publisher subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PublishCommand {
    /// Generate alerts and publish them; print the ledger as one JSON line.
    ///
    /// Every alert ends delivered, spooled (written to --spool, replay with
    /// `alertsim replay`) or lost (rubin profile: delivery errors are only
    /// counted, as in production). Exit 0 when all were delivered, 1 when
    /// any was spooled or lost.
    Alerts(AlertsArgs),
    /// Publishing speed: rdkafka with pre-encoded bytes against the
    /// publisher encoding every alert, in one run; one JSON line.
    Bench(BenchArgs),
}

/// Where to publish: a cluster, or the embedded broker.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers (HOST:PORT[,...]); without it an in-process
    /// broker is started for the run.
    #[arg(long, value_name = "HOST:PORT")]
    pub kafka: Option<String>,
    /// Topic.
    #[arg(long, default_value = "lsst-alerts-v11")]
    pub topic: String,
    /// Partitions when the topic has to be created (Rubin: 45).
    #[arg(long, default_value_t = 45)]
    pub partitions: i32,
    /// Replication factor when the topic has to be created.
    #[arg(long, default_value_t = 1)]
    pub replication: i32,
    /// Producer profile: rubin (the real packager's settings) or safe
    /// (idempotent, 120 s delivery timeout, failures spooled).
    #[arg(long, default_value = "rubin", value_parser = parse_profile)]
    pub profile: Profile,
}

/// Arguments of `publish alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Number of alerts.
    #[arg(long, value_name = "N")]
    pub count: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the broker is.
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Schema registry URL. With deterministic ids (the default) alertsim
    /// makes sure it serves id 1100 as Rubin's schema sync job does, and
    /// refuses (exit 2) when it holds another schema there; without it, id
    /// 1100 is written and no registry is asked.
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Registry subject the schema is imported into (or registered under).
    #[arg(long, default_value = "alert-packet")]
    pub subject: String,
    /// Rubin's deterministic schema id, major * 100 + minor (true, the
    /// default); false registers the schema under --subject and writes the
    /// id the registry assigns (needs --registry).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub deterministic_ids: bool,
    /// Spool directory for alerts that could not be delivered.
    #[arg(long, value_name = "DIR", default_value = "alertsim-spool")]
    pub spool: PathBuf,
}

/// Arguments of `publish bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Alerts per pass.
    #[arg(long, value_name = "N", default_value_t = 3000)]
    pub count: usize,
    /// Rounds of the three passes, interleaved; each rate is the median.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Where the broker is.
    #[command(flatten)]
    pub kafka: KafkaArgs,
}

/// Parses `--profile` (clap value parser).
pub fn parse_profile(s: &str) -> Result<Profile, String> {
    s.parse().map_err(|e| format!("{e}"))
}

/// Where a publishing command gets its schema id. With deterministic ids:
/// Rubin's `major * 100 + minor`, and a registry, when given, made to serve
/// it as the sync job does (a refusal exits 2; no fallback to an assigned
/// id). Without: the id the registry assigns when the schema is registered
/// under `subject`.
pub async fn resolve_schema_id(
    registry: Option<&str>,
    subject: &str,
    deterministic_ids: bool,
) -> anyhow::Result<i32> {
    use alertsim_core::alert::schema::alert_schema_json;
    use alertsim_core::alert::schema_history::SchemaVersion;
    use alertsim_core::registry::SyncSchema;
    use alertsim_drivers::registry::{RegistryClient, SchemaIdSource, ensure_served};
    use anyhow::Context;
    let client = |url: &str| {
        RegistryClient::new(url)
            .map_err(|e| crate::cli::exit::bad_input(format!("--registry {url}: {e}")))
    };
    let id = match (registry, deterministic_ids) {
        (None, true) => {
            SyncSchema::of(SchemaVersion::V11_0)
                .context("the 11.0 alert schema")?
                .id
        }
        (Some(url), true) => {
            let schema = SyncSchema::of(SchemaVersion::V11_0).context("the 11.0 alert schema")?;
            ensure_served(&client(url)?, subject, &schema)
                .await
                .map_err(crate::cli::registry_sync::sync_error)?
                .id
        }
        (Some(url), false) => SchemaIdSource::Registry {
            client: client(url)?,
            subject: subject.to_owned(),
            schema: alert_schema_json(),
            register: true,
        }
        .resolve()
        .await
        .context("registering the schema")?,
        (None, false) => {
            return Err(crate::cli::exit::bad_input(
                "--deterministic-ids false: expected --registry URL, whose assigned id is written",
            ));
        }
    };
    i32::try_from(id).context("schema id above i32")
}

/// Runs a publish subcommand.
pub fn run(cmd: PublishCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PublishCommand::Alerts(args) => alerts::run(args),
        PublishCommand::Bench(args) => bench::run(args),
    }
}

/// Runs `alertsim replay`.
pub fn run_replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    replay::run(args)
}
