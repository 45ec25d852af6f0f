//! Where a load run's worker Jobs run (`--jobs`), and the Job template the
//! scaler creates them from.
//!
//! - `task` (default): tokio tasks in the load generator, sharing its
//!   recorder directly.
//! - `process`: local child processes running `alertsim worker --load-run`,
//!   started after the scenario's pod start-up time and stopped with
//!   SIGTERM, as the core's local runtime does.
//! - `kubernetes`: batch/v1 Jobs in a cluster (the credentials kube infers:
//!   in-cluster or `~/.kube/config`), whose container runs the same
//!   command from `--image`. Its services must be reachable from the pods.
//!
//! The last two are "remote": their workers report through Redis
//! ([`job_link`](super::job_link)) and hand in their recorders at exit.

use std::path::PathBuf;
use std::sync::Arc;

use alertsim_drivers::jobs::local::{LocalConfig, LocalRuntime, LocalWorkload};
use alertsim_drivers::jobs::{AnyRuntime, JobTemplate, JobsError};

use super::job::run_job;
use super::job_spec::{LOAD_RUN_ENV, LoadJobSpec};
use super::scaler::SCALED_JOB;
use super::state::RunState;

/// Where worker Jobs run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobBackend {
    /// Tokio tasks in this process.
    Task,
    /// Child processes of this machine.
    Process {
        /// The `alertsim` executable the children run.
        program: PathBuf,
    },
    /// Jobs in a Kubernetes cluster.
    Kubernetes {
        /// The container image holding `alertsim`.
        image: String,
        /// Namespace (default: the one kube infers).
        namespace: Option<String>,
        /// The `alertsim` executable inside the image.
        program: String,
    },
}

impl JobBackend {
    /// The `--jobs` value naming this backend.
    pub fn name(&self) -> &'static str {
        match self {
            JobBackend::Task => "task",
            JobBackend::Process { .. } => "process",
            JobBackend::Kubernetes { .. } => "kubernetes",
        }
    }

    /// Whether Jobs run outside this process (and report through Redis).
    pub fn is_remote(&self) -> bool {
        !matches!(self, JobBackend::Task)
    }
}

/// The command a remote Job runs: `alertsim worker` with the run's services,
/// the rest of the run coming from [`LOAD_RUN_ENV`].
pub fn worker_command(program: &str, state: &RunState) -> Vec<String> {
    let e = &state.endpoints;
    [
        program,
        "worker",
        "--redis",
        &e.redis,
        "--stream",
        &e.stream,
        "--group",
        &e.group,
        "--kafka",
        &e.kafka,
        "--registry",
        &e.registry,
        "--topic",
        &e.topic,
        "--load-run",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The ScaledJob a run's Jobs belong to: one per shard, so that shards
/// sharing a Kubernetes namespace do not count each other's Jobs.
pub fn scaled_job_name(state: &RunState) -> String {
    let shard = state.plan.shard();
    if shard.count <= 1 {
        SCALED_JOB.to_owned()
    } else {
        format!("{SCALED_JOB}-{}-of-{}", shard.index, shard.count)
    }
}

/// The template the scaler creates Jobs from.
pub fn job_template(backend: &JobBackend, state: &RunState) -> JobTemplate {
    let spec = || {
        LoadJobSpec::new(
            state.plan.plan().given.clone(),
            state.plan.shard(),
            state.clock.scale(),
            state.clock.start_unix_ms(),
            state.endpoints.subject.clone(),
            state.endpoints.spool_dir.clone(),
        )
        .to_env_value()
    };
    let name = scaled_job_name(state);
    match backend {
        JobBackend::Task => JobTemplate::new(&name, "alertsim", vec!["worker".into()]),
        JobBackend::Process { program } => JobTemplate::new(
            &name,
            "alertsim",
            worker_command(&program.to_string_lossy(), state),
        )
        .with_env(LOAD_RUN_ENV, spec()),
        // Rubin's worker pod asks for 1 CPU and 2 GiB.
        JobBackend::Kubernetes { image, program, .. } => {
            JobTemplate::new(&name, image.clone(), worker_command(program, state))
                .with_env(LOAD_RUN_ENV, spec())
                .with_requests("1", "2Gi")
        }
    }
}

/// The runtime Jobs are created in.
pub async fn job_runtime(
    backend: &JobBackend,
    state: &Arc<RunState>,
) -> Result<AnyRuntime, JobsError> {
    let name = scaled_job_name(state);
    let local = |workload| {
        let startup = state.scenario.cluster.pod_startup_s.mean();
        let mut config = LocalConfig::new(state.clock.wall(startup), workload);
        config.termination_grace = state.clock.wall(LocalConfig::DEFAULT_GRACE.as_secs_f64());
        AnyRuntime::from(LocalRuntime::new(name.clone(), config))
    };
    match backend {
        JobBackend::Task => {
            let body_state = Arc::clone(state);
            Ok(local(LocalWorkload::task(move |context| {
                run_job(Arc::clone(&body_state), context)
            })))
        }
        JobBackend::Process { .. } => Ok(local(LocalWorkload::Process)),
        JobBackend::Kubernetes { namespace, .. } => {
            kubernetes_runtime(namespace.as_deref(), &name).await
        }
    }
}

#[cfg(feature = "kubernetes")]
async fn kubernetes_runtime(namespace: Option<&str>, name: &str) -> Result<AnyRuntime, JobsError> {
    use alertsim_drivers::jobs::kubernetes::KubernetesRuntime;
    Ok(KubernetesRuntime::infer_in(namespace, name).await?.into())
}

#[cfg(not(feature = "kubernetes"))]
async fn kubernetes_runtime(
    _namespace: Option<&str>,
    _name: &str,
) -> Result<AnyRuntime, JobsError> {
    Err(JobsError::InvalidTemplate(
        "this build has no Kubernetes support (cargo feature `kubernetes`)".into(),
    ))
}
