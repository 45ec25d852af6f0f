//! The local Job runtime: the embedded default backend.
//!
//! Each Job is a supervisor task on the current tokio runtime. It stays
//! Pending for the configured start-up delay (tokio time, so tests can pause
//! and advance the clock), then runs its workload: a caller-supplied async
//! body ([`LocalWorkload::task`]) or the template's command as a child
//! process ([`LocalWorkload::Process`]). Exit code 0 makes the Job Succeeded,
//! anything else (a panic, a signal) Failed. Deleting a Job stops it as
//! Kubernetes does: a termination signal first (the body's [`Termination`],
//! SIGTERM to the process group), then after the grace period the body is
//! aborted or the group SIGKILLed; `delete` returns once the workload is gone.
//! Every Job has one pod whose phase and conditions follow Kubernetes
//! (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`), so KEDA's
//! counting rules apply unchanged.

mod names;
mod supervisor;
mod workload;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use workload::{JobContext, LocalWorkload, TaskBody, Termination};

use super::template::JobTemplate;
use super::{JobRuntime, JobsError};
use alertsim_core::scaler::job_status::{
    Finished, JobPhase, JobStatus, PodCondition, PodPhase, PodStatus,
};

/// How local Jobs behave.
#[derive(Clone)]
pub struct LocalConfig {
    /// How long a new Job stays Pending before its workload starts (the
    /// pod start-up time: scheduling, image pull, container start).
    pub startup_delay: Duration,
    /// How long a deleted Job may take to exit after its termination signal
    /// before it is killed (Kubernetes' `terminationGracePeriodSeconds`).
    pub termination_grace: Duration,
    /// What each Job runs.
    pub workload: LocalWorkload,
}

impl LocalConfig {
    /// Kubernetes' default grace period, 30 s: what Rubin's worker pods get,
    /// since the prompt-keda chart's `worker.grace_period: 45` is not used
    /// by its ScaledJob template (phalanx `charts/prompt-keda`). The
    /// Kubernetes runtime leaves `terminationGracePeriodSeconds` unset for
    /// the same default.
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

    /// Jobs running `workload` after `startup_delay`, with the default grace period.
    pub fn new(startup_delay: Duration, workload: LocalWorkload) -> Self {
        Self {
            startup_delay,
            termination_grace: Self::DEFAULT_GRACE,
            workload,
        }
    }
}

/// Jobs of one ScaledJob run as tokio tasks or child processes.
pub struct LocalRuntime {
    scaled_job: String,
    config: LocalConfig,
    shared: Arc<Shared>,
}

/// State shared between the runtime and the supervisor tasks.
pub(crate) struct Shared {
    jobs: Mutex<BTreeMap<String, Entry>>,
    changes: watch::Sender<u64>,
    epoch: Instant,
    next_seq: AtomicU64,
}

struct Entry {
    status: JobStatus,
    cancel: Option<oneshot::Sender<()>>,
    supervisor: Option<JoinHandle<()>>,
}

impl LocalRuntime {
    /// A runtime for the Jobs of `scaled_job`. Must be used inside a tokio runtime.
    pub fn new(scaled_job: impl Into<String>, config: LocalConfig) -> Self {
        Self {
            scaled_job: scaled_job.into(),
            config,
            shared: Arc::new(Shared {
                jobs: Mutex::new(BTreeMap::new()),
                changes: watch::channel(0).0,
                epoch: Instant::now(),
                next_seq: AtomicU64::new(0),
            }),
        }
    }

    /// A receiver whose value changes whenever a Job changes phase, is
    /// created or is deleted (wait on it instead of sleeping).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// The current status of one Job.
    pub fn status(&self, name: &str) -> Option<JobStatus> {
        self.shared
            .lock()
            .get(name)
            .map(|entry| entry.status.clone())
    }

    /// Waits until the named Job reaches `phase`; fails if the Job is
    /// deleted, or has finished in another phase, first.
    pub async fn wait_for_phase(
        &self,
        name: &str,
        phase: JobPhase,
    ) -> Result<JobStatus, JobsError> {
        let mut changes = self.subscribe();
        loop {
            let current = self
                .status(name)
                .ok_or_else(|| JobsError::NotFound(name.to_owned()))?;
            if current.phase() == phase {
                return Ok(current);
            }
            if current.finished.is_some() {
                return Err(JobsError::FinishedAs {
                    name: name.to_owned(),
                    phase: current.phase(),
                });
            }
            if changes.changed().await.is_err() {
                return Err(JobsError::NotFound(name.to_owned()));
            }
        }
    }
}

