//! Command-line parsing and dispatch to the subcommands in `cli/`.

pub mod alerts;
pub mod exit;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use exit::report_error;

/// Deterministic simulation and load-test harness for Rubin's alert production path.
#[derive(Debug, Parser)]
#[command(name = "alertsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate, decode and benchmark Rubin alerts (Avro, Confluent wire format).
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Alerts(cmd) => alerts::run(cmd),
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
