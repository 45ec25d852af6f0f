//! The scaling strategies: how many Jobs at most may be created this poll,
//! given the capped scale, the running Jobs above the minimum and the pending
//! Jobs (KEDA's `GetEffectiveMaxScale`).
//!
//! With `r = running - minReplicaCount`, `P` pending, `maxRC` the maximum above
//! the minimum and `maxScale` the combined, capped, rounded-up scale:
//!
//! | strategy | effective maximum | scaleTo |
//! |---|---|---|
//! | default  | `maxScale - r` | queue length |
//! | custom   | `min(maxScale - deduction - trunc(r * percentage), maxRC)` | queue length |
//! | accurate | `maxScale + r - P > maxRC ? maxRC - r : maxScale - P` (before 2.19: `maxScale + r > maxRC`) | queue length |
//! | eager    | `min(maxRC - r - P, maxScale)` | `maxRC` |
//!
//! A custom strategy without a running-Job percentage falls back to default.
//! Up to 2.20.1 a custom strategy with a percentage but no deduction
//! dereferences a nil pointer: KEDA's scale loop panics and creates nothing
//! (2.20.2 deducts 0; see [`super::release`]).

use serde::{Deserialize, Serialize};

use super::settings::{KedaVersion, ScalingStrategy, Strategy};

/// The inputs of a strategy, all in KEDA's int64 arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyInput {
    /// `ceil(min(combined scale, maxRC))`.
    pub max_scale: i64,
    /// Running Jobs above the minimum, `R - min` (never negative here).
    pub running_above_min: i64,
    /// Pending Jobs, `P`.
    pub pending: i64,
    /// The maximum above the minimum, `maxRC`.
    pub max_replicas_above_min: i64,
    /// The queue length rounded up, KEDA's `scaleTo` before the strategy.
    pub scale_to: i64,
}

/// What a strategy decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyOutcome {
    /// The effective maximum of Jobs to create (may be negative) and the
    /// `scaleTo` to pair it with.
    Limit {
        /// The strategy that actually ran (custom may fall back to default).
        applied: Strategy,
        /// Effective maximum, before clamping at 0.
        effective_max_scale: i64,
        /// `scaleTo` after the strategy (eager replaces it by maxRC).
        scale_to: i64,
    },
    /// KEDA would panic (nil `customScalingQueueLengthDeduction`, up to 2.20.1).
    Panics,
}

/// Runs the configured strategy for the given KEDA version.
pub fn effective_max_scale(
    scaling: &ScalingStrategy,
    version: KedaVersion,
    input: StrategyInput,
) -> StrategyOutcome {
    let StrategyInput {
        max_scale,
        running_above_min: r,
        pending: p,
        max_replicas_above_min: max_rc,
        scale_to,
    } = input;
    let limit = |applied, effective_max_scale, scale_to| StrategyOutcome::Limit {
        applied,
        effective_max_scale,
        scale_to,
    };
    match scaling.strategy {
        Strategy::Default => limit(Strategy::Default, max_scale - r, scale_to),
        Strategy::Custom => {
            let Some(percentage) = scaling.custom_scaling_running_job_percentage else {
                return limit(Strategy::Default, max_scale - r, scale_to);
            };
            let deduction = match scaling.custom_scaling_queue_length_deduction {
                Some(d) => i64::from(d),
                None if version.custom_without_deduction_panics() => {
                    return StrategyOutcome::Panics;
                }
                None => 0,
            };
            // Go's int64(float64) truncates toward zero; `as` does too (and
            // saturates where Go's result is unspecified).
            let running_share = (r as f64 * percentage) as i64;
            let effective = max_scale
                .saturating_sub(deduction)
                .saturating_sub(running_share)
                .min(max_rc);
            limit(Strategy::Custom, effective, scale_to)
        }
        Strategy::Accurate => {
            let over_cap = if version.accurate_cap_subtracts_pending() {
                max_scale + r - p > max_rc
            } else {
                max_scale + r > max_rc
            };
            let effective = if over_cap { max_rc - r } else { max_scale - p };
            limit(Strategy::Accurate, effective, scale_to)
        }
        Strategy::Eager => limit(Strategy::Eager, (max_rc - r - p).min(max_scale), max_rc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(strategy: Strategy, version: KedaVersion, input: StrategyInput) -> (i64, i64) {
        let scaling = ScalingStrategy {
            strategy,
            custom_scaling_queue_length_deduction: Some(1),
            custom_scaling_running_job_percentage: Some(0.5),
            ..ScalingStrategy::default()
        };
        match effective_max_scale(&scaling, version, input) {
            StrategyOutcome::Limit {
                effective_max_scale,
                scale_to,
                ..
            } => (effective_max_scale, scale_to),
            StrategyOutcome::Panics => panic!("unexpected panic outcome"),
        }
    }

    fn input(max_scale: i64, r: i64, p: i64, max_rc: i64) -> StrategyInput {
        StrategyInput {
            max_scale,
            running_above_min: r,
            pending: p,
            max_replicas_above_min: max_rc,
            scale_to: max_scale,
        }
    }

    #[test]
    fn accurate_cap_test_differs_between_versions() {
        // maxScale 8, r 5, P 4, maxRC 10: 8 + 5 = 13 > 10 on 2.16.1, so 10 - 5 = 5;
        // now 8 + 5 - 4 = 9 <= 10, so 8 - 4 = 4.
        let i = input(8, 5, 4, 10);
        assert_eq!(run(Strategy::Accurate, KedaVersion::V2_16, i).0, 5);
        assert_eq!(run(Strategy::Accurate, KedaVersion::LATEST, i).0, 4);
    }

    #[test]
    fn eager_fills_to_the_cap_and_scales_to_max() {
        let (eff, scale_to) = run(Strategy::Eager, KedaVersion::V2_16, input(50, 10, 5, 40));
        assert_eq!(eff, 25);
        assert_eq!(scale_to, 40);
    }

    #[test]
    fn custom_deducts_fixed_and_truncated_share() {
        // 20 - 1 - trunc(7 * 0.5) = 16
        assert_eq!(
            run(Strategy::Custom, KedaVersion::LATEST, input(20, 7, 0, 100)).0,
            16
        );
    }

    #[test]
    fn custom_without_percentage_is_default_and_without_deduction_depends_on_version() {
        let mut scaling = ScalingStrategy {
            strategy: Strategy::Custom,
            ..ScalingStrategy::default()
        };
        let i = input(20, 7, 0, 100);
        assert_eq!(
            effective_max_scale(&scaling, KedaVersion::V2_16, i),
            StrategyOutcome::Limit {
                applied: Strategy::Default,
                effective_max_scale: 13,
                scale_to: 20
            }
        );
        scaling.custom_scaling_running_job_percentage = Some(1.0);
        assert_eq!(
            effective_max_scale(&scaling, KedaVersion::V2_16, i),
            StrategyOutcome::Panics
        );
        assert_eq!(
            effective_max_scale(&scaling, KedaVersion::LATEST, i),
            StrategyOutcome::Limit {
                applied: Strategy::Custom,
                effective_max_scale: 13,
                scale_to: 20
            }
        );
    }
}
