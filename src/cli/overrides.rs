//! The `--seed` and `--set` flags shared by the commands that run one
//! scenario (`sim`, `load`): loading the scenario with them applied, and
//! writing them back into the command line that reproduces a run.

use alertsim_scenarios::Scenario;

use super::shell::quote;

/// `--seed` and `--set`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioOverrides {
    /// Seed of all randomness (overrides the scenario's `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario field: `--set scaler.strategy=accurate`,
    /// `--set publisher.profile=safe`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioOverrides {
    /// The scenario `name_or_path` with the overrides applied (bad input
    /// exits 2).
    pub fn load(&self, name_or_path: &str) -> anyhow::Result<Scenario> {
        let mut scenario = super::scenarios::load(name_or_path, &self.set)?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        Ok(scenario)
    }

    /// ` --seed N` (the seed the run used) and every `--set`, quoted for a shell.
    pub fn reproduce(&self, scenario: &Scenario) -> String {
        let mut flags = format!(" --seed {}", scenario.seed);
        for set in &self.set {
            flags.push_str(" --set ");
            flags.push_str(&quote(set));
        }
        flags
    }
}
