//! `alertsim keda watch`: a dry run of the scaler on a live Redis stream.

use std::process::ExitCode;

/// Arguments (placeholder until this command is built).
#[derive(Debug, clap::Args)]
pub struct WatchArgs {}

/// Runs the command.
pub fn run(_args: WatchArgs) -> anyhow::Result<ExitCode> {
    Err(super::exit::bad_input("this command is not built yet"))
}
