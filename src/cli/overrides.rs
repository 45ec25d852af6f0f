//! The `--seed`, `--set-file` and `--set` flags shared by the commands that
//! run one scenario (`sim`, `load`, `calibrate`): loading the scenario with
//! them applied, and writing them back into the command line that
//! reproduces a run.

use std::path::PathBuf;

use alertsim_scenarios::set_file::overrides_from_file;
use alertsim_scenarios::{Override, Scenario, parse_overrides};

use super::exit::bad_input;
use super::shell::quote;

/// `--seed`, `--set-file` and `--set`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioOverrides {
    /// Seed of all randomness (overrides the scenario's `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Apply a scenario overlay: a TOML file of values, each applied as a
    /// `--set` (a fit written by `alertsim calibrate`, for example).
    /// Repeatable; applied in order, before every `--set`.
    #[arg(long = "set-file", value_name = "FILE")]
    pub set_files: Vec<PathBuf>,
    /// Override a scenario field: `--set scaler.strategy=accurate`,
    /// `--set publisher.profile=safe`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioOverrides {
    /// The scenario `name_or_path` with the overrides applied (bad input
    /// exits 2).
    pub fn load(&self, name_or_path: &str) -> anyhow::Result<Scenario> {
        let overrides = self.parsed()?;
        let mut scenario = super::scenarios::resolve(name_or_path, &overrides)?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        Ok(scenario)
    }

    /// Every override: the files' in order, then the `--set`s (bad input
    /// exits 2).
    pub fn parsed(&self) -> anyhow::Result<Vec<Override>> {
        let mut overrides = Vec::new();
        for file in &self.set_files {
            overrides.extend(overrides_from_file(file).map_err(|e| bad_input(e.to_string()))?);
        }
        overrides.extend(parse_overrides(&self.set).map_err(|e| bad_input(e.to_string()))?);
        Ok(overrides)
    }

    /// ` --seed N` (the seed the run used), every `--set-file` and every
    /// `--set`, quoted for a shell.
    pub fn reproduce(&self, scenario: &Scenario) -> String {
        let mut flags = format!(" --seed {}", scenario.seed);
        for file in &self.set_files {
            flags.push_str(" --set-file ");
            flags.push_str(&quote(&file.display().to_string()));
        }
        for set in &self.set {
            flags.push_str(" --set ");
            flags.push_str(&quote(set));
        }
        flags
    }
}
