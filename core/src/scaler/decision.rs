//! The scaling decision of one poll: from settings, trigger readings and the
//! running and pending Job counts to the number of Jobs to create.
//!
//! This is KEDA's ScaledJob path end to end (`IsScaledJobActive`, then the
//! executor's `getScalingDecision` and `createJobs`), as a pure function:
//!
//! ```text
//! maxRC = maxReplicaCount - minReplicaCount
//! combine active triggers -> q, mv;   isActive = any active || min > 0
//! scaleTo = ceil(q);  maxScale = ceil(min(mv, maxRC))
//! if R < min:  create min - R
//! else:        eff = strategy(maxScale, R - min, P, maxRC)
//!              create min(scaleTo, eff) when isActive and eff > 0
//! ```

use serde::{Deserialize, Serialize};

use super::settings::{ScaledJobSettings, Strategy};
use super::strategy::{StrategyInput, StrategyOutcome, effective_max_scale};
use super::triggers::{TriggerMetric, combine};

/// The Jobs of the ScaledJob at poll time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    /// R: Jobs not Complete and not Failed.
    pub running: u32,
    /// P: those of R still pending (see [`super::job_counts`]).
    pub pending: u32,
}

impl JobCounts {
    /// Counts from running and pending totals.
    pub fn new(running: u32, pending: u32) -> Self {
        Self { running, pending }
    }
}

/// Which branch of the executor produced the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// Fewer running Jobs than minReplicaCount: top up to the minimum.
    BelowMinimum,
    /// The named strategy ran (custom may have fallen back to default).
    Strategy(Strategy),
    /// KEDA 2.16.1 would panic in the strategy (custom with a running-Job
    /// percentage but no queue-length deduction): nothing is created.
    KedaPanics,
}

/// What KEDA decides at one poll, with the intermediate figures it logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Jobs to create now, one API call each.
    pub create: u32,
    /// Whether the ScaledJob is active (any trigger active, or min > 0).
    pub is_active: bool,
    /// Whether a trigger errored (KEDA sets Ready to Unknown/False).
    pub any_trigger_errored: bool,
    /// `ceil` of the combined queue length.
    pub queue_length: i64,
    /// `ceil(min(combined scale, maxRC))`.
    pub max_scale: i64,
    /// `scaleTo` after the branch (min - R below the minimum, maxRC for eager).
    pub scale_to: i64,
    /// The effective maximum after the branch, clamped at 0.
    pub effective_max_scale: i64,
    /// The branch that decided.
    pub branch: Branch,
}

/// Rounds up to KEDA's int64, saturating (Go leaves huge values unspecified).
fn ceil_to_i64(x: f64) -> i64 {
    x.ceil() as i64
}