impl JobRuntime for LocalRuntime {
    fn scaled_job(&self) -> &str {
        &self.scaled_job
    }

    async fn create(&self, template: &JobTemplate) -> Result<String, JobsError> {
        let launch = self.config.workload.launch_for(template)?;
        let start_at = Instant::now() + self.config.startup_delay;
        let (cancel, cancelled) = oneshot::channel();
        let (terminate, termination) = Termination::channel();
        let plan = supervisor::Plan {
            start_at,
            grace: self.config.termination_grace,
            launch,
        };
        // One critical section from name to supervisor, so that a concurrent
        // delete always finds the supervisor to wait for.
        let mut jobs = self.shared.lock();
        let name = loop {
            let seq = self.shared.next_seq.fetch_add(1, Ordering::Relaxed);
            let candidate = names::generated(&template.name_prefix, seq);
            if !jobs.contains_key(&candidate) {
                break candidate;
            }
        };
        let context = JobContext {
            name: name.clone(),
            scaled_job: self.scaled_job.clone(),
            env: template.env.clone(),
            termination,
        };
        let supervisor = tokio::spawn(supervisor::supervise(
            Arc::clone(&self.shared),
            context,
            terminate,
            plan,
            cancelled,
        ));
        jobs.insert(
            name.clone(),
            Entry {
                status: pending_status(&name),
                cancel: Some(cancel),
                supervisor: Some(supervisor),
            },
        );
        drop(jobs);
        self.shared.notify();
        Ok(name)
    }

    async fn list(&self) -> Result<Vec<JobStatus>, JobsError> {
        Ok(self
            .shared
            .lock()
            .values()
            .map(|entry| entry.status.clone())
            .collect())
    }

    async fn delete(&self, name: &str) -> Result<(), JobsError> {
        let entry = self
            .shared
            .lock()
            .remove(name)
            .ok_or_else(|| JobsError::NotFound(name.to_owned()))?;
        self.shared.notify();
        stop(entry).await;
        Ok(())
    }
}

impl Drop for LocalRuntime {
    /// Stops every Job still running (child processes are killed on drop).
    fn drop(&mut self) {
        let entries = std::mem::take(&mut *self.shared.lock());
        for (_, entry) in entries {
            if let Some(handle) = entry.supervisor {
                handle.abort();
            }
        }
    }
}

/// Signals the supervisor and waits until the workload is gone.
async fn stop(mut entry: Entry) {
    if let Some(cancel) = entry.cancel.take() {
        // The supervisor may already have finished: nothing to stop then.
        let _ = cancel.send(());
    }
    if let Some(handle) = entry.supervisor.take() {
        // A supervisor that panicked has nothing left to stop either.
        let _ = handle.await;
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Entry>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changes.send_modify(|generation| *generation += 1);
    }

    /// The workload started: the pod is Running and Ready.
    pub(crate) fn mark_running(&self, name: &str) {
        if let Some(entry) = self.lock().get_mut(name) {
            entry.status.pods = vec![pod(name, PodPhase::Running, true)];
        }
        self.notify();
    }

    /// The workload ended with `exit_code` (`None`: killed or panicked).
    pub(crate) fn mark_finished(&self, name: &str, exit_code: Option<i32>) {
        let now_ms = i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX);
        if let Some(entry) = self.lock().get_mut(name) {
            let succeeded = exit_code == Some(0);
            let status = &mut entry.status;
            status.finished = Some(if succeeded {
                Finished::Complete
            } else {
                Finished::Failed
            });
            status.finished_at_ms = Some(now_ms);
            status.exit_code = exit_code;
            let phase = if succeeded {
                PodPhase::Succeeded
            } else {
                PodPhase::Failed
            };
            status.pods = vec![pod(name, phase, false)];
            entry.cancel = None;
        }
        self.notify();
    }
}

fn pending_status(name: &str) -> JobStatus {
    JobStatus {
        name: name.into(),
        finished: None,
        finished_at_ms: None,
        exit_code: None,
        pods: vec![pod(name, PodPhase::Pending, false)],
    }
}

/// The Job's single pod: scheduled and initialised from the start, ready
/// only while running.
fn pod(job: &str, phase: PodPhase, ready: bool) -> PodStatus {
    PodStatus {
        name: format!("{job}-pod"),
        phase,
        conditions: vec![
            PodCondition::new("PodScheduled", true),
            PodCondition::new("Initialized", true),
            PodCondition::new("ContainersReady", ready),
            PodCondition::new("Ready", ready),
        ],
    }
}
