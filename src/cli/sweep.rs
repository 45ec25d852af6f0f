//! `alertsim sweep`: a scenario over a grid of settings.

use std::process::ExitCode;

/// Arguments (placeholder until this command is built).
#[derive(Debug, clap::Args)]
pub struct SweepArgs {}

/// Runs the command.
pub fn run(_args: SweepArgs) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
