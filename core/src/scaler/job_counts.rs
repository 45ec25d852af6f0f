//! Counting running (R) and pending (P) Jobs from what the cluster shows,
//! as KEDA's executor does before each decision.
//!
//! R counts the Jobs with neither a Complete nor a Failed condition. Of those,
//! P counts the Jobs still waiting for a pod:
//! - without `pendingPodConditions`: no pod of the Job is Running or Succeeded;
//! - with `pendingPodConditions` on current KEDA: no single pod has every
//!   listed condition True (a list with a repeated type is never satisfied);
//! - with `pendingPodConditions` on KEDA 2.16.1: the True matches of listed
//!   conditions, summed over *all* pods of the Job, differ from the number
//!   of listed conditions. So a Job with two ready pods (a retried pod next
//!   to a live one) counts as pending on 2.16.1.

use serde::{Deserialize, Serialize};

use super::decision::JobCounts;
use super::settings::{KedaVersion, ScaledJobSettings};

/// A pod's phase, as Kubernetes reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodPhase {
    /// Accepted, not all containers started (scheduling, image pull...).
    Pending,
    /// Bound to a node, at least one container running.
    Running,
    /// All containers exited 0.
    Succeeded,
    /// All containers exited, at least one failed.
    Failed,
    /// The node could not be reached.
    Unknown,
}

/// One pod condition (type and whether its status is True).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodCondition {
    /// The condition type, such as `PodScheduled`, `Initialized`, `Ready`.
    pub kind: String,
    /// Status True.
    pub is_true: bool,
}

/// What KEDA sees of one pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodView {
    /// The pod's phase.
    pub phase: PodPhase,
    /// The pod's conditions.
    #[serde(default)]
    pub conditions: Vec<PodCondition>,
}

/// Whether a Job has finished, from its conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// No Complete or Failed condition: counts towards R.
    Active,
    /// Condition Complete is True.
    Complete,
    /// Condition Failed is True.
    Failed,
}

/// What KEDA sees of one Job of the ScaledJob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    /// Finished or not.
    pub state: JobState,
    /// Its pods (label `job-name`).
    #[serde(default)]
    pub pods: Vec<PodView>,
}

/// Counts R and P over the Jobs of one ScaledJob.
pub fn count_jobs(settings: &ScaledJobSettings, jobs: &[JobView]) -> JobCounts {
    let conditions = &settings.scaling_strategy.pending_pod_conditions;
    let mut counts = JobCounts::default();
    for job in jobs.iter().filter(|j| j.state == JobState::Active) {
        counts.running = counts.running.saturating_add(1);
        let pending = if conditions.is_empty() {
            !job.pods
                .iter()
                .any(|p| matches!(p.phase, PodPhase::Running | PodPhase::Succeeded))
        } else {
            !conditions_fulfilled(settings.keda_version, conditions, &job.pods)
        };
        if pending {
            counts.pending = counts.pending.saturating_add(1);
        }
    }
    counts
}

/// KEDA's `areAllPendingPodConditionsFulfilled` for each version.
fn conditions_fulfilled(version: KedaVersion, wanted: &[String], pods: &[PodView]) -> bool {
    let is_true = |pod: &PodView, kind: &str| {
        pod.conditions
            .iter()
            .filter(|c| c.is_true && c.kind == kind)
            .count()
    };
    match version {
        KedaVersion::V2_16 => {
            let matches: usize = pods
                .iter()
                .map(|pod| wanted.iter().map(|w| is_true(pod, w)).sum::<usize>())
                .sum();
            matches == wanted.len()
        }
        KedaVersion::Current => pods.iter().any(|pod| {
            let mut fulfilled: Vec<&str> = pod
                .conditions
                .iter()
                .filter(|c| c.is_true && wanted.contains(&c.kind))
                .map(|c| c.kind.as_str())
                .collect();
            fulfilled.sort_unstable();
            fulfilled.dedup();
            fulfilled.len() == wanted.len()
        }),
    }
}

