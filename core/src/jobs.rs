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
//! The rules KEDA applies to what a runtime lists (R and P in
//! [`counting`], history limits and rollout targets in [`history`]) are pure
//! functions over [`JobStatus`] values, so the simulator calls the same code.

pub mod counting;
pub mod error;
pub mod history;
#[cfg(feature = "kubernetes")]
pub mod kubernetes;
pub mod local;
pub mod status;
pub mod template;

use std::future::Future;

pub use counting::{JobCounts, PendingConditionCounting, PendingRule, count_jobs};
pub use error::JobsError;
pub use history::{HistoryLimits, history_to_delete, rollout_targets};
pub use status::{Finished, JobPhase, JobStatus, PodCondition, PodPhase, PodStatus};
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

    /// R and P as KEDA counts them (see [`count_jobs`]).
    fn counts(
        &self,
        rule: &PendingRule,
    ) -> impl Future<Output = Result<JobCounts, JobsError>> + Send {
        async move { Ok(count_jobs(&self.list().await?, rule)) }
    }

    /// Deletes finished Jobs beyond the history limits, oldest first;
    /// returns the names deleted.
    fn cleanup_history(
        &self,
        limits: HistoryLimits,
    ) -> impl Future<Output = Result<Vec<String>, JobsError>> + Send {
        async move {
            let doomed = history_to_delete(&self.list().await?, limits);
            for name in &doomed {
                self.delete(name).await?;
            }
            Ok(doomed)
        }
    }

    /// Rollout on a spec change under KEDA's default (immediate) strategy:
    /// deletes every unfinished Job; returns the names deleted.
    fn delete_unfinished(&self) -> impl Future<Output = Result<Vec<String>, JobsError>> + Send {
        async move {
            let doomed = rollout_targets(&self.list().await?);
            for name in &doomed {
                self.delete(name).await?;
            }
            Ok(doomed)
        }
    }
}
