//! `alertsim scenarios lint MANIFESTS... [--values FILE...] [--keda-version V]`:
//! configuration defects in rendered manifests; exit 1 on an error finding,
//! 0 otherwise, 2 on malformed input.

use std::process::ExitCode;

use alertsim_scenarios::lint::values::load_values;
use alertsim_scenarios::lint::{self, KedaVersion, LintInput, NodePool, Severity};
use alertsim_scenarios::manifests::ManifestError;
use alertsim_scenarios::{Scenario, parse_overrides};
use anyhow::Context;

use super::exit::{GATE_FAILED, bad_input};
use super::scenarios_import::{import_manifests, load_manifests};

/// Lint rendered manifests.
///
/// Rules: topic-retention (needs --values), producer-user, reader-access,
/// keda-release, node-pool, message-size, min-replicas, duplicate-keys. Each finding prints its severity, the
/// object, the field, the file and line, and the reason. Exit 1 when any
/// finding is an error, 0 otherwise, 2 on malformed input.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Manifest files or directories (every .yaml/.yml below them), `-` for stdin.
    #[arg(value_name = "MANIFESTS", required = true)]
    pub manifests: Vec<String>,
    /// Values files (or directories) that fed the render, to compare what
    /// they ask for with what was rendered.
    #[arg(long = "values", value_name = "FILE", num_args = 1..)]
    pub values: Vec<String>,
    /// The KEDA release the ScaledJobs run on (2.16 to 2.20, optionally with a patch).
    #[arg(long, value_name = "V", default_value = "2.16.1")]
    pub keda_version: String,
    /// Scenario giving the node pool and the alert sizes (default: the
    /// scenario imported from these manifests).
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<String>,
    /// Print the findings as one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let keda = KedaVersion::parse(&args.keda_version)
        .map_err(|e| bad_input(format!("--keda-version: {e}")))?;
    let manifests = load_manifests(&args.manifests)?;
    let values = load_values(&args.values).map_err(|e| match e {
        ManifestError::Yaml(y) => bad_input(format!("malformed YAML in --values: {y}")),
        ManifestError::Source(s) => bad_input(format!("--values: {s}")),
    })?;
    let (scenario, scenario_from) = match &args.scenario {
        Some(name) => {
            let overrides = parse_overrides::<String>(&[]).map_err(|e| bad_input(e.to_string()))?;
            let s = Scenario::resolve(name, &overrides).map_err(|e| bad_input(e.to_string()))?;
            (s, format!("scenario {name}"))
        }
        None => {
            let imported = import_manifests(&manifests, &args.manifests, None, None).ok();
            match imported.and_then(|i| i.scenario().ok()) {
                Some(s) => (s, "the scenario imported from these manifests".to_owned()),
                None => (Scenario::default(), "the default scenario".to_owned()),
            }
        }
    };
    let sizes = alertsim_sim::fidelity::measure_sizes(&scenario.workers, scenario.seed)
        .context("encoding the alert sample for the largest alert")?;
    let pool = NodePool {
        nodes: scenario.cluster.nodes,
        cpus_per_node: scenario.cluster.cpus_per_node,
        memory_gib_per_node: scenario.cluster.memory_gib_per_node,
        source: format!("cluster section of {scenario_from}"),
    };
    let input = LintInput {
        manifests: &manifests,
        values: &values,
        keda,
        pool,
        largest_alert: Some((
            sizes.largest(),
            format!("largest of the alert sample of {scenario_from}"),
        )),
        detectors_per_visit: Some((
            scenario.night.active_detectors,
            format!("night.active_detectors of {scenario_from}"),
        )),
    };
    let report = lint::lint(&input);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("writing the findings as JSON")?
        );
    } else {
        for finding in &report.findings {
            println!("{finding}");
        }
        for s in &report.skipped {
            println!("note: rule {} not applied: {}", s.rule, s.reason);
        }
        let warnings = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        println!(
            "{} error(s), {warnings} warning(s) in {} objects (KEDA {keda})",
            report.errors(),
            manifests.objects.len()
        );
    }
    if report.errors() > 0 {
        Ok(ExitCode::from(GATE_FAILED))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
