//! `alertsim keda decide | watch`: what KEDA's ScaledJob controller would do.

use std::process::ExitCode;

use super::keda_watch;

/// Subcommands of `alertsim keda`.
#[derive(Debug, clap::Subcommand)]
pub enum KedaCommand {
    /// Poll a live Redis stream and print the lag and what KEDA would do.
    Watch(keda_watch::WatchArgs),
}

/// Runs a `keda` subcommand.
pub fn run(cmd: KedaCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KedaCommand::Watch(args) => keda_watch::run(args),
    }
}
