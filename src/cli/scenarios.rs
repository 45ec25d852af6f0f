//! `alertsim scenarios list | check`: the scenario catalogue and validation.

use std::process::ExitCode;

/// Subcommands (placeholder until they are built).
#[derive(Debug, clap::Subcommand)]
pub enum ScenariosCommand {
    /// Not built yet.
    Placeholder,
}

/// Runs the command.
pub fn run(_cmd: ScenariosCommand) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
