//! What each local Job of a load run runs: the production worker loop on
//! the run's Redis stream, with a [`LoadProcessor`] that publishes through
//! a publisher of its own, as a pod would. With Rubin's deterministic ids
//! the Job computes its schema id and never asks the registry, as the
//! packager does; without them it looks the id up in the registry when it
//! starts, so a Job starting while the registry is down fails and its
//! event waits in the stream for the next one.

use std::sync::Arc;

use alertsim_core::alert::generate::{AlertGenerator, GeneratorConfig};
use alertsim_drivers::jobs::local::JobContext;
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig};
use alertsim_drivers::worker::{WorkerSettings, run_worker_until};
use alertsim_plan::Clock;

use super::processor::LoadProcessor;
use super::schema_id::job_schema_id_source;
use super::state::RunState;

/// Runs one Job: returns its exit code (0 normal, 1 failure or deletion).
pub async fn run_job(state: Arc<RunState>, mut context: JobContext) -> i32 {
    let started_s = state.clock.now_s();
    state
        .recorder()
        .pod_started(state.scenario.cluster.pod_startup_s.mean());
    let name = context.name.clone();
    let result = tokio::select! {
        result = run_worker(&state, &mut context) => result,
        // The worker future is dropped mid-detector: its unsettled alerts
        // are lost, its event stays unacknowledged.
        () = state.crashed(&name) => Err("crashed by a worker_crash fault".to_owned()),
    };
    state.set_busy(&context.name, false);
    match result {
        Ok((code, busy_s)) => {
            let total = state.clock.now_s() - started_s;
            state.recorder().pod_time(busy_s, (total - busy_s).max(0.0));
            code
        }
        Err(error) => {
            tracing::warn!(job = %context.name, %error, "worker Job failed");
            let total = state.clock.now_s() - started_s;
            state.recorder().pod_time(0.0, total);
            1
        }
    }
}

async fn run_worker(state: &Arc<RunState>, context: &mut JobContext) -> Result<(i32, f64), String> {
    let e = &state.endpoints;
    let source = job_schema_id_source(state.scenario.schema_registry.deterministic_ids, e)?;
    let schema_id = source
        .resolve()
        .await
        .map_err(|err| format!("schema id from {}: {err}", e.registry))?;
    let publisher = AlertPublisher::new(&PublisherConfig {
        bootstrap: e.kafka.clone(),
        topic: e.topic.clone(),
        profile: state.plan.plan().publisher_profile,
        schema_id: i32::try_from(schema_id).map_err(|err| err.to_string())?,
        spool_dir: e.spool_dir.clone(),
        // The packager's producer keeps librdkafka's limit unless the
        // scenario says otherwise; a larger alert is refused at produce.
        overrides: vec![(
            "message.max.bytes".to_owned(),
            state.scenario.kafka.producer_message_max_bytes.to_string(),
        )],
    })
    .map_err(|err| err.to_string())?;
    let generator = AlertGenerator::new(GeneratorConfig::default(), state.scenario.seed)
        .map_err(|err| err.to_string())?;
    let mut processor =
        LoadProcessor::new(state.clone(), context.name.clone(), generator, publisher);
    let mut conn = super::redis_link::connect_reconnecting(&e.redis)
        .await
        .map_err(|err| format!("connecting to {}: {err}", e.redis))?;
    let settings = WorkerSettings::new(
        e.stream.clone(),
        e.group.clone(),
        state.plan.plan().worker_config(Clock::Wall {
            time_scale: state.clock.scale(),
        }),
    );
    let termination = context.termination.clone();
    let terminate = async move {
        let mut termination = termination;
        termination.requested().await;
    };
    let report = run_worker_until(&mut conn, settings, &mut processor, terminate).await;
    processor
        .publisher_mut()
        .finish()
        .await
        .map_err(|err| format!("waiting for deliveries: {err}"))?;
    Ok((report.exit_code, processor.busy_s))
}
