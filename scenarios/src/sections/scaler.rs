//! `[scaler]`: the KEDA ScaledJob settings (defaults: Rubin's production
//! LSSTCam ScaledJob on KEDA 2.16).

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// The KEDA releases `scaler.keda_version` accepts: exactly those the core's
/// scaler implements (`alertsim_core::scaler::KedaVersion::NAMES`; a test in
/// `alertsim-plan` checks that the two lists are the same). `2.16.1` is
/// `2.16`; `current` is the newest, `2.20.2`.
pub const KEDA_VERSIONS: &[&str] = &[
    "2.16", "2.16.1", "2.17", "2.18", "2.19", "2.20", "2.20.2", "current",
];

/// The releases whose ScaledJob CRD refuses `rollout.strategy: default`
/// (its enum is `gradual | immediate` from v2.20.0, kedacore/keda #7533;
/// the core's `KedaVersion::crd_accepts_rollout_default`, checked equal by
/// a test in `alertsim-plan`).
pub const KEDA_REFUSING_ROLLOUT_DEFAULT: &[&str] = &["2.20", "2.20.2", "current"];

/// The releases whose ScaledJob CRD refuses `scalingStrategy.strategy:
/// default` (v2.20.0 and v2.20.1; #7858 restored it in v2.20.2).
pub const KEDA_REFUSING_DEFAULT_STRATEGY: &[&str] = &["2.20"];

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
    /// Unset in the ScaledJob: deletes running Jobs (as Rubin runs; the
    /// CRD of KEDA 2.20 and later refuses it).
    Default,
    /// `immediate`: deletes running Jobs, like the default.
    Immediate,
    /// Lets running Jobs finish.
    Gradual,
}

/// The longest `scaler.cache_lag_s` accepted: an informer cache a minute
/// behind is a broken watch, not a lag.
pub const MAX_CACHE_LAG_S: f64 = 60.0;

/// Which client-side rate limiter the ScaledJob status patches use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusPatchLimit {
    /// Their own token bucket (the ScaledJob REST client's, at the same
    /// rate and burst): controller-runtime and client-go as KEDA builds them.
    Own,
    /// The Job client's bucket: each patch delays the Job requests after it.
    Shared,
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
    /// `customScalingQueueLengthDeduction` for the `custom` strategy
    /// (default unset, as in KEDA's CRD; an int32).
    pub custom_deduction: Option<i64>,
    /// `customScalingRunningJobPercentage` for the `custom` strategy
    /// (default unset: KEDA then falls back to the default strategy).
    pub custom_running_job_percentage: Option<f64>,
    /// `pendingPodConditions` (default none: a Job is pending until its pod runs).
    pub pending_pod_conditions: Vec<String>,
    /// `multipleScalersCalculation` (default `max`).
    pub multiple_scalers_calculation: Combine,
    /// How late the operator's informer cache shows Jobs and their changes,
    /// in seconds (default 0.5, an estimate; 0: at once). Simulator only.
    pub cache_lag_s: f64,
    /// Which rate limiter the status patches take their tokens from
    /// (default `own`).
    pub status_patch_limit: StatusPatchLimit,
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
            custom_deduction: None,
            custom_running_job_percentage: None,
            pending_pod_conditions: Vec::new(),
            multiple_scalers_calculation: Combine::Max,
            cache_lag_s: 0.5,
            status_patch_limit: StatusPatchLimit::Own,
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
        if !crate::KEDA_VERSIONS.contains(&self.keda_version.as_str()) {
            c.fail(
                "scaler.keda_version",
                format!("unknown KEDA version `{}`", self.keda_version),
                &format!("one of {}", crate::KEDA_VERSIONS.join(", ")),
            );
        }
        let release = self.keda_version.as_str();
        if self.rollout == Rollout::Default && KEDA_REFUSING_ROLLOUT_DEFAULT.contains(&release) {
            c.fail(
                "scaler.rollout",
                format!(
                    "KEDA {release}'s ScaledJob CRD refuses `rollout.strategy: default` (its enum is gradual | immediate), \
                     so this ScaledJob cannot be applied"
                ),
                "\"immediate\" (the same behaviour) or \"gradual\"",
            );
        }
        if self.strategy == Strategy::Default && KEDA_REFUSING_DEFAULT_STRATEGY.contains(&release) {
            c.fail(
                "scaler.strategy",
                format!(
                    "KEDA {release}'s ScaledJob CRD (v2.20.0, v2.20.1) refuses `scalingStrategy.strategy: default`, \
                     so this ScaledJob cannot be applied"
                ),
                "custom, accurate or eager on 2.20 (2.20.2 accepts default again)",
            );
        }
        c.positive("scaler.api_rate_per_s", self.api_rate_per_s);
        c.at_least("scaler.api_burst", u64::from(self.api_burst), 1);
        if let Some(percentage) = self.custom_running_job_percentage {
            c.fraction("scaler.custom_running_job_percentage", percentage);
        }
        if let Some(deduction) = self.custom_deduction
            && i32::try_from(deduction).is_err()
        {
            c.fail(
                "scaler.custom_deduction",
                format!("{deduction} does not fit KEDA's int32 field"),
                &format!("an integer in [{}, {}]", i32::MIN, i32::MAX),
            );
        }
        if !(self.cache_lag_s.is_finite() && (0.0..=MAX_CACHE_LAG_S).contains(&self.cache_lag_s)) {
            c.fail(
                "scaler.cache_lag_s",
                format!(
                    "must be a number of seconds in [0, {MAX_CACHE_LAG_S}], got {}",
                    self.cache_lag_s
                ),
                &format!("a number in [0, {MAX_CACHE_LAG_S}] (0: no lag)"),
            );
        }
        for (i, cond) in self.pending_pod_conditions.iter().enumerate() {
            c.not_empty(&format!("scaler.pending_pod_conditions.{i}"), cond);
        }
    }
}
