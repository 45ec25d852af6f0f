//! One worker Job of a load run in a process of its own: what
//! `alertsim worker --load-run` does in a local child process or in a
//! Kubernetes pod. It rebuilds the run's plan and clock from the
//! [`LoadJobSpec`], runs exactly what an in-process Job runs ([`run_job`]:
//! the production worker loop, the scenario's processing time, the
//! generator and the production publisher), reports to the run through
//! Redis while it works ([`job_link`](super::job_link)) and hands in its
//! recorder when it exits.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use alertsim_drivers::jobs::local::{JobContext, Termination};

use super::clock::LoadClock;
use super::job::run_job;
use super::job_link::{JobLinkKeys, WorkerReporter};
use super::job_spec::{LoadJobSpec, SpecError};
use super::plan::LoadPlan;
use super::scaler::SCALED_JOB;
use super::state::{Endpoints, RunState};

/// How often a worker tries to hand in its records before giving up
/// (Redis may be paused by a fault just then).
const HAND_IN_ATTEMPTS: u32 = 5;

/// Why a worker process could not serve its run.
#[derive(Debug, thiserror::Error)]
pub enum JobProcessError {
    /// The spec is unusable.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The spec's scenario holds a value the core cannot run.
    #[error(transparent)]
    Plan(#[from] alertsim_plan::PlanError),
    /// Redis could not be reached to report.
    #[error("reporting to the load run through {redis}: {source}")]
    Redis {
        /// Redis URL.
        redis: String,
        /// The client's error.
        source: redis::RedisError,
    },
}

/// The services the worker's flags name, with the spec's subject and spool.
pub struct JobServices {
    /// Redis URL.
    pub redis: String,
    /// Kafka bootstrap servers.
    pub kafka: String,
    /// Schema registry URL.
    pub registry: String,
    /// Topic.
    pub topic: String,
    /// The run's stream.
    pub stream: String,
    /// The workers' consumer group.
    pub group: String,
}

/// Runs the Job named `identity` until its worker exits; `terminate`
/// resolving is its SIGTERM. Returns the worker's exit code.
pub async fn run_job_process(
    spec: LoadJobSpec,
    services: JobServices,
    identity: String,
    terminate: impl Future<Output = ()>,
) -> Result<i32, JobProcessError> {
    let shard = spec.shard().map_err(SpecError::from)?;
    let plan = LoadPlan::new(&spec.scenario, shard)?;
    let clock = LoadClock::resume(spec.start_unix_ms, spec.time_scale);
    let endpoints = Endpoints {
        redis: services.redis,
        kafka: services.kafka,
        registry: services.registry,
        topic: services.topic,
        subject: spec.subject,
        stream: services.stream,
        group: services.group,
        spool_dir: spec.spool_dir,
    };
    let state = RunState::new(spec.scenario, plan, clock, endpoints);
    let redis_error = |source| JobProcessError::Redis {
        redis: state.endpoints.redis.clone(),
        source,
    };
    let keys = JobLinkKeys::for_stream(&state.endpoints.stream);
    let mut reporter = WorkerReporter::start(&state.endpoints.redis, keys, identity.clone())
        .await
        .map_err(redis_error)?;

    let (terminate_job, termination) = Termination::channel();
    let context = JobContext {
        name: identity,
        scaled_job: SCALED_JOB.to_owned(),
        env: Vec::new(),
        termination,
    };
    let mut job = tokio::spawn(run_job(Arc::clone(&state), context));
    tokio::pin!(terminate);
    let joined = tokio::select! {
        joined = &mut job => joined,
        () = &mut terminate => {
            terminate_job.send_replace(true);
            tokio::select! {
                joined = &mut job => joined,
                never = reporter.report_forever(&state) => match never {},
            }
        }
        never = reporter.report_forever(&state) => match never {},
    };
    // A panicked worker is a failed pod: exit code 1.
    let exit_code = joined.unwrap_or(1);
    hand_in(&mut reporter, &state).await.map_err(redis_error)?;
    Ok(exit_code)
}

/// The last report and the recorder, retried while Redis is unavailable.
async fn hand_in(reporter: &mut WorkerReporter, state: &RunState) -> Result<(), redis::RedisError> {
    let mut attempt = 1;
    loop {
        match reporter.finish(state).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < HAND_IN_ATTEMPTS => {
                tracing::warn!(%error, attempt, "worker: handing in the records failed, retrying");
                attempt += 1;
                // A back-off, not a wait for an event: Redis says nothing
                // when it comes back.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(error),
        }
    }
}
