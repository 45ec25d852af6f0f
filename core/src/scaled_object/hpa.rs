//! The HorizontalPodAutoscaler that KEDA writes for a ScaledObject, as
//! Kubernetes' HPA controller runs it every sync period
//! (`pkg/controller/podautoscaler`: `horizontal.go`'s `reconcileAutoscaler`
//! and `normalizeDesiredReplicas`, `replica_calculator.go`'s
//! `GetExternalPerPodMetricReplicas`).
//!
//! One sync:
//! 1. **The metric's proposal.** The external metric's total over its
//!    `AverageValue` target (KEDA's `lagThreshold`) is the replica count,
//!    rounded up, unless the ratio of the metric to `target × replicas` is
//!    within the tolerance (10%) of 1, when the count stays.
//! 2. **Scale-down stabilization.** The controller keeps the proposals of
//!    the last `--horizontal-pod-autoscaler-downscale-stabilization` (5
//!    minutes) and uses the highest: a burst's peak holds the replicas up
//!    for five minutes after the lag has gone.
//! 3. **The limits.** Never under `minReplicas`; never over `maxReplicas`
//!    nor over the scale-up limit, `max(2 × current, 4)`.
//!
//! KEDA writes the HPA with `spec.behavior` only when the ScaledObject
//! sets `advanced.horizontalPodAutoscalerConfig.behavior`
//! (`controllers/keda/hpa.go`), and the production ScaledObject does not.
//! Without a behavior the controller takes the path above, not the
//! behavior path with its per-period policies (100% or 4 pods per 15 s),
//! which is therefore not implemented.
//!
//! A sync whose metric cannot be read (the brokers are down) changes
//! nothing: [`Hpa::metric_unavailable`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The HPA controller's settings (kube-controller-manager flags).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HpaSettings {
    /// `--horizontal-pod-autoscaler-sync-period` (default 15 s).
    pub sync_period: Duration,
    /// `--horizontal-pod-autoscaler-tolerance` (default 0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (default 5
    /// minutes).
    pub downscale_stabilization: Duration,
}

impl Default for HpaSettings {
    /// kube-controller-manager's defaults.
    fn default() -> Self {
        HpaSettings {
            sync_period: Duration::from_secs(15),
            tolerance: 0.1,
            downscale_stabilization: Duration::from_secs(300),
        }
    }
}

/// The replica bounds and the metric's target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScalingRules {
    /// `minReplicas` (at least 1).
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// The external metric's `AverageValue` target.
    pub target_per_replica: f64,
}

/// One HPA's state across syncs: its recent proposals.
#[derive(Debug, Clone)]
pub struct Hpa {
    settings: HpaSettings,
    rules: ScalingRules,
    /// (time, proposal) of recent syncs; an old one is overwritten by the
    /// next proposal, as the controller does.
    recommendations: Vec<(Duration, u32)>,
}

impl Hpa {
    /// An HPA first seeing its target at `now` with `current` replicas (the
    /// controller's initial recommendation is the current count).
    pub fn new(settings: HpaSettings, rules: ScalingRules, now: Duration, current: u32) -> Self {
        Hpa {
            settings,
            rules,
            recommendations: vec![(now, current)],
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &HpaSettings {
        &self.settings
    }

    /// One sync at `now`: the target's `current` replicas and the metric's
    /// total `metric`; returns the replica count to set (equal to
    /// `current` when it does not scale).
    pub fn sync(&mut self, now: Duration, current: u32, metric: f64) -> u32 {
        let rules = self.rules;
        if current == 0 {
            // "scaling is disabled since the replica count of the target is zero"
            return 0;
        }
        if current > rules.max_replicas {
            return rules.max_replicas;
        }
        if current < rules.min_replicas {
            return rules.min_replicas;
        }
        let proposal = self.proposal(current, metric);
        let stabilized = self.stabilize(now, proposal);
        let scale_up_limit = (2 * current).max(4);
        let ceiling = rules.max_replicas.min(scale_up_limit);
        stabilized.clamp(rules.min_replicas.max(1), ceiling.max(rules.min_replicas))
    }

    /// A sync whose metric could not be read: no change.
    pub fn metric_unavailable(&self, current: u32) -> u32 {
        current
    }

    /// `GetExternalPerPodMetricReplicas`: the metric over the target, or
    /// the current count within the tolerance.
    fn proposal(&self, current: u32, metric: f64) -> u32 {
        let target = self.rules.target_per_replica.max(f64::MIN_POSITIVE);
        let ratio = metric / (target * f64::from(current));
        if (1.0 - ratio).abs() > self.settings.tolerance {
            let wanted = (metric / target).ceil();
            if wanted >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                wanted.max(0.0) as u32
            }
        } else {
            current
        }
    }

    /// `stabilizeRecommendation`: the highest proposal of the window,
    /// storing this one in place of one older than the window (or beside
    /// them).
    fn stabilize(&mut self, now: Duration, proposal: u32) -> u32 {
        let cutoff = now.saturating_sub(self.settings.downscale_stabilization);
        let mut highest = proposal;
        let mut old = None;
        for (i, &(at, rec)) in self.recommendations.iter().enumerate() {
            if at < cutoff {
                old = Some(i);
            } else if rec > highest {
                highest = rec;
            }
        }
        match old {
            Some(i) => self.recommendations[i] = (now, proposal),
            None => self.recommendations.push((now, proposal)),
        }
        highest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa(current: u32) -> Hpa {
        Hpa::new(
            HpaSettings::default(),
            ScalingRules {
                min_replicas: 1,
                max_replicas: 20,
                target_per_replica: 100.0,
            },
            Duration::ZERO,
            current,
        )
    }

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn the_metric_over_the_target_is_the_proposal_within_the_scale_up_limit() {
        let mut h = hpa(1);
        // 2,000 behind wants 20; from 1 replica the limit is 4.
        assert_eq!(h.sync(s(15), 1, 2000.0), 4);
        // From 4: at most 8; from 8: 16; from 16: 20 (the maximum).
        assert_eq!(h.sync(s(30), 4, 2000.0), 8);
        assert_eq!(h.sync(s(45), 8, 2000.0), 16);
        assert_eq!(h.sync(s(60), 16, 2000.0), 20);
        assert_eq!(h.sync(s(75), 20, 5000.0), 20);
    }

    #[test]
    fn a_metric_within_the_tolerance_keeps_the_count() {
        let mut h = hpa(10);
        // 1,050 over 10 × 100 is 1.05: within 10%, stays at 10, not 11.
        assert_eq!(h.sync(s(15), 10, 1050.0), 10);
        // 1,150 is 1.15: 12.
        assert_eq!(h.sync(s(30), 10, 1150.0), 12);
    }

    #[test]
    fn scaling_down_waits_for_the_stabilization_window() {
        let mut h = hpa(1);
        assert_eq!(h.sync(s(15), 1, 400.0), 4);
        // The lag is gone at 30 s; 4 was proposed at 15 s, so 4 holds until
        // that proposal is older than 300 s.
        for t in (30..=315).step_by(15) {
            assert_eq!(h.sync(s(t), 4, 0.0), 4, "at {t} s");
        }
        assert_eq!(h.sync(s(330), 4, 0.0), 1);
    }

    #[test]
    fn the_bounds_hold_and_a_metric_lost_changes_nothing() {
        let mut h = hpa(25);
        assert_eq!(h.sync(s(15), 25, 0.0), 20, "above the maximum");
        assert_eq!(h.metric_unavailable(7), 7);
        assert_eq!(h.sync(s(30), 0, 1e6), 0, "scaling disabled at zero");
    }
}
