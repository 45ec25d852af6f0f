//! What KEDA sees of a ScaledJob's Jobs and their pods, independent of where
//! they run: the one set of status types that the Job runtimes (`crate::jobs`)
//! list and the KEDA rules here ([`super::count_jobs`],
//! [`super::jobs_to_clean_up`], [`super::rollout_targets`]) read.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::history::{FinishedJob, FinishedOutcome};
use super::job_name::JobName;

/// Whether a Job has finished, and how (its `Complete` or `Failed` condition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Finished {
    /// Condition `Complete` is True: the pod exited 0.
    Complete,
    /// Condition `Failed` is True: the pod exited non-zero, or was killed.
    Failed,
}

/// A pod's phase, as in `status.phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PodPhase {
    /// Accepted but not all containers are running yet (scheduling, image pull, start-up).
    Pending,
    /// Bound to a node and at least one container running.
    Running,
    /// All containers exited 0.
    Succeeded,
    /// All containers terminated, at least one in failure.
    Failed,
    /// The state could not be obtained, or a phase this code does not know.
    Unknown,
}

impl PodPhase {
    /// Parses the API's phase string; anything unknown is `Unknown`.
    pub fn from_api(phase: &str) -> Self {
        match phase {
            "Pending" => Self::Pending,
            "Running" => Self::Running,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }
}

/// One pod condition (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodCondition {
    /// The condition type.
    pub kind: String,
    /// True when the API says `status: "True"`.
    pub status: bool,
}

impl PodCondition {
    /// A condition with the given type and truth.
    pub fn new(kind: impl Into<String>, status: bool) -> Self {
        Self {
            kind: kind.into(),
            status,
        }
    }
}

/// One pod of a Job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodStatus {
    /// The pod's name.
    #[serde(default)]
    pub name: String,
    /// Its phase.
    pub phase: PodPhase,
    /// Its conditions, in API order.
    #[serde(default)]
    pub conditions: Vec<PodCondition>,
}

/// A Job's coarse phase, for display and for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum JobPhase {
    /// Not finished and no pod running or succeeded yet.
    Pending,
    /// Not finished and a pod is running (or has succeeded, not yet recorded).
    Running,
    /// Finished with condition `Complete`.
    Succeeded,
    /// Finished with condition `Failed`.
    Failed,
}

/// One Job of a ScaledJob as a runtime lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    /// The Job's name.
    pub name: JobName,
    /// `Some` once the Job has a `Complete` or `Failed` condition that is True.
    #[serde(default)]
    pub finished: Option<Finished>,
    /// When it finished, in milliseconds (Unix epoch for Kubernetes, since
    /// the runtime started for the local backend); orders history cleanup.
    #[serde(default)]
    pub finished_at_ms: Option<i64>,
    /// The exit code of the workload, where the backend knows it.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// The Job's pods (one for Rubin's workers; zero before the pod exists).
    #[serde(default)]
    pub pods: Vec<PodStatus>,
}

impl JobStatus {
    /// The coarse phase: finished state first, else running if any pod is
    /// Running or Succeeded, else pending.
    pub fn phase(&self) -> JobPhase {
        match self.finished {
            Some(Finished::Complete) => JobPhase::Succeeded,
            Some(Finished::Failed) => JobPhase::Failed,
            None if self.any_pod_running_or_succeeded() => JobPhase::Running,
            None => JobPhase::Pending,
        }
    }

    /// True when some pod is Running or Succeeded (KEDA's default test for
    /// "not pending").
    pub fn any_pod_running_or_succeeded(&self) -> bool {
        self.pods
            .iter()
            .any(|pod| matches!(pod.phase, PodPhase::Running | PodPhase::Succeeded))
    }

    /// The Job as history cleanup sees it, if it has finished. A finish time
    /// that is missing (or before the origin) counts as the origin, so such
    /// Jobs are the oldest.
    pub fn finished_job(&self) -> Option<FinishedJob> {
        let outcome = match self.finished? {
            Finished::Complete => FinishedOutcome::Succeeded,
            Finished::Failed => FinishedOutcome::Failed,
        };
        let millis = self
            .finished_at_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .unwrap_or(0);
        Some(FinishedJob {
            name: self.name.clone(),
            outcome,
            finished_at: Duration::from_millis(millis),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::{ScaledJobSettings, jobs_to_clean_up, rollout_targets};

    fn job(name: &str, finished: Option<Finished>, at: Option<i64>) -> JobStatus {
        JobStatus {
            name: name.into(),
            finished,
            finished_at_ms: at,
            exit_code: None,
            pods: vec![],
        }
    }

    fn finished(jobs: &[JobStatus]) -> Vec<FinishedJob> {
        jobs.iter().filter_map(JobStatus::finished_job).collect()
    }

    #[test]
    fn history_keeps_the_newest_of_each_kind_and_a_missing_time_is_oldest() {
        let jobs = vec![
            job("c3", Some(Finished::Complete), Some(30)),
            job("c1", Some(Finished::Complete), Some(10)),
            job("c2", Some(Finished::Complete), Some(20)),
            job("f1", Some(Finished::Failed), Some(5)),
            job("f2", Some(Finished::Failed), None),
            job("r1", None, None),
        ];
        let limits = ScaledJobSettings::default().with_history_limits(1, 1);
        assert_eq!(
            jobs_to_clean_up(&limits, &finished(&jobs)),
            vec!["c1", "c2", "f2"]
        );
        let defaults = ScaledJobSettings::default();
        assert!(jobs_to_clean_up(&defaults, &finished(&jobs)).is_empty());
        assert_eq!(rollout_targets(&jobs), vec!["r1"]);
    }

    #[test]
    fn finished_job_carries_outcome_and_time() {
        assert_eq!(job("r", None, Some(7)).finished_job(), None);
        let done = job("d", Some(Finished::Complete), Some(1_500)).finished_job();
        assert_eq!(
            done,
            Some(FinishedJob {
                name: "d".into(),
                outcome: FinishedOutcome::Succeeded,
                finished_at: Duration::from_millis(1_500),
            })
        );
        let failed = job("f", Some(Finished::Failed), Some(-3)).finished_job();
        assert_eq!(
            failed.map(|j| (j.outcome, j.finished_at)),
            Some((FinishedOutcome::Failed, Duration::ZERO))
        );
    }
}
