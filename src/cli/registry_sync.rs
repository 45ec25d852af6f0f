//! `alertsim registry sync`: Rubin's schema sync job as a command, against
//! any Confluent-compatible registry, so that a registry rebuilt from
//! scratch (in production or in a drill) is restored the way production
//! restores it: every subject hard-deleted (`--delete-all`), each alert
//! schema imported under its fixed id into `alert-packet`, the topic
//! subjects `lsst-alerts-v{X.Y}-value` registered, READWRITE again.
//!
//! Also the mapping of the sync's errors to exit codes that `load`,
//! `publish` and `worker` share: a refusal (another schema under the id, a
//! refused step) is bad input, exit 2; an unreachable registry exits 1.

use std::process::ExitCode;

use alertsim_core::registry::SyncSchema;
use alertsim_core::registry::sync_schemas::parse_versions;
use alertsim_drivers::registry::{RegistryClient, SyncError, sync};
use anyhow::Context;

use super::exit::bad_input;

/// Arguments of `registry sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Registry URL (alertsim's `registry serve` or a Confluent Schema Registry).
    #[arg(long, value_name = "URL")]
    registry: String,
    /// Alert schema versions to import, comma-separated (the versions alertsim
    /// knows: 10.0 and 11.0).
    #[arg(long, value_name = "X.Y,...", default_value = "10.0,11.0")]
    schemas: String,
    /// Hard-delete every subject first (soft, then permanent delete), as
    /// production's sync job does on every Argo CD sync.
    #[arg(long)]
    delete_all: bool,
    /// The subject the schemas are imported into (production's `--subject`).
    #[arg(long, default_value = "alert-packet", value_name = "SUBJECT")]
    subject: String,
}

/// Runs `registry sync`: one JSON line with what was deleted and imported.
pub fn run(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let versions =
        parse_versions(&args.schemas).map_err(|e| bad_input(format!("--schemas: {e}")))?;
    let schemas = versions
        .into_iter()
        .map(SyncSchema::of)
        .collect::<Result<Vec<_>, _>>()
        .context("deriving the alert schemas")?;
    let client = RegistryClient::new(&args.registry)
        .map_err(|e| bad_input(format!("--registry {}: {e}", args.registry)))?;
    let report = super::runtime()?
        .block_on(sync(&client, &args.subject, &schemas, args.delete_all))
        .map_err(sync_error)?;
    println!(
        "{}",
        serde_json::to_string(&report).context("encoding the sync report")?
    );
    Ok(ExitCode::SUCCESS)
}

/// A sync error as the binary reports it: a refusal exits 2 (the registry's
/// content forbids Rubin's ids; the message says how to restore it), an
/// unreachable registry 1.
pub fn sync_error(e: SyncError) -> anyhow::Error {
    if e.is_refusal() {
        bad_input(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}
