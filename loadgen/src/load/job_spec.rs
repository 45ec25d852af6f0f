//! What a worker Job started as a process of its own (a local child process
//! or a Kubernetes pod) must know of the load run it serves, beyond the
//! services its command-line flags name: the scenario (after `--set`,
//! before chaos, from which the worker makes the run's plan), the shard, the time scale and when scenario second 0 was.
//!
//! The load run hands it over in one environment variable,
//! [`LOAD_RUN_ENV`], as JSON, so that the same Job template works for a
//! child process and a pod; `alertsim worker --load-run` reads it back.

use std::path::PathBuf;

use alertsim_scenarios::Scenario;
use serde::{Deserialize, Serialize};

use super::plan::Shard;

/// The environment variable that carries a [`LoadJobSpec`].
pub const LOAD_RUN_ENV: &str = "ALERTSIM_LOAD_RUN";

/// The `format` field of a spec.
const FORMAT: &str = "alertsim-load-run";

/// The `version` field this program writes and reads.
const VERSION: u32 = 1;

/// A load run, as one of its worker Jobs needs to see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadJobSpec {
    /// Always [`FORMAT`].
    format: String,
    /// Always [`VERSION`].
    version: u32,
    /// The scenario as the run was given it (after `--set`, before chaos):
    /// the worker makes the same plan from it.
    pub scenario: Scenario,
    /// The shard of the run (`I/N`).
    pub shard: String,
    /// Scenario seconds per wall second.
    pub time_scale: f64,
    /// Scenario second 0, milliseconds since the Unix epoch.
    pub start_unix_ms: i64,
    /// The registry subject of the alert schema.
    pub subject: String,
    /// Where the Job's publisher spools alerts it could not deliver.
    pub spool_dir: PathBuf,
}

/// A spec that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Not JSON of the expected shape.
    #[error("{LOAD_RUN_ENV}: {0}")]
    Parse(#[from] serde_json::Error),
    /// Another program's or version's spec.
    #[error("{LOAD_RUN_ENV}: format {found:?}, expected {FORMAT:?} version {VERSION}")]
    Format {
        /// What the spec said, `format/version`.
        found: String,
    },
    /// The shard is not `I/N`.
    #[error("{LOAD_RUN_ENV}: {0}")]
    Shard(#[from] super::plan::BadShard),
}

impl LoadJobSpec {
    /// The spec of a run.
    pub fn new(
        scenario: Scenario,
        shard: Shard,
        time_scale: f64,
        start_unix_ms: i64,
        subject: String,
        spool_dir: PathBuf,
    ) -> Self {
        LoadJobSpec {
            format: FORMAT.to_owned(),
            version: VERSION,
            scenario,
            shard: shard.to_string(),
            time_scale,
            start_unix_ms,
            subject,
            spool_dir,
        }
    }

    /// The value of [`LOAD_RUN_ENV`].
    pub fn to_env_value(&self) -> String {
        // Every field is plain data with string keys: this cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the value of [`LOAD_RUN_ENV`].
    pub fn from_env_value(value: &str) -> Result<Self, SpecError> {
        let spec: LoadJobSpec = serde_json::from_str(value)?;
        if spec.format != FORMAT || spec.version != VERSION {
            return Err(SpecError::Format {
                found: format!("{}/{}", spec.format, spec.version),
            });
        }
        spec.shard()?;
        Ok(spec)
    }

    /// The shard, parsed.
    pub fn shard(&self) -> Result<Shard, super::plan::BadShard> {
        self.shard.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LoadJobSpec {
        let scenario = Scenario::resolve("smoke", &[]).expect("smoke scenario");
        LoadJobSpec::new(
            scenario,
            Shard { index: 1, count: 3 },
            10.0,
            1_790_000_000_000,
            "alert-packet".into(),
            PathBuf::from("spool"),
        )
    }

    #[test]
    fn a_spec_survives_the_environment() {
        let spec = spec();
        let back = LoadJobSpec::from_env_value(&spec.to_env_value()).expect("parses");
        assert_eq!(back, spec);
        assert_eq!(back.shard().expect("shard"), Shard { index: 1, count: 3 });
    }

    #[test]
    fn other_formats_and_broken_values_are_refused() {
        let mut other = spec();
        other.version = 99;
        let error = LoadJobSpec::from_env_value(&other.to_env_value()).expect_err("version");
        assert!(
            error.to_string().contains("alertsim-load-run/99"),
            "{error}"
        );
        assert!(LoadJobSpec::from_env_value("{").is_err());
        let mut bad_shard = spec();
        bad_shard.shard = "3/3".into();
        assert!(LoadJobSpec::from_env_value(&bad_shard.to_env_value()).is_err());
    }
}