/// Decides how many Jobs to create this poll. Errored triggers are skipped;
/// `counts.pending` is taken as given (it should not exceed `running`).
pub fn decide(
    settings: &ScaledJobSettings,
    metrics: &[TriggerMetric],
    counts: JobCounts,
) -> Decision {
    let min = settings.effective_min_replicas();
    let max_rc = settings.max_replicas_above_min();
    let combined = combine(
        settings.scaling_strategy.multiple_scalers_calculation,
        metrics,
        max_rc,
    );
    let is_active = combined.any_trigger_active || min > 0;
    let queue_length = ceil_to_i64(combined.queue_length);
    let max_scale = ceil_to_i64(combined.scale.min(max_rc as f64));
    let running = i64::from(counts.running);

    let (branch, effective, scale_to) = if running < min {
        (Branch::BelowMinimum, min - running, min - running)
    } else {
        let input = StrategyInput {
            max_scale,
            running_above_min: running - min,
            pending: i64::from(counts.pending),
            max_replicas_above_min: max_rc,
            scale_to: queue_length,
        };
        match effective_max_scale(&settings.scaling_strategy, settings.keda_version, input) {
            StrategyOutcome::Limit {
                applied,
                effective_max_scale,
                scale_to,
            } => (Branch::Strategy(applied), effective_max_scale, scale_to),
            StrategyOutcome::Panics => (Branch::KedaPanics, 0, 0),
        }
    };
    let effective_max_scale = effective.max(0);
    let create = if is_active && effective_max_scale > 0 {
        // KEDA would hand a negative scaleTo to make() and panic; no Jobs either way.
        scale_to.min(effective_max_scale).max(0)
    } else {
        0
    };
    Decision {
        create: u32::try_from(create).unwrap_or(u32::MAX),
        is_active,
        any_trigger_errored: combined.any_trigger_errored,
        queue_length,
        max_scale,
        scale_to,
        effective_max_scale,
        branch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::settings::KedaVersion;

    fn rubin(lag: f64, running: u32, pending: u32) -> Decision {
        decide(
            &ScaledJobSettings::rubin_production(),
            &[TriggerMetric::new(lag, 1.0, 1.0)],
            JobCounts::new(running, pending),
        )
    }

    #[test]
    fn tops_up_to_the_minimum_even_without_lag() {
        let d = rubin(0.0, 1, 0);
        assert_eq!(d.create, 2);
        assert_eq!(d.branch, Branch::BelowMinimum);
        assert!(d.is_active);
    }

    #[test]
    fn rubin_eager_creates_the_lag_while_pods_are_pending() {
        // 189 detectors of lag, 3 idle workers running, 0 pending: eager
        // creates min(1697 - 0 - 0, 189) = 189.
        assert_eq!(rubin(189.0, 3, 0).create, 189);
        // Two seconds later the 189 are pending and the lag is unchanged:
        // 1697 - 189 - 189 = 1319 left, so it creates 189 more (the
        // over-provisioning of KEDA #6416).
        assert_eq!(rubin(189.0, 192, 189).create, 189);
    }

    #[test]
    fn a_single_message_does_not_activate_with_activation_one() {
        let settings = ScaledJobSettings {
            min_replica_count: 0,
            ..ScaledJobSettings::rubin_production()
        };
        let one = decide(
            &settings,
            &[TriggerMetric::new(1.0, 1.0, 1.0)],
            JobCounts::default(),
        );
        assert!(!one.is_active);
        assert_eq!(one.create, 0);
        let two = decide(
            &settings,
            &[TriggerMetric::new(2.0, 1.0, 1.0)],
            JobCounts::default(),
        );
        assert_eq!(two.create, 2);
    }

    #[test]
    fn default_strategy_subtracts_running_above_min() {
        let settings = ScaledJobSettings {
            max_replica_count: Some(20),
            min_replica_count: 2,
            ..ScaledJobSettings::default()
        };
        // maxScale = min(30, 18) = 18; r = 5 - 2 = 3; eff = 15; scaleTo 30.
        let d = decide(
            &settings,
            &[TriggerMetric::new(30.0, 1.0, 0.0)],
            JobCounts::new(5, 0),
        );
        assert_eq!((d.max_scale, d.effective_max_scale, d.create), (18, 15, 15));
    }

    #[test]
    fn target_above_one_divides_the_scale_but_not_scale_to() {
        let settings = ScaledJobSettings::default();
        let d = decide(
            &settings,
            &[TriggerMetric::new(25.0, 10.0, 0.0)],
            JobCounts::default(),
        );
        assert_eq!((d.queue_length, d.max_scale, d.create), (25, 3, 3));
    }

    #[test]
    fn all_errored_triggers_and_no_minimum_create_nothing() {
        let d = decide(
            &ScaledJobSettings::default(),
            &[TriggerMetric::errored(1.0, 0.0)],
            JobCounts::default(),
        );
        assert!(d.any_trigger_errored);
        assert!(!d.is_active);
        assert_eq!(d.create, 0);
    }

    #[test]
    fn keda_2_16_panics_on_custom_without_deduction_but_still_tops_up() {
        let mut settings = ScaledJobSettings {
            min_replica_count: 2,
            max_replica_count: Some(10),
            ..ScaledJobSettings::default()
        };
        settings.scaling_strategy.strategy = Strategy::Custom;
        settings
            .scaling_strategy
            .custom_scaling_running_job_percentage = Some(0.5);
        let metrics = [TriggerMetric::new(9.0, 1.0, 0.0)];
        assert_eq!(decide(&settings, &metrics, JobCounts::new(0, 0)).create, 2);
        let d = decide(&settings, &metrics, JobCounts::new(2, 0));
        assert_eq!((d.branch, d.create), (Branch::KedaPanics, 0));
        settings.keda_version = KedaVersion::LATEST;
        assert_eq!(decide(&settings, &metrics, JobCounts::new(2, 0)).create, 8);
    }

    #[test]
    fn negative_lag_creates_nothing() {
        let d = rubin(-1.0, 3, 0);
        assert_eq!(d.create, 0);
        assert!(d.is_active);
    }
}