/// Counts from the Job runtime (`crate::jobs`), saturating at `u32::MAX`.
impl From<crate::jobs::JobCounts> for JobCounts {
    fn from(c: crate::jobs::JobCounts) -> Self {
        Self::new(
            u32::try_from(c.running).unwrap_or(u32::MAX),
            u32::try_from(c.pending).unwrap_or(u32::MAX),
        )
    }
}

impl KedaVersion {
    /// The Job runtime's pending-condition rule matching this KEDA version.
    pub fn pending_condition_counting(self) -> crate::jobs::PendingConditionCounting {
        match self {
            Self::V2_16 => crate::jobs::PendingConditionCounting::Keda2_16,
            Self::Current => crate::jobs::PendingConditionCounting::PerPod,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(phase: PodPhase, true_conditions: &[&str]) -> PodView {
        PodView {
            phase,
            conditions: true_conditions
                .iter()
                .map(|k| PodCondition {
                    kind: (*k).to_string(),
                    is_true: true,
                })
                .collect(),
        }
    }

    fn job(state: JobState, pods: Vec<PodView>) -> JobView {
        JobView { state, pods }
    }

    fn settings(version: KedaVersion, conditions: &[&str]) -> ScaledJobSettings {
        let mut s = ScaledJobSettings {
            keda_version: version,
            ..ScaledJobSettings::default()
        };
        s.scaling_strategy.pending_pod_conditions =
            conditions.iter().map(|c| (*c).to_string()).collect();
        s
    }

    #[test]
    fn finished_jobs_are_not_running_and_podless_jobs_are_pending() {
        let jobs = [
            job(JobState::Complete, vec![pod(PodPhase::Succeeded, &[])]),
            job(JobState::Failed, vec![]),
            job(JobState::Active, vec![]),
            job(JobState::Active, vec![pod(PodPhase::Pending, &[])]),
            job(JobState::Active, vec![pod(PodPhase::Running, &[])]),
        ];
        let c = count_jobs(&settings(KedaVersion::V2_16, &[]), &jobs);
        assert_eq!(c, JobCounts::new(3, 2));
    }

    #[test]
    fn two_ready_pods_count_as_pending_only_on_2_16() {
        let wanted = ["PodScheduled", "Ready"];
        let both = pod(PodPhase::Running, &wanted);
        let jobs = [job(JobState::Active, vec![both.clone(), both])];
        assert_eq!(
            count_jobs(&settings(KedaVersion::V2_16, &wanted), &jobs).pending,
            1
        );
        assert_eq!(
            count_jobs(&settings(KedaVersion::Current, &wanted), &jobs).pending,
            0
        );
    }

    #[test]
    fn conditions_split_over_pods_satisfy_only_2_16() {
        let wanted = ["PodScheduled", "Ready"];
        let jobs = [job(
            JobState::Active,
            vec![
                pod(PodPhase::Failed, &["PodScheduled"]),
                pod(PodPhase::Running, &["Ready"]),
            ],
        )];
        assert_eq!(
            count_jobs(&settings(KedaVersion::V2_16, &wanted), &jobs).pending,
            0
        );
        assert_eq!(
            count_jobs(&settings(KedaVersion::Current, &wanted), &jobs).pending,
            1
        );
    }

    #[test]
    fn runtime_counts_convert_and_saturate() {
        let c = crate::jobs::JobCounts {
            running: 7,
            pending: u64::MAX,
        };
        assert_eq!(JobCounts::from(c), JobCounts::new(7, u32::MAX));
    }

    #[test]
    fn a_running_pod_without_the_conditions_is_pending_with_conditions() {
        let jobs = [job(
            JobState::Active,
            vec![pod(PodPhase::Running, &["PodScheduled"])],
        )];
        for v in [KedaVersion::V2_16, KedaVersion::Current] {
            assert_eq!(
                count_jobs(&settings(v, &["PodScheduled", "Ready"]), &jobs).pending,
                1
            );
            assert_eq!(count_jobs(&settings(v, &[]), &jobs).pending, 0);
        }
    }
}
