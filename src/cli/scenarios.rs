//! `alertsim scenarios list | check | show | import | lint`: the scenario
//! catalogue, validation, and scenarios from rendered manifests.

use std::process::ExitCode;

use alertsim_scenarios::{Override, Scenario, ScenarioError, catalog, parse_overrides};

use super::exit::bad_input;

/// List the shipped scenarios or check a scenario file.
#[derive(Debug, clap::Subcommand)]
pub enum ScenariosCommand {
    /// List the shipped scenarios (name and description).
    List,
    /// Load and validate a scenario file or catalogue name; print a summary.
    ///
    /// Exits 2 with `file:line:column: message (expected ...)` when invalid.
    Check {
        /// A path to a .toml file, or a catalogue name (see `scenarios list`).
        scenario: String,
        /// Override a field before validation: `--set scaler.max_replicas=600`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Print a scenario as TOML with every default and override filled in.
    Show {
        /// A path to a .toml file, or a catalogue name.
        scenario: String,
        /// Override a field: `--set gates.p98_latency_s=30`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Write a scenario from rendered Kubernetes manifests (`helm template` output).
    ///
    /// Every value taken names its manifest, object and field; values the
    /// scenario cannot hold yet are listed in a comment block. Exits 2 with
    /// file and line on malformed YAML.
    Import(super::scenarios_import::ImportArgs),
    /// Find configuration defects in rendered manifests; exit 1 on an error finding.
    Lint(super::scenarios_lint::LintArgs),
}

/// Runs the command.
pub fn run(cmd: ScenariosCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ScenariosCommand::List => {
            for entry in catalog::list() {
                let description = entry
                    .load(&[])
                    .map(|s| s.description)
                    .unwrap_or_else(|e| format!("(invalid: {e})"));
                let default = if entry.name == catalog::DEFAULT {
                    " (default)"
                } else {
                    ""
                };
                println!("{:<22} {description}{default}", entry.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        ScenariosCommand::Check { scenario, set } => {
            let s = load(&scenario, &set)?;
            print!("{}", summary(&s));
            for warning in s.warnings() {
                println!("  warning: {warning}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ScenariosCommand::Show { scenario, set } => {
            print!("{}", load(&scenario, &set)?.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        ScenariosCommand::Import(args) => super::scenarios_import::run(args),
        ScenariosCommand::Lint(args) => super::scenarios_lint::run(args),
    }
}

/// Loads a scenario by path or catalogue name with `--set` overrides;
/// problems with the input become exit code 2.
pub fn load(name_or_path: &str, set: &[String]) -> anyhow::Result<Scenario> {
    let overrides = parse_overrides(set).map_err(to_bad_input)?;
    resolve(name_or_path, &overrides)
}

/// Loads a scenario by path or catalogue name with overrides already
/// parsed; problems with the input become exit code 2.
pub fn resolve(name_or_path: &str, overrides: &[Override]) -> anyhow::Result<Scenario> {
    Scenario::resolve(name_or_path, overrides).map_err(to_bad_input)
}

fn to_bad_input(e: ScenarioError) -> anyhow::Error {
    bad_input(e.to_string())
}

/// A few lines saying what the scenario will simulate.
fn summary(s: &Scenario) -> String {
    let n = &s.night;
    let mean = n.mean_alerts_per_visit();
    format!(
        "ok: {name}: {description}\n\
         \x20 seed {seed}; {visits} visits every {interval} s over {hours:.2} h nominal; \
         {active}/{detectors} detectors\n\
         \x20 alerts per visit: mean {mean:.0}, about {total:.0} in the night\n\
         \x20 scaler: {strategy}, polling {poll} s, {min}..{max} Jobs, KEDA {keda}\n\
         \x20 cluster: {nodes} nodes, room for {capacity} pods\n\
         \x20 kafka: {brokers} brokers, {controllers} KRaft controllers (informational), {partitions} partitions, replication {rf}, min.insync {isr}, replica.lag.time.max {lag} ms; publisher {profile}\n\
         \x20 consumers: {consumers}\n\
         \x20 gates: p98 <= {p98} s, late <= {late}, failed <= {failed}, lost <= {lost}\n",
        name = s.name,
        description = s.description,
        seed = s.seed,
        visits = n.visits,
        interval = n.visit_interval_s,
        hours = n.nominal_duration_s() / 3600.0,
        active = n.active_detectors,
        detectors = n.detectors,
        total = mean * f64::from(n.visits),
        strategy = format!("{:?}", s.scaler.strategy).to_lowercase(),
        poll = s.scaler.polling_interval_s,
        min = s.scaler.min_replicas,
        max = s.scaler.max_replicas,
        keda = s.scaler.keda_version,
        nodes = s.cluster.nodes,
        capacity = s.cluster.pod_capacity(),
        brokers = s.kafka.brokers,
        controllers = s.kafka.controllers,
        lag = s.kafka.replica_lag_time_max_ms,
        partitions = s.kafka.partitions,
        rf = s.kafka.replication_factor,
        isr = s.kafka.min_insync_replicas,
        profile = format!("{:?}", s.publisher.profile).to_lowercase(),
        consumers = s.consumers.len(),
        p98 = s.gates.p98_latency_s,
        late = s.gates.max_late_visit_fraction,
        failed = s.gates.max_failed_visit_fraction,
        lost = s.gates.max_lost_alerts,
    )
}
