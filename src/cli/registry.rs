//! `alertsim registry serve`: the schema registry server.

use std::process::ExitCode;

/// Subcommands (placeholder until they are built).
#[derive(Debug, clap::Subcommand)]
pub enum RegistryCommand {
    /// Not built yet.
    Placeholder,
}

/// Runs the command.
pub fn run(_cmd: RegistryCommand) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
