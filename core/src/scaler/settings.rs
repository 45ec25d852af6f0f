//! The ScaledJob settings the decision logic reads: strategy, replica bounds,
//! history limits, rollout, polling interval, and which KEDA version to mimic.
//!
//! Field names follow KEDA's ScaledJob spec in snake_case. Defaults are KEDA's
//! own defaults (not Rubin's); [`ScaledJobSettings::rubin_production`] gives
//! Rubin's production LSSTCam ScaledJob.

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use super::release::KedaVersion;

/// KEDA's default `maxReplicaCount` when the spec leaves it out.
pub const DEFAULT_MAX_REPLICA_COUNT: u32 = 100;
/// KEDA's default `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`.
pub const DEFAULT_JOBS_HISTORY_LIMIT: u32 = 100;
/// KEDA's default `pollingInterval`, in seconds.
pub const DEFAULT_POLLING_INTERVAL_SECS: u32 = 30;

/// `scalingStrategy.strategy`: how running and pending Jobs are deducted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Creates `maxScale - running` Jobs.
    #[default]
    Default,
    /// Deducts a fixed amount and a fraction of the running Jobs.
    Custom,
    /// Deducts pending Jobs; caps at `maxReplicaCount`.
    Accurate,
    /// Fills up to `maxReplicaCount` as long as there is queue.
    Eager,
}

impl Strategy {
    /// All strategies, in KEDA's documentation order.
    pub const ALL: [Strategy; 4] = [Self::Default, Self::Custom, Self::Accurate, Self::Eager];

    /// The name KEDA uses: `default`, `custom`, `accurate` or `eager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Custom => "custom",
            Self::Accurate => "accurate",
            Self::Eager => "eager",
        }
    }

    /// Parses KEDA's name of a strategy.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `scalingStrategy.multipleScalersCalculation`: how several triggers combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultipleScalersCalculation {
    /// The active trigger with the largest queue length (KEDA's default).
    #[default]
    Max,
    /// The active trigger with the smallest queue length.
    Min,
    /// The mean of the active triggers.
    Avg,
    /// The sum of the active triggers.
    Sum,
}

/// `scalingStrategy`: the strategy and its parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScalingStrategy {
    /// Which strategy.
    pub strategy: Strategy,
    /// `customScalingQueueLengthDeduction` (custom only).
    pub custom_scaling_queue_length_deduction: Option<i32>,
    /// `customScalingRunningJobPercentage` (custom only), already parsed as a
    /// number. KEDA falls back to the default strategy when it is absent
    /// (the spec's empty string does not parse as a float).
    pub custom_scaling_running_job_percentage: Option<f64>,
    /// `pendingPodConditions`: pod condition types that must all be True for a
    /// Job to stop counting as pending. Empty: a Job is pending until one of
    /// its pods is Running or Succeeded.
    pub pending_pod_conditions: Vec<String>,
    /// `multipleScalersCalculation`.
    pub multiple_scalers_calculation: MultipleScalersCalculation,
}

/// `rollout.strategy`: what happens to existing Jobs when the spec changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RolloutStrategy {
    /// Unset: behaves as immediate.
    #[default]
    Default,
    /// Jobs of an older spec generation are deleted, running ones included.
    Immediate,
    /// Jobs of an older spec generation are left to finish.
    Gradual,
}

/// A ScaledJob's settings, as far as scaling decisions go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaledJobSettings {
    /// Which KEDA release to reproduce.
    pub keda_version: KedaVersion,
    /// `pollingInterval` in seconds.
    pub polling_interval_secs: u32,
    /// `minReplicaCount` (KEDA default 0).
    pub min_replica_count: u32,
    /// `maxReplicaCount`; `None` means KEDA's default of 100, which, unlike a
    /// value given in the spec, does not have `minReplicaCount` taken off it.
    pub max_replica_count: Option<u32>,
    /// `scalingStrategy`.
    pub scaling_strategy: ScalingStrategy,
    /// `successfulJobsHistoryLimit`; `None` means 100.
    pub successful_jobs_history_limit: Option<u32>,
    /// `failedJobsHistoryLimit`; `None` means 100.
    pub failed_jobs_history_limit: Option<u32>,
    /// `rollout.strategy`.
    pub rollout: RolloutStrategy,
}

impl Default for ScaledJobSettings {
    fn default() -> Self {
        Self {
            keda_version: KedaVersion::default(),
            polling_interval_secs: DEFAULT_POLLING_INTERVAL_SECS,
            min_replica_count: 0,
            max_replica_count: None,
            scaling_strategy: ScalingStrategy::default(),
            successful_jobs_history_limit: None,
            failed_jobs_history_limit: None,
            rollout: RolloutStrategy::default(),
        }
    }
}

