//! A ScaledObject's settings with a kafka trigger, as KEDA reads them
//! (`spec.minReplicaCount`, `maxReplicaCount`, `pollingInterval`,
//! `cooldownPeriod`, and the trigger's metadata).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The kafka trigger's `offsetResetPolicy`: what KEDA assumes the
/// consumer will do on a partition where its group has no committed
/// offset, and so which lag it reports there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetResetPolicy {
    /// The consumer starts at the end: KEDA reports a lag of 1 (or 0 with
    /// `scaleToZeroOnInvalidOffset`).
    Latest,
    /// The consumer starts at the beginning: KEDA reports the partition's
    /// latest offset.
    Earliest,
}

/// The kafka trigger's metadata that shapes the metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaTrigger {
    /// `lagThreshold`: the HPA's target value per replica.
    pub lag_threshold: u64,
    /// `activationLagThreshold`: only for scaling from and to zero.
    pub activation_lag_threshold: u64,
    /// `offsetResetPolicy`.
    pub offset_reset: OffsetResetPolicy,
    /// `allowIdleConsumers` (default false: the metric is capped so the
    /// HPA never asks for more replicas than the topic has partitions).
    pub allow_idle_consumers: bool,
    /// `scaleToZeroOnInvalidOffset` (default false).
    pub scale_to_zero_on_invalid_offset: bool,
}

impl KafkaTrigger {
    /// The trigger with KEDA's defaults for what the metadata leaves out.
    pub fn new(lag_threshold: u64, offset_reset: OffsetResetPolicy) -> Self {
        KafkaTrigger {
            lag_threshold,
            activation_lag_threshold: 0,
            offset_reset,
            allow_idle_consumers: false,
            scale_to_zero_on_invalid_offset: false,
        }
    }
}

/// A ScaledObject with one kafka trigger.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScaledObjectSettings {
    /// `minReplicaCount`, the HPA's `minReplicas` (at least 1 here).
    pub min_replicas: u32,
    /// `maxReplicaCount`, the HPA's `maxReplicas`.
    pub max_replicas: u32,
    /// `pollingInterval`: KEDA's activation check (zero to one replica).
    pub polling_interval: Duration,
    /// `cooldownPeriod`: how long KEDA waits before scaling to zero.
    pub cooldown: Duration,
    /// The trigger.
    pub trigger: KafkaTrigger,
}

/// A ScaledObject this crate cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaledObjectError {
    /// Scaling to zero is KEDA's own loop (activation, cooldown), which is
    /// not implemented: the production ScaledObject keeps one replica.
    #[error("minReplicaCount must be at least 1 (scaling to zero is not modelled), found 0")]
    ScaleToZero,
    /// `maxReplicaCount` below `minReplicaCount`.
    #[error("maxReplicaCount ({max}) must be at least minReplicaCount ({min})")]
    MaxBelowMin {
        /// `minReplicaCount`.
        min: u32,
        /// `maxReplicaCount`.
        max: u32,
    },
    /// A zero `lagThreshold` (KEDA refuses it too).
    #[error("lagThreshold must be greater than 0")]
    ZeroLagThreshold,
}

impl ScaledObjectSettings {
    /// Checks what the HPA and the trigger need.
    pub fn validate(&self) -> Result<(), ScaledObjectError> {
        if self.min_replicas == 0 {
            return Err(ScaledObjectError::ScaleToZero);
        }
        if self.max_replicas < self.min_replicas {
            return Err(ScaledObjectError::MaxBelowMin {
                min: self.min_replicas,
                max: self.max_replicas,
            });
        }
        if self.trigger.lag_threshold == 0 {
            return Err(ScaledObjectError::ZeroLagThreshold);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(min: u32, max: u32, threshold: u64) -> ScaledObjectSettings {
        ScaledObjectSettings {
            min_replicas: min,
            max_replicas: max,
            polling_interval: Duration::from_secs(30),
            cooldown: Duration::from_secs(900),
            trigger: KafkaTrigger::new(threshold, OffsetResetPolicy::Latest),
        }
    }

    #[test]
    fn the_production_settings_are_accepted_and_the_others_refused_by_name() {
        assert_eq!(settings(1, 20, 100).validate(), Ok(()));
        assert_eq!(
            settings(0, 20, 100).validate(),
            Err(ScaledObjectError::ScaleToZero)
        );
        assert_eq!(
            settings(3, 2, 100).validate(),
            Err(ScaledObjectError::MaxBelowMin { min: 3, max: 2 })
        );
        assert_eq!(
            settings(1, 2, 0).validate(),
            Err(ScaledObjectError::ZeroLagThreshold)
        );
    }
}
