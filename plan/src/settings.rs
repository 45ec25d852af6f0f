//! Maps a scenario's sections onto the settings of the production code: the
//! core's ScaledJob settings, the API rate limit, the worker configuration
//! and the redis-streams trigger's query. Both drivers get these through
//! [`crate::Plan`]; nothing else converts a scenario section.

use std::time::Duration;

use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_core::scaler::{
    KedaVersion, MultipleScalersCalculation, RolloutStrategy, ScaledJobSettings, ScalingStrategy,
    Strategy, TokenBucket,
};
use alertsim_core::worker::{AckMode, WorkerConfig};
use alertsim_scenarios::{Combine, Rollout, Scaler, Workers};

/// How long an idle worker waits after an empty read before it reads again,
/// under virtual time. Rubin's loop reads again at once; under virtual time
/// a worker must let time pass, and the engine wakes idle workers when
/// entries arrive anyway.
pub const EMPTY_READ_PAUSE_VIRTUAL: Duration = Duration::from_millis(1);

/// The same pause on a real Redis (wall clock): 50 ms, so that a load run's
/// idle workers do not take the two cores of a test machine from the rest
/// of the run. Estimate; production polls with no pause at all.
pub const EMPTY_READ_PAUSE_WALL: Duration = Duration::from_millis(50);

/// Which clock the production code runs on: the simulator's virtual time,
/// or the wall clock of a load run that plays `time_scale` scenario seconds
/// per second. Every scenario duration that production code takes is
/// converted here, once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Virtual time: scenario seconds are the code's seconds.
    Virtual,
    /// Wall clock, `time_scale` scenario seconds per real second.
    Wall {
        /// Scenario seconds per real second (above 0).
        time_scale: f64,
    },
}

impl Clock {
    /// A scenario duration as this clock's duration.
    pub fn duration(self, scenario_s: f64) -> Duration {
        match self {
            Clock::Virtual => seconds(scenario_s),
            Clock::Wall { time_scale } => seconds(scenario_s / time_scale),
        }
    }

    /// [`Clock::duration`] of a duration given as one.
    pub fn scale(self, scenario: Duration) -> Duration {
        self.duration(scenario.as_secs_f64())
    }
}

/// A scenario value the production code cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `scaler.keda_version` names no release the core implements.
    #[error("scaler.keda_version: the core cannot run KEDA `{0}` (expected one of {list})", list = alertsim_scenarios::KEDA_VERSIONS.join(", "))]
    UnknownKedaVersion(String),
}

/// The KEDA release a scenario names.
pub fn keda_version(scaler: &Scaler) -> Result<KedaVersion, PlanError> {
    KedaVersion::parse(&scaler.keda_version)
        .ok_or_else(|| PlanError::UnknownKedaVersion(scaler.keda_version.clone()))
}

/// The core's ScaledJob settings for the scenario's `[scaler]`.
pub fn scaled_job_settings(scaler: &Scaler, keda_version: KedaVersion) -> ScaledJobSettings {
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
        keda_version,
        polling_interval_secs: polling_interval_secs(scaler.polling_interval_s),
        min_replica_count: scaler.min_replicas,
        max_replica_count: Some(scaler.max_replicas),
        scaling_strategy: ScalingStrategy {
            strategy,
            // Validation refuses a deduction outside int32.
            custom_scaling_queue_length_deduction: scaler
                .custom_deduction
                .and_then(|d| i32::try_from(d).ok()),
            custom_scaling_running_job_percentage: scaler.custom_running_job_percentage,
            pending_pod_conditions: scaler.pending_pod_conditions.clone(),
            multiple_scalers_calculation: combine,
        },
        successful_jobs_history_limit: Some(scaler.successful_jobs_history),
        failed_jobs_history_limit: Some(scaler.failed_jobs_history),
        rollout: match scaler.rollout {
            Rollout::Default => RolloutStrategy::Default,
            Rollout::Immediate => RolloutStrategy::Immediate,
            Rollout::Gradual => RolloutStrategy::Gradual,
        },
    }
}

/// Whether `keda_version` builds the scenario's redis-streams trigger (it
/// always has a consumer group here); see
/// [`KedaVersion::refuses_redis_trigger`].
pub fn trigger_builds(scaler: &Scaler, keda_version: KedaVersion) -> bool {
    let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    !keda_version.refuses_redis_trigger(
        true,
        as_i64(scaler.lag_count),
        as_i64(scaler.activation_lag_count),
    )
}

