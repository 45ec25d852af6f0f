//! Maps a scenario's sections onto the settings of the production code the
//! simulator drives: the core's ScaledJob settings, worker configuration and
//! the redis-streams trigger's query.

use std::time::Duration;

use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_core::scaler::{
    KedaVersion, MultipleScalersCalculation, RolloutStrategy, ScaledJobSettings, ScalingStrategy,
    Strategy, TokenBucket,
};
use alertsim_core::worker::{AckMode, WorkerConfig};
use alertsim_scenarios::{Combine, Redis, Rollout, Scaler, Workers};

/// How long an idle worker waits after an empty read before it reads again.
/// Rubin's loop reads again at once; under virtual time a worker must let
/// time pass, and the engine wakes idle workers when entries arrive anyway.
pub const EMPTY_READ_PAUSE: Duration = Duration::from_millis(1);

/// The KEDA release a scenario names ("2.16" or "current"; anything else
/// was rejected by scenario validation and reads as 2.16).
pub fn keda_version(scaler: &Scaler) -> KedaVersion {
    KedaVersion::parse(&scaler.keda_version).unwrap_or(KedaVersion::V2_16)
}

/// The core's ScaledJob settings for the scenario's `[scaler]`.
pub fn scaled_job_settings(scaler: &Scaler) -> ScaledJobSettings {
    let strategy = match scaler.strategy {
        alertsim_scenarios::Strategy::Default => Strategy::Default,
        alertsim_scenarios::Strategy::Custom => Strategy::Custom,
        alertsim_scenarios::Strategy::Accurate => Strategy::Accurate,
        alertsim_scenarios::Strategy::Eager => Strategy::Eager,
    };
    let combine = match scaler.multiple_scalers_calculation {
        Combine::Max => MultipleScalersCalculation::Max,
        Combine::Min => MultipleScalersCalculation::Min,
        Combine::Avg => MultipleScalersCalculation::Avg,
        Combine::Sum => MultipleScalersCalculation::Sum,
    };
    ScaledJobSettings {
        keda_version: keda_version(scaler),
        polling_interval_secs: polling_interval_secs(scaler.polling_interval_s),
        min_replica_count: scaler.min_replicas,
        max_replica_count: Some(scaler.max_replicas),
        scaling_strategy: ScalingStrategy {
            strategy,
            custom_scaling_queue_length_deduction: i32::try_from(scaler.custom_deduction).ok(),
            custom_scaling_running_job_percentage: Some(scaler.custom_running_job_percentage),
            pending_pod_conditions: scaler.pending_pod_conditions.clone(),
            multiple_scalers_calculation: combine,
        },
        successful_jobs_history_limit: Some(scaler.successful_jobs_history),
        failed_jobs_history_limit: Some(scaler.failed_jobs_history),
        rollout: match scaler.rollout {
            Rollout::Default => RolloutStrategy::Default,
            Rollout::Gradual => RolloutStrategy::Gradual,
        },
    }
}

/// KEDA's `pollingInterval` is whole seconds; at least 1.
fn polling_interval_secs(secs: f64) -> u32 {
    if secs.is_finite() && secs >= 1.0 {
        secs.round().min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// The Job-creation API client's rate limit.
pub fn api_rate_limit(scaler: &Scaler) -> TokenBucket {
    let rate = if scaler.api_rate_per_s.is_finite() && scaler.api_rate_per_s >= 1.0 {
        scaler.api_rate_per_s.round().min(f64::from(u32::MAX)) as u32
    } else {
        1
    };
    TokenBucket::new(rate, scaler.api_burst)
}

/// The trigger's query: consumer-group lag (or pending count when lagCount is 0).
pub fn stream_query(redis: &Redis, scaler: &Scaler) -> StreamQuery {
    StreamQuery::from_trigger(
        redis.stream.clone(),
        Some(redis.group.clone()),
        i64::try_from(scaler.lag_count).unwrap_or(i64::MAX),
        NullLag::for_keda(keda_version(scaler)),
    )
}

/// The worker's configuration from `[workers]`.
pub fn worker_config(workers: &Workers) -> WorkerConfig {
    WorkerConfig {
        ack_mode: match workers.ack_mode {
            alertsim_scenarios::AckMode::BeforeProcessing => AckMode::BeforeProcessing,
            alertsim_scenarios::AckMode::AfterProcessing => AckMode::AfterProcessing,
        },
        restart_after: workers.restart_freq,
        listen_timeout: seconds(workers.listen_timeout_s),
        message_expiration: seconds(workers.max_message_age_s),
        claim_min_idle: WorkerConfig::rubin().claim_min_idle,
        empty_read_pause: EMPTY_READ_PAUSE,
    }
}

fn seconds(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertsim_scenarios::Scenario;

    #[test]
    fn rubin_night_maps_to_rubin_production() {
        let scenario = Scenario::resolve("rubin-night", &[]).unwrap_or_default();
        let settings = scaled_job_settings(&scenario.scaler);
        let rubin = ScaledJobSettings::rubin_production();
        assert_eq!(settings.scaling_strategy.strategy, Strategy::Eager);
        assert_eq!(settings.polling_interval_secs, rubin.polling_interval_secs);
        assert_eq!(settings.min_replica_count, rubin.min_replica_count);
        assert_eq!(settings.max_replica_count, rubin.max_replica_count);
        assert_eq!(settings.keda_version, KedaVersion::V2_16);
        let w = worker_config(&scenario.workers);
        assert_eq!(w.restart_after, 10);
        assert_eq!(w.listen_timeout, Duration::from_secs(900));
        assert_eq!(w.ack_mode, AckMode::BeforeProcessing);
    }
}
