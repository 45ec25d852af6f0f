//! `alertsim scenarios import MANIFESTS...`: a scenario TOML from rendered
//! Kubernetes manifests (the output of `helm template`), each value with
//! its source; also used by `alertsim sim --from-manifests`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alertsim_scenarios::Scenario;
use alertsim_scenarios::import::{ImportOptions, Imported, import};
use alertsim_scenarios::manifests::{ManifestError, Manifests};
use anyhow::Context;

use super::exit::bad_input;
use super::overrides::ScenarioOverrides;

/// Import rendered manifests into a scenario.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Manifest files or directories (every .yaml/.yml below them), `-` for stdin.
    #[arg(value_name = "MANIFESTS", required = true)]
    pub manifests: Vec<String>,
    /// Write the scenario here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Scenario name (default: the first input's file or directory name).
    #[arg(long)]
    pub name: Option<String>,
    /// The ScaledJob to import when the manifests hold several.
    #[arg(long, value_name = "NAME")]
    pub scaled_job: Option<String>,
}

/// Runs the command.
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let manifests = load_manifests(&args.manifests)?;
    let imported = import_manifests(&manifests, &args.manifests, args.name, args.scaled_job)?;
    match &args.out {
        Some(path) => std::fs::write(path, &imported.text)
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{}", imported.text),
    }
    check(&imported)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads manifests; unreadable or malformed input is exit code 2.
pub fn load_manifests(arguments: &[String]) -> anyhow::Result<Manifests> {
    Manifests::load(arguments).map_err(|e| match e {
        ManifestError::Yaml(y) => bad_input(format!("malformed YAML: {y}")),
        ManifestError::Source(s) => bad_input(s.to_string()),
    })
}

/// Imports loaded manifests.
pub fn import_manifests(
    manifests: &Manifests,
    arguments: &[String],
    name: Option<String>,
    scaled_job: Option<String>,
) -> anyhow::Result<Imported> {
    let options = ImportOptions {
        name: name.unwrap_or_else(|| default_name(arguments)),
        scaled_job,
    };
    import(manifests, &options).map_err(|e| bad_input(e.to_string()))
}

/// The scenario the import describes; exit code 2 when the manifests give
/// values the scenario rejects (they are still written, for inspection).
pub fn check(imported: &Imported) -> anyhow::Result<Scenario> {
    imported.scenario().map_err(|e| {
        bad_input(format!(
            "the imported scenario is not valid (the manifests' values, see the comments):\n{e}"
        ))
    })
}

fn default_name(arguments: &[String]) -> String {
    arguments
        .first()
        .filter(|a| a.as_str() != "-")
        .and_then(|a| Path::new(a.trim_end_matches('/')).file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "imported".to_owned())
}

/// The scenario imported from manifests, with `--seed`, `--set-file` and `--set` applied
/// (for `alertsim sim --from-manifests`).
pub fn scenario_from_manifests(
    manifests: &str,
    overrides: &ScenarioOverrides,
) -> anyhow::Result<Scenario> {
    let arguments = [manifests.to_owned()];
    let loaded = load_manifests(&arguments)?;
    let imported = import_manifests(&loaded, &arguments, None, None)?;
    let set = overrides.parsed()?;
    let mut scenario =
        Scenario::from_str_with(&imported.text, &format!("{}.toml", imported.name), &set)
            .map_err(|e| bad_input(format!("the scenario imported from {manifests}: {e}")))?;
    if let Some(seed) = overrides.seed {
        scenario.seed = seed;
    }
    Ok(scenario)
}
