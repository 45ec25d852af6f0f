//! Samples the run's gauges (stream lag, Jobs running and pending, busy
//! pods) every sampling interval of scenario time into the recorder, and
//! hands a progress snapshot to the caller at the same cadence.

use std::sync::Arc;

use alertsim_core::scaler::count_phases;
use alertsim_drivers::jobs::AnyRuntime;
use alertsim_drivers::jobs::JobRuntime;

use super::lag_probe::LagProbe;
use alertsim_reports::Gauges;

use super::generator::Planned;
use super::state::{Counters, RunState};

/// What a progress line shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadProgress {
    /// Scenario seconds since the start.
    pub t_s: f64,
    /// Visits whose events are written.
    pub visits_fanned_out: u64,
    /// Visits of the night.
    pub visits_total: u64,
    /// Alerts acknowledged so far.
    pub alerts_delivered: u64,
    /// Alerts acknowledged per wall second over the last interval.
    pub alerts_per_wall_s: f64,
    /// Stream lag at the sample.
    pub lag: u64,
    /// Jobs not finished.
    pub jobs_running: u64,
    /// Jobs whose pod has not started.
    pub jobs_pending: u64,
}

/// Samples until the run stops; `progress` is called after each sample.
pub async fn run_sampler(
    state: Arc<RunState>,
    runtime: Arc<AnyRuntime>,
    mut progress: impl FnMut(LoadProgress) + Send,
) {
    let interval = state.recorder().sample_interval_s();
    let query = state
        .plan
        .plan()
        .observed_lag_query(&state.endpoints.stream, &state.endpoints.group);
    let mut probe = LagProbe::new(state.endpoints.redis.clone(), query);
    let mut lag = 0u64;
    let mut last_delivered = 0u64;
    let mut k = 1u64;
    loop {
        let t_s = interval * k as f64;
        tokio::select! {
            () = state.wait_until(t_s, Planned::Sample) => {}
            () = state.stopped() => break,
        }
        k += 1;
        state.observe_rates();
        match probe.read(state.clock.wall(interval / 2.0)).await {
            Ok(value) => lag = u64::try_from(value).unwrap_or(0),
            Err(error) => tracing::debug!(%error, "sampler: lag unknown, keeping the last value"),
        }
        let counts = match runtime.list().await {
            Ok(jobs) => count_phases(jobs.iter().map(|j| j.phase())),
            Err(_) => Default::default(),
        };
        let gauges = Gauges {
            lag,
            jobs_running: u64::from(counts.running),
            jobs_pending: u64::from(counts.pending),
            pods_busy: Counters::get(&state.counters.pods_busy),
            publisher_backlog: Counters::get(&state.counters.alerts_spooled),
        };
        state.recorder().sample(t_s, gauges);
        let delivered = Counters::get(&state.counters.alerts_delivered);
        let wall = state.clock.wall(interval).as_secs_f64().max(1e-9);
        progress(LoadProgress {
            t_s,
            visits_fanned_out: Counters::get(&state.counters.visits_fanned_out),
            visits_total: state.plan.visits().len() as u64,
            alerts_delivered: delivered,
            alerts_per_wall_s: (delivered - last_delivered) as f64 / wall,
            lag,
            jobs_running: gauges.jobs_running,
            jobs_pending: gauges.jobs_pending,
        });
        last_delivered = delivered;
    }
    state.observe_rates();
}
