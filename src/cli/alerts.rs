//! `alertsim alerts ...`: generate, decode and benchmark alerts.

use std::process::ExitCode;

use clap::Subcommand;

/// Subcommands of `alertsim alerts`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Generate synthetic alerts (placeholder until the alert packager lands).
    Generate,
}

/// Runs an `alerts` subcommand.
pub fn run(cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertsCommand::Generate => Err(super::exit::bad_input("alerts generate is not built yet")),
    }
}
