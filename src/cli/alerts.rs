//! `alertsim alerts generate | decode | bench`.

use std::process::ExitCode;

/// Subcommands (placeholder until they are built).
#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// Not built yet.
    Placeholder,
}

/// Runs the command.
pub fn run(_cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
