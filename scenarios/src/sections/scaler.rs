//! `[scaler]`: the KEDA ScaledJob settings (defaults: Rubin's production
//! LSSTCam ScaledJob on KEDA 2.16).

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// KEDA ScaledJob scaling strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// `maxScale - runningJobs`.
    Default,
    /// `maxScale - deduction - runningJobs * runningJobPercentage`.
    Custom,
    /// Subtracts pending Jobs.
    Accurate,
    /// Fills up to `maxReplicaCount` (Rubin's choice).
    Eager,
}

/// What a change of the ScaledJob spec does to running Jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollout {
    /// Deletes running Jobs (KEDA 2.16 default).
    Default,
    /// Lets running Jobs finish.
    Gradual,
}

/// How the metrics of several triggers are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The largest (KEDA default).
    Max,
    /// The smallest.
    Min,
    /// The mean.
    Avg,
    /// The sum.
    Sum,
}

/// The ScaledJob and the KEDA operator that runs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scaler {
    /// Scaling strategy (default `eager`, as Rubin runs it).
    pub strategy: Strategy,
    /// Seconds between polls (default 2).
    pub polling_interval_s: f64,
    /// `minReplicaCount` (default 3).
    pub min_replicas: u32,
    /// `maxReplicaCount` (default 1,700: production LSSTCam).
    pub max_replicas: u32,
    /// redis-streams trigger `lagCount`: target lag per Job (default 1; 0
    /// switches the metric to the `XPENDING` count).
    pub lag_count: u64,
    /// `activationLagCount`: active when the lag is strictly greater (default 1).
    pub activation_lag_count: u64,
    /// KEDA version whose quirks are reproduced (default `"2.16"`).
    pub keda_version: String,
    /// Rollout strategy (default `default`: spec changes delete running Jobs).
    pub rollout: Rollout,
    /// `successfulJobsHistoryLimit` (default 5).
    pub successful_jobs_history: u32,
    /// `failedJobsHistoryLimit` (default 5).
    pub failed_jobs_history: u32,
    /// Kubernetes API requests per second for Job creation (default 20).
    pub api_rate_per_s: f64,
    /// Burst allowance of the API client (default 30).
    pub api_burst: u32,
    /// `customScalingQueueLengthDeduction` for the `custom` strategy (default 0).
    pub custom_deduction: i64,
    /// `customScalingRunningJobPercentage` for the `custom` strategy (default 0).
    pub custom_running_job_percentage: f64,
    /// `pendingPodConditions` (default none: a Job is pending until its pod runs).
    pub pending_pod_conditions: Vec<String>,
    /// `multipleScalersCalculation` (default `max`).
    pub multiple_scalers_calculation: Combine,
}

impl Default for Scaler {
    fn default() -> Self {
        Self {
            strategy: Strategy::Eager,
            polling_interval_s: 2.0,
            min_replicas: 3,
            max_replicas: 1700,
            lag_count: 1,
            activation_lag_count: 1,
            keda_version: "2.16".to_owned(),
            rollout: Rollout::Default,
            successful_jobs_history: 5,
            failed_jobs_history: 5,
            api_rate_per_s: 20.0,
            api_burst: 30,
            custom_deduction: 0,
            custom_running_job_percentage: 0.0,
            pending_pod_conditions: Vec::new(),
            multiple_scalers_calculation: Combine::Max,
        }
    }
}

impl Scaler {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.positive("scaler.polling_interval_s", self.polling_interval_s);
        c.at_least("scaler.max_replicas", u64::from(self.max_replicas), 1);
        if self.min_replicas > self.max_replicas {
            c.fail(
                "scaler.min_replicas",
                format!(
                    "min_replicas ({}) is above max_replicas ({})",
                    self.min_replicas, self.max_replicas
                ),
                &format!("at most {}", self.max_replicas),
            );
        }
        if !matches!(self.keda_version.as_str(), "2.16" | "2.17" | "current") {
            c.fail(
                "scaler.keda_version",
                format!("unknown KEDA version `{}`", self.keda_version),
                "one of \"2.16\", \"2.17\", \"current\"",
            );
        }
        c.positive("scaler.api_rate_per_s", self.api_rate_per_s);
        c.at_least("scaler.api_burst", u64::from(self.api_burst), 1);
        c.fraction(
            "scaler.custom_running_job_percentage",
            self.custom_running_job_percentage,
        );
        for (i, cond) in self.pending_pod_conditions.iter().enumerate() {
            c.not_empty(&format!("scaler.pending_pod_conditions.{i}"), cond);
        }
    }
}
