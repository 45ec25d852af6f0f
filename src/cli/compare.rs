//! `alertsim compare`: what moved between two reports.

use std::process::ExitCode;

/// Arguments (placeholder until this command is built).
#[derive(Debug, clap::Args)]
pub struct CompareArgs {}

/// Runs the command.
pub fn run(_args: CompareArgs) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
