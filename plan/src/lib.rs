//! alertsim-plan: one plan from a scenario to the settings production code
//! takes.
//!
//! A validated [`Scenario`] says what the night and the system are; the
//! production code (`alertsim-core`) takes ScaledJob settings, a worker
//! configuration, a trigger query, `nextVisit` events and a publisher
//! profile. [`Plan::new`] makes that conversion once, and both drivers (the
//! simulator and the load generator) take the [`Plan`] and build no settings
//! of their own. The night's visit schedule and the named random streams
//! live here too, so that both drivers draw the same visits from a seed.
//!
//! Durations: the plan holds scenario seconds. A load run that plays
//! `time_scale` scenario seconds per real second asks for its worker
//! settings on [`Clock::Wall`]; the conversion is in [`settings`], once.
//!
//! - [`settings`]: scenario sections to the core's settings, and [`Clock`];
//! - [`night`]: the visit schedule and each visit's alerts per detector;
//! - [`next_visit`]: the fan-out's event for a visit, and its identifiers;
//! - [`fanout_settings`]: the fan-out's write retry and message expiration;
//! - [`redis_cpu`]: Redis's CPU limit and each command's cost, for the
//!   simulator's Redis CPU model;
//! - [`stages`]: one detector's stage times (preload, image wait,
//!   pipelines, APDB write) and the timeline they make after the read;
//! - [`chaos`]: a scenario's `[chaos]` expanded into faults from the seed;
//! - [`rng`]: the named random streams; [`time`]: scenario (virtual) time.

pub mod chaos;
pub mod fanout_settings;
pub mod next_visit;
pub mod night;
pub mod redis_cpu;
pub mod rng;
pub mod settings;
pub mod stages;
pub mod time;

use std::time::Duration;

use alertsim_core::fanout;
use alertsim_core::publish::Profile;
use alertsim_core::scaler::lag::StreamQuery;
use alertsim_core::scaler::{KedaVersion, ScaledJobSettings, TokenBucket};
use alertsim_core::worker::WorkerConfig;
use alertsim_scenarios::{PublisherProfile, Scenario, StatusPatchLimit};

pub use night::{Visit, VisitKind};
pub use settings::{Clock, PlanError};

use rng::{Stream, stream};

/// Everything the production code takes for one scenario run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenario as given (after `--set`, before chaos): what a worker
    /// process of a load run receives to make this same plan again.
    pub given: Scenario,
    /// The scenario, with its `[chaos]` already expanded into `[[faults]]`.
    pub scenario: Scenario,
    /// The KEDA release whose behaviour the scaler follows.
    pub keda_version: KedaVersion,
    /// The ScaledJob's settings.
    pub scaled_job: ScaledJobSettings,
    /// Whether the release builds the ScaledJob's redis-streams trigger.
    /// When it does not (KEDA 2.16 with `activation_lag_count = 0` and a
    /// non-zero `lag_count`), the ScaledJob's reconcile fails before its
    /// scale loop starts: KEDA never polls and creates no Job, not even the
    /// minimum.
    pub trigger_builds: bool,
    /// The Job-creation API client's rate limit.
    pub api_rate_limit: TokenBucket,
    /// Whether the ScaledJob status patches take the Job client's tokens
    /// (`scaler.status_patch_limit = "shared"`) rather than their own.
    pub shared_status_limit: bool,
    /// How late the operator's informer cache shows the Jobs
    /// (`scaler.cache_lag_s`, scenario time; the simulator applies it).
    pub cache_lag: Duration,
    /// The alert publisher's producer profile.
    pub publisher_profile: Profile,
    /// The night's visits in order, drawn from the `visits` and `alerts`
    /// random streams.
    pub visits: Vec<Visit>,
}

impl Plan {
    /// The plan of a validated scenario. Fails only on a value validation
    /// accepts but the core cannot run (a test keeps that set empty).
    pub fn new(given: &Scenario) -> Result<Plan, PlanError> {
        let scenario = chaos::with_chaos(given).into_owned();
        let keda_version = settings::keda_version(&scenario.scaler)?;
        let mut visits = night::schedule(
            &scenario.night,
            &mut stream(scenario.seed, Stream::Visits),
            &mut stream(scenario.seed, Stream::Alerts),
        );
        night::assign_kinds(
            &mut visits,
            &scenario.night,
            &mut stream(scenario.seed, Stream::VisitKinds),
        );
        Ok(Plan {
            keda_version,
            scaled_job: settings::scaled_job_settings(&scenario.scaler, keda_version),
            trigger_builds: settings::trigger_builds(&scenario.scaler, keda_version),
            api_rate_limit: settings::api_rate_limit(&scenario.scaler),
            shared_status_limit: scenario.scaler.status_patch_limit == StatusPatchLimit::Shared,
            cache_lag: settings::cache_lag(&scenario.scaler),
            publisher_profile: match scenario.publisher.profile {
                PublisherProfile::Rubin => Profile::Rubin,
                PublisherProfile::Safe => Profile::Safe,
            },
            visits,
            scenario,
            given: given.clone(),
        })
    }

    /// The trigger's query on a stream and consumer group (the scenario's
    /// `[redis]` names in the simulator; a load run's own stream).
    pub fn stream_query(&self, stream: &str, group: &str) -> StreamQuery {
        settings::stream_query(stream, group, &self.scenario.scaler, self.keda_version)
    }

    /// The query behind the lag a report shows: the group's lag on
    /// `stream`, whatever the trigger's `lagCount` makes KEDA read.
    pub fn observed_lag_query(&self, stream: &str, group: &str) -> StreamQuery {
        StreamQuery::from_trigger(
            stream.to_owned(),
            Some(group.to_owned()),
            1,
            alertsim_core::scaler::lag::NullLag::Zero,
        )
    }

    /// The worker's configuration, its durations on `clock`.
    pub fn worker_config(&self, clock: Clock) -> WorkerConfig {
        settings::worker_config(&self.scenario.workers, clock)
    }

    /// How the fan-out retries one detector's write, its waits on `clock`.
    pub fn fanout_retry(&self, clock: Clock) -> fanout::retry::WriteRetry {
        fanout_settings::write_retry(&self.scenario.fanout, clock)
    }

    /// The fan-out's `MESSAGE_EXPIRATION`, on `clock`.
    pub fn fanout_expiration(&self, clock: Clock) -> std::time::Duration {
        fanout_settings::message_expiration(&self.scenario.fanout, clock)
    }

    /// Redis's CPU limit and command costs (the simulator's Redis model).
    pub fn redis_cpu(&self) -> redis_cpu::RedisCpuSettings {
        redis_cpu::redis_cpu(&self.scenario.redis)
    }

    /// The `nextVisit` event of `visit`, stamped with the given Unix times.
    pub fn next_visit(
        &self,
        visit: &Visit,
        announced_unix_s: f64,
        exposure_start_unix_s: f64,
    ) -> fanout::Visit {
        next_visit::next_visit(
            &self.scenario.name,
            visit,
            self.scenario.night.exposure_s,
            announced_unix_s,
            exposure_start_unix_s,
        )
    }
}
