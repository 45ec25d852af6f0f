//! Command-line parsing and dispatch to the subcommands in `cli/`.

pub mod alerts;
pub mod broken_pipe;
pub mod broker;
pub mod broker_kafka;
pub mod bug_report;
pub mod calibrate;
pub mod compare;
pub mod exit;
pub mod keda;
pub mod keda_batch;
pub mod keda_watch;
pub mod limits;
pub mod load;
pub mod load_progress;
pub mod load_speed;
pub mod merge;
pub mod merge_shards;
pub mod overrides;
pub mod publish;
pub mod registry;
pub mod registry_sync;
pub mod scenarios;
pub mod scenarios_import;
pub mod scenarios_lint;
pub mod shell;
pub mod sim;
pub mod summary;
pub mod sweep;
pub mod worker;

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
    /// Simulate a night (or any scenario) through the production core under virtual time.
    Sim(sim::SimArgs),
    /// Run a scenario for real: fan-out, KEDA scaler, workers and consumers against Kafka, Redis and a registry.
    ///
    /// Services not given are started in-process (tansu broker, registry) or
    /// spawned (`redis-server`). Worker Jobs are tokio tasks, child processes
    /// (`--jobs process`) or Kubernetes Jobs (`--jobs kubernetes --image I`)
    /// running `alertsim worker --load-run`. Writes report.json/md/html, run-info.json,
    /// load-info.json and recorder.json. Ctrl-C stops the run, settles or
    /// spools what is in flight and writes a partial report (exit 1); a second
    /// Ctrl-C quits at once. Exit 0 when the gates pass, 1 when not, 2 on bad
    /// input.
    Load(load::LoadArgs),
    /// Run a scenario for real, simulate it with the same seed, fit the
    /// simulator's broker to the run and write the fidelity table.
    ///
    /// Writes OUT/load (the run), OUT/sim and OUT/sim-fitted (the simulator
    /// before and after the fit, each report with its fidelity table),
    /// fidelity.md/json, and the fit as overlays for `sim --set-file`:
    /// fit.toml (real time) and fit-as-run.toml (at the run's time scale).
    /// Exit 0 when the fitted simulator is within --tolerance on p50 and p98
    /// latency and mean throughput, 1 when not, 2 on bad input, 3 when the
    /// run could not keep up (nothing fitted).
    Calibrate(calibrate::CalibrateArgs),
    /// Merge the recorders of `alertsim load --shard` runs into one report.
    Merge(merge::MergeArgs),
    /// Run a scenario over a grid of settings, or search for the smallest passing value.
    Sweep(sweep::SweepArgs),
    /// Generate, decode and benchmark Rubin alerts (Avro, Confluent wire format).
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// What KEDA would do: scaling decisions, and a dry run on a live stream.
    #[command(subcommand)]
    Keda(keda::KedaCommand),
    /// Publish alerts to Kafka with every delivery accounted for; measure it.
    #[command(subcommand)]
    Publish(publish::PublishCommand),
    /// One alert-production worker: Redis stream in, alerts to Kafka out.
    Worker(worker::WorkerArgs),
    /// Re-publish the alerts a publisher spooled, removing the delivered ones.
    Replay(publish::ReplayArgs),
    /// Run a Kafka-protocol broker (in-process tansu, in-memory storage).
    #[command(subcommand)]
    Broker(broker::BrokerCommand),
    /// The schema registry: serve it (Confluent REST subset), or sync Rubin's
    /// alert schemas into one under their fixed ids as production's sync job does.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// List and check scenario files; import and lint rendered Kubernetes manifests.
    #[command(subcommand)]
    Scenarios(scenarios::ScenariosCommand),
    /// Compare two report.json files and exit 1 on a regression.
    Compare(compare::CompareArgs),
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Sim(args) => sim::run(args),
        Command::Load(args) => load::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Alerts(cmd) => alerts::run(cmd),
        Command::Keda(cmd) => keda::run(cmd),
        Command::Publish(cmd) => publish::run(cmd),
        Command::Replay(args) => publish::run_replay(args),
        Command::Worker(args) => worker::run(args),
        Command::Broker(cmd) => broker::run(cmd),
        Command::Registry(cmd) => registry::run(cmd),
        Command::Scenarios(cmd) => scenarios::run(cmd),
        Command::Compare(args) => compare::run(args),
    }
}

/// The tokio runtime the service commands run on (two worker threads:
/// the machine's cores).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("building the tokio runtime")
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
