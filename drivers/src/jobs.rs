//! Where worker Jobs run: the local runtime (embedded default) and Kubernetes.
//!
//! A [`JobRuntime`] creates worker Jobs from a [`JobTemplate`], lists the Jobs
//! of one ScaledJob with their state and pod conditions, and deletes them
//! (history cleanup, rollout on a spec change). Two backends:
//!
//! - [`local::LocalRuntime`]: each Job is a tokio task running a caller-supplied
//!   async body, or a child process, with Kubernetes-like phases and a
//!   configurable start-up (pending) delay.
//! - `kubernetes::KubernetesRuntime` (cargo feature `kubernetes`, on by
//!   default): batch/v1 Jobs through kube, labelled `scaledjob.keda.sh/name`.
//!
//! Runtimes list Jobs as [`JobStatus`] values, the status types defined once
//! in [`alertsim_core::scaler::job_status`] and re-exported here. The rules KEDA
//! applies to them (R and P, history limits, rollout targets) live in
//! [`alertsim_core::scaler`] only; the provided methods of [`JobRuntime`] call them
//! with the ScaledJob's [`ScaledJobSettings`], the same code the simulator can call.

pub mod any;
pub mod error;
#[cfg(feature = "kubernetes")]
pub mod kubernetes;
pub mod local;
pub mod template;

use std::future::Future;

use alertsim_core::scaler::{
    FinishedJob, JobCounts, ScaledJobSettings, count_jobs, jobs_to_clean_up, rollout_targets,
};

pub use alertsim_core::scaler::count_phases;
pub use alertsim_core::scaler::job_status::{
    Finished, JobPhase, JobStatus, PodCondition, PodPhase, PodStatus,
};
pub use any::AnyRuntime;
pub use error::JobsError;
pub use template::JobTemplate;

/// The label KEDA puts on every Job (and its pod template) of a ScaledJob.
pub const SCALED_JOB_LABEL: &str = "scaledjob.keda.sh/name";

/// Somewhere worker Jobs of one ScaledJob run.
///
/// `create`, `list` and `delete` are the backend's work; counting, history
/// cleanup and rollout are provided on top of them with the pure rules.
pub trait JobRuntime: Send + Sync {
    /// The ScaledJob whose Jobs this runtime creates and lists.
    fn scaled_job(&self) -> &str;

    /// Creates one Job from `template`; returns the generated Job name.
    fn create(
        &self,
        template: &JobTemplate,
    ) -> impl Future<Output = Result<String, JobsError>> + Send;

    /// Lists this ScaledJob's Jobs, sorted by name, with their pods.
    fn list(&self) -> impl Future<Output = Result<Vec<JobStatus>, JobsError>> + Send;

    /// Deletes one Job and its pods (a running workload is stopped).
    fn delete(&self, name: &str) -> impl Future<Output = Result<(), JobsError>> + Send;

    /// R and P as KEDA counts them under `settings` (its
    /// `pendingPodConditions` and KEDA version; see [`count_jobs`]).
    fn counts(
        &self,
        settings: &ScaledJobSettings,
    ) -> impl Future<Output = Result<JobCounts, JobsError>> + Send {
        async move { Ok(count_jobs(settings, &self.list().await?)) }
    }

    /// Deletes finished Jobs beyond the history limits of `settings`, oldest
    /// first (see [`jobs_to_clean_up`]); returns the names deleted.
    fn cleanup_history(
        &self,
        settings: &ScaledJobSettings,
    ) -> impl Future<Output = Result<Vec<String>, JobsError>> + Send {
        async move {
            let finished: Vec<FinishedJob> = self
                .list()
                .await?
                .iter()
                .filter_map(JobStatus::finished_job)
                .collect();
            let doomed = jobs_to_clean_up(settings, &finished);
            for name in &doomed {
                self.delete(name.as_str()).await?;
            }
            Ok(doomed.into_iter().map(String::from).collect())
        }
    }

    /// Rollout on a spec change under KEDA's default (immediate) strategy:
    /// deletes every unfinished Job (see [`rollout_targets`]); returns the
    /// names deleted.
    fn delete_unfinished(&self) -> impl Future<Output = Result<Vec<String>, JobsError>> + Send {
        async move {
            let doomed = rollout_targets(&self.list().await?);
            for name in &doomed {
                self.delete(name.as_str()).await?;
            }
            Ok(doomed.into_iter().map(String::from).collect())
        }
    }
}
