//! KEDA's kafka trigger: the consumer group's lag summed over the topic's
//! partitions, as `pkg/scalers/kafka_scaler.go` computes it (read at
//! v2.17.0: `getLagForPartition` and `getTotalLag`; unchanged to v2.20).
//!
//! - A partition with a committed offset lags by `latest − committed`.
//! - A partition without one (a new group, or its offsets expired or lost)
//!   lags by 1 when the policy is `latest` (0 with
//!   `scaleToZeroOnInvalidOffset`), and by the partition's latest offset
//!   when it is `earliest` (the offset itself, not what is retained).
//! - Unless `allowIdleConsumers`, a total over `partitions × lagThreshold`
//!   is cut to that, so the HPA never asks for more consumers than
//!   partitions (Go's integer division decides when).
//!
//! The excluded persistent lag and `limitToPartitionsWithLag` options are
//! off by default and off in production; they are not implemented.

use super::settings::{KafkaTrigger, OffsetResetPolicy};

/// One partition's offsets as the trigger reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionOffsets {
    /// The partition's latest offset (its high watermark).
    pub latest: u64,
    /// The group's committed offset there, if any.
    pub committed: Option<u64>,
}

/// What the trigger reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriggerLag {
    /// The metric handed to the HPA.
    pub lag: u64,
    /// Whether the trigger is active (`lag > activationLagThreshold`).
    pub active: bool,
}

/// The trigger's metric over the topic's partitions.
pub fn total_lag(partitions: &[PartitionOffsets], trigger: &KafkaTrigger) -> TriggerLag {
    let lag: u64 = partitions
        .iter()
        .map(|p| match (p.committed, trigger.offset_reset) {
            (Some(committed), _) => p.latest.saturating_sub(committed),
            (None, _) if trigger.scale_to_zero_on_invalid_offset => 0,
            (None, OffsetResetPolicy::Latest) => 1,
            (None, OffsetResetPolicy::Earliest) => p.latest,
        })
        .sum();
    let active = lag > trigger.activation_lag_threshold;
    let count = partitions.len() as u64;
    let lag = if !trigger.allow_idle_consumers && lag / trigger.lag_threshold.max(1) > count {
        count * trigger.lag_threshold
    } else {
        lag
    };
    TriggerLag { lag, active }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(latest: u64, committed: Option<u64>) -> PartitionOffsets {
        PartitionOffsets { latest, committed }
    }

    #[test]
    fn committed_partitions_lag_by_the_difference() {
        let t = KafkaTrigger::new(1000, OffsetResetPolicy::Latest);
        let lag = total_lag(&[at(500, Some(200)), at(40, Some(40))], &t);
        assert_eq!(
            lag,
            TriggerLag {
                lag: 300,
                active: true
            }
        );
    }

    #[test]
    fn a_partition_without_an_offset_lags_by_its_policy() {
        let mut t = KafkaTrigger::new(1000, OffsetResetPolicy::Latest);
        let parts = [at(700, None), at(50, Some(20))];
        assert_eq!(total_lag(&parts, &t).lag, 1 + 30);
        t.offset_reset = OffsetResetPolicy::Earliest;
        assert_eq!(total_lag(&parts, &t).lag, 700 + 30);
        t.scale_to_zero_on_invalid_offset = true;
        assert_eq!(total_lag(&parts, &t).lag, 30);
    }

    #[test]
    fn the_lag_is_capped_at_one_threshold_per_partition_unless_idle_consumers_are_allowed() {
        let mut t = KafkaTrigger::new(100, OffsetResetPolicy::Latest);
        // 3 partitions, 350 behind: 350 / 100 = 3, not over 3: kept.
        let parts = [at(350, Some(0)), at(0, Some(0)), at(0, Some(0))];
        assert_eq!(total_lag(&parts, &t).lag, 350);
        // 450 behind: 4 > 3, cut to 300.
        let parts = [at(450, Some(0)), at(0, Some(0)), at(0, Some(0))];
        assert_eq!(total_lag(&parts, &t).lag, 300);
        t.allow_idle_consumers = true;
        assert_eq!(total_lag(&parts, &t).lag, 450);
    }

    #[test]
    fn activity_compares_the_uncapped_lag_with_the_activation_threshold() {
        let mut t = KafkaTrigger::new(100, OffsetResetPolicy::Latest);
        t.activation_lag_threshold = 10;
        assert!(!total_lag(&[at(10, Some(0))], &t).active);
        assert!(total_lag(&[at(11, Some(0))], &t).active);
    }
}
