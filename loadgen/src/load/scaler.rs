//! The KEDA side of a load run: the core's ScaledJob poll loop reading the
//! real stream's lag and the local runtime's Jobs, and carrying out its
//! Job creations and deletions at the times the API rate limit allows.

use std::sync::Arc;
use std::time::Duration;

use alertsim_core::scaler::{
    FinishedJob, JobAction, PollInput, ScalerLoop, TriggerMetric, count_jobs,
};
use alertsim_drivers::jobs::AnyRuntime;
use alertsim_drivers::jobs::{JobRuntime, JobStatus, JobTemplate};

use super::generator::Planned;
use super::lag_probe::LagProbe;
use super::state::RunState;

/// The name of the ScaledJob whose Jobs a load run creates.
pub const SCALED_JOB: &str = "alertsim-load";

/// Scenario seconds as the loop's duration.
fn at(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

/// Polls and scales until the run stops.
pub async fn run_scaler(state: Arc<RunState>, runtime: Arc<AnyRuntime>, template: JobTemplate) {
    let scaler = &state.scenario.scaler;
    let plan = state.plan.plan();
    if !plan.trigger_builds {
        // The release refuses the trigger (KEDA 2.16 with activation 0):
        // the ScaledJob has no scale loop, so no Job is ever created.
        tracing::warn!(
            keda = %plan.keda_version,
            "scaler: KEDA refuses the redis-streams trigger (activationLagCount 0); no Job is created"
        );
        return;
    }
    let mut poll_loop = ScalerLoop::new(plan.scaled_job.clone(), Duration::ZERO)
        .with_rate_limit(plan.api_rate_limit.clone())
        .with_shared_status_limit(plan.shared_status_limit);
    let query = plan.stream_query(&state.endpoints.stream, &state.endpoints.group);
    let target = scaler.lag_count as f64;
    let activation = scaler.activation_lag_count as f64;
    let mut probe = LagProbe::new(state.endpoints.redis.clone(), query);
    while !state.is_stopping() {
        let due = poll_loop.next_poll().as_secs_f64();
        tokio::select! {
            () = state.wait_until(due, Planned::Scaler) => {}
            () = state.stopped() => break,
        }
        let paused = state.scaler_paused_until();
        if paused > state.clock.now_s() {
            poll_loop.delay_next_poll_until(at(paused));
            continue;
        }
        let metric = match probe.read(Duration::from_secs(5)).await {
            Ok(value) => TriggerMetric::new(value as f64, target, activation),
            Err(error) => {
                tracing::warn!(%error, "scaler: the lag is unknown");
                TriggerMetric::errored(target, activation)
            }
        };
        let jobs: Vec<JobStatus> = match runtime.list().await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::warn!(%error, "scaler: listing Jobs failed");
                continue;
            }
        };
        let finished: Vec<FinishedJob> = jobs.iter().filter_map(JobStatus::finished_job).collect();
        let now = at(state.clock.now_s());
        let output = poll_loop.poll(
            now,
            PollInput {
                metrics: &[metric],
                counts: count_jobs(poll_loop.settings(), &jobs),
                finished: &finished,
            },
        );
        if output.operator_crashed {
            // The decision panicked: the operator is down until the loop's
            // next poll (Kubernetes' restart back-off).
            tracing::warn!(
                keda = %plan.keda_version,
                "scaler: the KEDA operator crashed (custom strategy without a deduction)"
            );
            state.recorder().keda_operator_crashed();
        }
        for action in output.actions {
            tokio::select! {
                () = state.wait_until(action.at.as_secs_f64(), Planned::Scaler) => {}
                () = state.stopped() => return,
            }
            match action.action {
                JobAction::Create => match runtime.create(&template).await {
                    Ok(_) => state.recorder().job_created(),
                    Err(error) => tracing::warn!(%error, "scaler: creating a Job failed"),
                },
                JobAction::Delete { name } => {
                    if let Err(error) = runtime.delete(name.as_str()).await {
                        tracing::warn!(%error, job = %name, "scaler: deleting a Job failed");
                    }
                }
            }
        }
        poll_loop.delay_next_poll_until(at(state.clock.now_s()));
    }
}