/// KEDA's `pollingInterval` is whole seconds; at least 1.
fn polling_interval_secs(secs: f64) -> u32 {
    if secs.is_finite() && secs >= 1.0 {
        secs.round().min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// The informer cache's lag (validation keeps it in [0, 60] s).
pub fn cache_lag(scaler: &Scaler) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(scaler.cache_lag_s).unwrap_or_default()
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

/// The trigger's query on `stream` and `group`: consumer-group lag (or
/// pending count when lagCount is 0).
pub fn stream_query(
    stream: &str,
    group: &str,
    scaler: &Scaler,
    keda_version: KedaVersion,
) -> StreamQuery {
    StreamQuery::from_trigger(
        stream.to_owned(),
        Some(group.to_owned()),
        i64::try_from(scaler.lag_count).unwrap_or(i64::MAX),
        NullLag::for_keda(keda_version),
    )
}

/// The worker's configuration from `[workers]`, its durations on `clock`.
pub fn worker_config(workers: &Workers, clock: Clock) -> WorkerConfig {
    WorkerConfig {
        ack_mode: match workers.ack_mode {
            alertsim_scenarios::AckMode::BeforeProcessing => AckMode::BeforeProcessing,
            alertsim_scenarios::AckMode::AfterProcessing => AckMode::AfterProcessing,
        },
        restart_after: workers.restart_freq,
        listen_timeout: clock.duration(workers.listen_timeout_s),
        message_expiration: clock.duration(workers.max_message_age_s),
        claim_min_idle: clock.scale(WorkerConfig::rubin().claim_min_idle),
        empty_read_pause: match clock {
            Clock::Virtual => EMPTY_READ_PAUSE_VIRTUAL,
            Clock::Wall { .. } => EMPTY_READ_PAUSE_WALL,
        },
        redis_retry: clock.duration(workers.redis_retry_s),
        redis_retries: workers.redis_retries,
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
        let version = keda_version(&scenario.scaler).unwrap_or_default();
        let settings = scaled_job_settings(&scenario.scaler, version);
        let rubin = ScaledJobSettings::rubin_production();
        assert_eq!(settings.scaling_strategy.strategy, Strategy::Eager);
        assert_eq!(settings.polling_interval_secs, rubin.polling_interval_secs);
        assert_eq!(settings.min_replica_count, rubin.min_replica_count);
        assert_eq!(settings.max_replica_count, rubin.max_replica_count);
        assert_eq!(settings.keda_version, KedaVersion::V2_16);
        let w = worker_config(&scenario.workers, Clock::Virtual);
        assert_eq!(w.restart_after, 10);
        assert_eq!(w.listen_timeout, Duration::from_secs(900));
        assert_eq!(w.ack_mode, AckMode::BeforeProcessing);
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;
    use alertsim_scenarios::Scenario;

    #[test]
    fn every_worker_duration_is_scaled_on_the_wall_clock() {
        let scenario = Scenario::resolve("rubin-night", &[]).unwrap_or_default();
        let virtual_time = worker_config(&scenario.workers, Clock::Virtual);
        let wall = worker_config(&scenario.workers, Clock::Wall { time_scale: 10.0 });
        assert_eq!(wall.listen_timeout * 10, virtual_time.listen_timeout);
        assert_eq!(
            wall.message_expiration * 10,
            virtual_time.message_expiration
        );
        assert_eq!(wall.redis_retry * 10, virtual_time.redis_retry);
        assert_eq!(virtual_time.redis_retry, Duration::from_secs(30));
        // The claim idle time was once left unscaled in load runs.
        assert_eq!(wall.claim_min_idle * 10, virtual_time.claim_min_idle);
        assert_eq!(
            virtual_time.claim_min_idle,
            WorkerConfig::rubin().claim_min_idle
        );
    }

    #[test]
    fn every_version_validation_accepts_is_one_the_core_runs() {
        for name in alertsim_scenarios::KEDA_VERSIONS {
            let scaler = Scaler {
                keda_version: (*name).to_owned(),
                ..Scaler::default()
            };
            assert!(keda_version(&scaler).is_ok(), "{name}");
        }
        assert_eq!(alertsim_scenarios::KEDA_VERSIONS, KedaVersion::NAMES);
        let scaler = Scaler {
            keda_version: "2.20.1".to_owned(),
            ..Scaler::default()
        };
        assert!(keda_version(&scaler).is_err());
    }

    #[test]
    fn validation_refuses_what_each_release_crd_refuses() {
        for name in alertsim_scenarios::KEDA_VERSIONS {
            let Some(v) = KedaVersion::parse(name) else {
                panic!("{name} does not parse");
            };
            assert_eq!(
                alertsim_scenarios::KEDA_REFUSING_ROLLOUT_DEFAULT.contains(name),
                !v.crd_accepts_rollout_default(),
                "{name}"
            );
            assert_eq!(
                alertsim_scenarios::KEDA_REFUSING_DEFAULT_STRATEGY.contains(name),
                !v.crd_accepts_default_strategy(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_trigger_builds_except_on_2_16_with_activation_zero() {
        let scaler = |version: &str, activation: u64| Scaler {
            keda_version: version.to_owned(),
            activation_lag_count: activation,
            ..Scaler::default()
        };
        let builds = |s: &Scaler| keda_version(s).map(|v| trigger_builds(s, v));
        assert_eq!(builds(&scaler("2.16", 0)), Ok(false));
        assert_eq!(builds(&scaler("2.16", 1)), Ok(true));
        assert_eq!(builds(&scaler("2.17", 0)), Ok(true));
        let pending_mode = Scaler {
            lag_count: 0,
            ..scaler("2.16", 0)
        };
        assert_eq!(builds(&pending_mode), Ok(true));
    }
}
