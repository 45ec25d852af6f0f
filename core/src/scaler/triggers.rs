//! Trigger metrics and how several triggers combine into one queue length and
//! one scale target (`multipleScalersCalculation`).
//!
//! Each trigger yields a queue length `q` (its metric value), a per-trigger
//! scale `mv = min(q / target, maxRC)` (0 when the target is 0), and whether
//! it is active (`q > activation`, strictly). A trigger that errored (after
//! KEDA's single retry) is skipped: ScaledJobs have no fallback.
//!
//! KEDA's combination quirks are kept on purpose:
//! - `max` keeps the active trigger with the largest `q` (strictly above 0
//!   and above earlier ones) and takes *that trigger's* `mv`, not the largest `mv`;
//! - `min` keeps the active trigger with the smallest `q`, except that a kept
//!   `q` of 0 is replaced by any later active trigger;
//! - `avg` and `sum` average or add both `q` and `mv` over the active triggers.

use serde::{Deserialize, Serialize};

use super::settings::MultipleScalersCalculation;

/// One trigger's reading at one poll.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerMetric {
    /// The metric value (for redis-streams: the lag, the pending count or XLEN).
    pub value: f64,
    /// The target value per Job (redis-streams `lagCount`, Rubin 1).
    pub target: f64,
    /// The activation threshold (redis-streams `activationLagCount`, Rubin 1):
    /// the trigger is active when `value > activation`.
    pub activation: f64,
    /// The trigger failed to give a value; it is left out of the decision.
    #[serde(default)]
    pub errored: bool,
}

impl TriggerMetric {
    /// A successful reading.
    pub fn new(value: f64, target: f64, activation: f64) -> Self {
        Self {
            value,
            target,
            activation,
            errored: false,
        }
    }

    /// A trigger whose metric could not be read.
    pub fn errored(target: f64, activation: f64) -> Self {
        Self {
            value: 0.0,
            target,
            activation,
            errored: true,
        }
    }

    /// Whether the trigger is active: strictly above its activation value.
    pub fn is_active(&self) -> bool {
        !self.errored && self.value > self.activation
    }

    /// The trigger's own scale, `min(value / target, maxRC)`, or 0 when the
    /// target is 0.
    pub fn scale(&self, max_replicas_above_min: i64) -> f64 {
        if self.target == 0.0 {
            0.0
        } else {
            (self.value / self.target).min(max_replicas_above_min as f64)
        }
    }
}

/// The triggers combined: what the executor receives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CombinedMetric {
    /// At least one non-errored trigger is active (before minReplicaCount is
    /// taken into account).
    pub any_trigger_active: bool,
    /// At least one trigger errored.
    pub any_trigger_errored: bool,
    /// The combined queue length (not yet rounded).
    pub queue_length: f64,
    /// The combined scale (not yet capped or rounded).
    pub scale: f64,
}

/// Combines the readings of several triggers as KEDA's `IsScaledJobActive` does.
pub fn combine(
    calculation: MultipleScalersCalculation,
    metrics: &[TriggerMetric],
    max_replicas_above_min: i64,
) -> CombinedMetric {
    let any_trigger_errored = metrics.iter().any(|m| m.errored);
    let active = metrics
        .iter()
        .filter(|m| m.is_active())
        .map(|m| (m.value, m.scale(max_replicas_above_min)));
    let mut queue_length = 0.0_f64;
    let mut scale = 0.0_f64;
    let mut any_trigger_active = false;
    match calculation {
        MultipleScalersCalculation::Max => {
            for (q, mv) in active {
                if q > queue_length {
                    queue_length = q;
                    scale = mv;
                    any_trigger_active = true;
                }
            }
        }
        MultipleScalersCalculation::Min => {
            for (q, mv) in active {
                if queue_length == 0.0 || q < queue_length {
                    queue_length = q;
                    scale = mv;
                    any_trigger_active = true;
                }
            }
        }
        MultipleScalersCalculation::Avg => {
            let mut count = 0_u32;
            for (q, mv) in active {
                queue_length += q;
                scale += mv;
                count += 1;
            }
            if count > 0 {
                queue_length /= f64::from(count);
                scale /= f64::from(count);
                any_trigger_active = true;
            }
        }
        MultipleScalersCalculation::Sum => {
            for (q, mv) in active {
                queue_length += q;
                scale += mv;
                any_trigger_active = true;
            }
        }
    }
    CombinedMetric {
        any_trigger_active,
        any_trigger_errored,
        queue_length,
        scale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MultipleScalersCalculation::*;

    fn m(value: f64, target: f64) -> TriggerMetric {
        TriggerMetric::new(value, target, 0.0)
    }

    #[test]
    fn activation_is_strictly_greater() {
        assert!(!TriggerMetric::new(1.0, 1.0, 1.0).is_active());
        assert!(TriggerMetric::new(2.0, 1.0, 1.0).is_active());
    }

    #[test]
    fn max_takes_the_scale_of_the_longest_queue_not_the_largest_scale() {
        // 10 messages at target 5 (scale 2) is the longer queue, so it wins
        // over 8 messages at target 1 (scale 8).
        let c = combine(Max, &[m(8.0, 1.0), m(10.0, 5.0)], 100);
        assert_eq!(c.queue_length, 10.0);
        assert_eq!(c.scale, 2.0);
    }

    #[test]
    fn min_replaces_a_zero_queue() {
        let c = combine(Min, &[m(5.0, 1.0), m(3.0, 1.0), m(4.0, 1.0)], 100);
        assert_eq!((c.queue_length, c.scale), (3.0, 3.0));
    }

    #[test]
    fn avg_and_sum_use_only_active_triggers() {
        let inactive = TriggerMetric::new(1.0, 1.0, 1.0);
        let c = combine(Avg, &[m(4.0, 1.0), m(8.0, 2.0), inactive], 100);
        assert_eq!((c.queue_length, c.scale), (6.0, 4.0));
        let c = combine(Sum, &[m(4.0, 1.0), m(8.0, 2.0), inactive], 100);
        assert_eq!((c.queue_length, c.scale), (12.0, 8.0));
    }

    #[test]
    fn errored_triggers_are_skipped_and_reported() {
        let c = combine(Max, &[TriggerMetric::errored(1.0, 0.0), m(3.0, 1.0)], 100);
        assert!(c.any_trigger_errored);
        assert!(c.any_trigger_active);
        assert_eq!(c.queue_length, 3.0);
        let c = combine(Sum, &[TriggerMetric::errored(1.0, 0.0)], 100);
        assert!(!c.any_trigger_active);
        assert_eq!(c.queue_length, 0.0);
    }

    #[test]
    fn per_trigger_scale_is_capped_and_zero_target_gives_zero() {
        assert_eq!(m(500.0, 1.0).scale(30), 30.0);
        assert_eq!(m(500.0, 0.0).scale(30), 0.0);
    }
}
