//! `alertsim sim`: simulate a scenario and write its reports.

use std::process::ExitCode;

/// Arguments (placeholder until this command is built).
#[derive(Debug, clap::Args)]
pub struct SimArgs {}

/// Runs the command.
pub fn run(_args: SimArgs) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