impl ScaledJobSettings {
    /// Rubin's production LSSTCam ScaledJob on KEDA 2.16.1: eager, polling
    /// every 2 s, min 3, max 1700, history limits 5/5, default rollout.
    /// (Its trigger: lagCount 1, activationLagCount 1.)
    pub fn rubin_production() -> Self {
        Self {
            keda_version: KedaVersion::V2_16,
            polling_interval_secs: 2,
            min_replica_count: 3,
            max_replica_count: Some(1700),
            scaling_strategy: ScalingStrategy {
                strategy: Strategy::Eager,
                ..ScalingStrategy::default()
            },
            successful_jobs_history_limit: Some(5),
            failed_jobs_history_limit: Some(5),
            rollout: RolloutStrategy::Default,
        }
    }

    /// The same settings for another maximum (Rubin: 600 base, HSC 100, LATISS 30).
    pub fn with_max_replica_count(mut self, max: u32) -> Self {
        self.max_replica_count = Some(max);
        self
    }

    /// The same settings with `scalingStrategy.pendingPodConditions`.
    pub fn with_pending_pod_conditions<I, S>(mut self, conditions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scaling_strategy.pending_pod_conditions =
            conditions.into_iter().map(Into::into).collect();
        self
    }

    /// The same settings with `successfulJobsHistoryLimit` and
    /// `failedJobsHistoryLimit`.
    pub fn with_history_limits(mut self, successful: u32, failed: u32) -> Self {
        self.successful_jobs_history_limit = Some(successful);
        self.failed_jobs_history_limit = Some(failed);
        self
    }

    /// KEDA's `MinReplicaCount()`: the spec's minimum, lowered to the maximum
    /// when it exceeds it.
    pub fn effective_min_replicas(&self) -> i64 {
        let min = i64::from(self.min_replica_count);
        match self.max_replica_count {
            Some(max) if min > i64::from(max) => i64::from(max),
            _ => min,
        }
    }

    /// KEDA's `MaxReplicaCount()` (called maxRC in the formulas): the
    /// maximum minus the minimum, because minReplicaCount counts against
    /// maxReplicaCount. Quirks kept: with no maximum in the spec it is 100
    /// whatever the minimum; when the minimum exceeds the maximum it is the
    /// maximum itself.
    pub fn max_replicas_above_min(&self) -> i64 {
        match self.max_replica_count {
            None => i64::from(DEFAULT_MAX_REPLICA_COUNT),
            Some(max) if self.min_replica_count > max => i64::from(max),
            Some(max) => i64::from(max) - i64::from(self.min_replica_count),
        }
    }

    /// `pollingInterval` as a duration.
    pub fn polling_interval(&self) -> Duration {
        Duration::from_secs(u64::from(self.polling_interval_secs))
    }

    /// `successfulJobsHistoryLimit` with KEDA's default applied.
    pub fn successful_history_limit(&self) -> u32 {
        self.successful_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }

    /// `failedJobsHistoryLimit` with KEDA's default applied.
    pub fn failed_history_limit(&self) -> u32 {
        self.failed_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_counts_against_max() {
        let s = ScaledJobSettings::rubin_production();
        assert_eq!(s.effective_min_replicas(), 3);
        assert_eq!(s.max_replicas_above_min(), 1697);
    }

    #[test]
    fn min_above_max_is_lowered_and_max_kept_whole() {
        let s = ScaledJobSettings {
            min_replica_count: 10,
            max_replica_count: Some(4),
            ..ScaledJobSettings::default()
        };
        assert_eq!(s.effective_min_replicas(), 4);
        assert_eq!(s.max_replicas_above_min(), 4);
    }

    #[test]
    fn missing_max_is_100_whatever_the_min() {
        let s = ScaledJobSettings {
            min_replica_count: 10,
            ..ScaledJobSettings::default()
        };
        assert_eq!(s.max_replicas_above_min(), 100);
    }

    #[test]
    fn settings_round_trip_through_json() {
        let s = ScaledJobSettings::rubin_production();
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("\"keda_version\":\"2.16\""), "{text}");
        assert!(text.contains("\"strategy\":\"eager\""), "{text}");
        let back: ScaledJobSettings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn names_parse_back() {
        for s in Strategy::ALL {
            assert_eq!(Strategy::parse(s.as_str()), Some(s));
        }
        assert_eq!(Strategy::parse("Eager"), None);
    }
}
