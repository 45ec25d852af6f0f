//! Counting running (R) and pending (P) Jobs from what the cluster shows,
//! as KEDA's executor does before each decision.
//!
//! R counts the Jobs with neither a Complete nor a Failed condition. Of those,
//! P counts the Jobs still waiting for a pod:
//! - without `pendingPodConditions`: no pod of the Job is Running or Succeeded;
//! - with `pendingPodConditions` from KEDA 2.18: no single pod has every
//!   listed condition True (a list with a repeated type is never satisfied);
//! - with `pendingPodConditions` before 2.18: the True matches of listed
//!   conditions, summed over *all* pods of the Job, differ from the number
//!   of listed conditions. So a Job with two ready pods (a retried pod next
//!   to a live one) counts as pending on 2.16.1. With at most one pod per
//!   Job (backoffLimit 0, as Rubin runs) the two versions agree.

use super::decision::JobCounts;
use super::job_status::{JobPhase, JobStatus};
use super::settings::{KedaVersion, ScaledJobSettings};

/// Counts R and P over the Jobs of one ScaledJob, saturating at `u32::MAX`.
pub fn count_jobs(settings: &ScaledJobSettings, jobs: &[JobStatus]) -> JobCounts {
    let mut counts = JobCounts::default();
    for job in jobs.iter().filter(|j| j.finished.is_none()) {
        counts.running = counts.running.saturating_add(1);
        if is_pending(settings, job) {
            counts.pending = counts.pending.saturating_add(1);
        }
    }
    counts
}

/// Whether an unfinished Job counts as pending under the ScaledJob's
/// `pendingPodConditions` and KEDA version (the finished state is not looked
/// at: [`count_jobs`] asks only about unfinished Jobs).
pub fn is_pending(settings: &ScaledJobSettings, job: &JobStatus) -> bool {
    let wanted = &settings.scaling_strategy.pending_pod_conditions;
    if wanted.is_empty() {
        !job.any_pod_running_or_succeeded()
    } else {
        !conditions_fulfilled(settings.keda_version, wanted, job)
    }
}

/// R and P under KEDA's default rule from Job phases alone (a
/// [`JobPhase::Pending`] Job is unfinished with no pod Running or
/// Succeeded): the cheap form for models that track phases, not pods.
/// Saturates at `u32::MAX`.
pub fn count_phases<I>(phases: I) -> JobCounts
where
    I: IntoIterator<Item = JobPhase>,
{
    let mut counts = JobCounts::default();
    for phase in phases {
        let (running, pending) = match phase {
            JobPhase::Pending => (1, 1),
            JobPhase::Running => (1, 0),
            JobPhase::Succeeded | JobPhase::Failed => (0, 0),
        };
        counts.running = counts.running.saturating_add(running);
        counts.pending = counts.pending.saturating_add(pending);
    }
    counts
}

/// KEDA's `areAllPendingPodConditionsFulfilled` for each version.
fn conditions_fulfilled(version: KedaVersion, wanted: &[String], job: &JobStatus) -> bool {
    if !version.pending_conditions_per_pod() {
        let matches: usize = job
            .pods
            .iter()
            .map(|pod| {
                wanted
                    .iter()
                    .map(|kind| {
                        pod.conditions
                            .iter()
                            .filter(|c| c.status && &c.kind == kind)
                            .count()
                    })
                    .sum::<usize>()
            })
            .sum();
        matches == wanted.len()
    } else {
        job.pods.iter().any(|pod| {
            let mut fulfilled: Vec<&str> = pod
                .conditions
                .iter()
                .filter(|c| c.status && wanted.contains(&c.kind))
                .map(|c| c.kind.as_str())
                .collect();
            fulfilled.sort_unstable();
            fulfilled.dedup();
            fulfilled.len() == wanted.len()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::job_status::{Finished, PodCondition, PodPhase, PodStatus};

    /// A pod listing the four usual conditions, those named True, the rest False.
    fn pod(phase: PodPhase, true_conditions: &[&str]) -> PodStatus {
        PodStatus {
            name: "p".into(),
            phase,
            conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"]
                .iter()
                .map(|kind| PodCondition::new(*kind, true_conditions.contains(kind)))
                .collect(),
        }
    }

    fn job(finished: Option<Finished>, pods: Vec<PodStatus>) -> JobStatus {
        JobStatus {
            name: "j".into(),
            finished,
            finished_at_ms: None,
            exit_code: None,
            pods,
        }
    }

    fn settings(version: KedaVersion, conditions: &[&str]) -> ScaledJobSettings {
        ScaledJobSettings {
            keda_version: version,
            ..ScaledJobSettings::default()
        }
        .with_pending_pod_conditions(conditions.iter().copied())
    }

    const WANTED: [&str; 2] = ["PodScheduled", "Ready"];

    #[test]
    fn finished_jobs_are_not_running_and_jobs_without_a_started_pod_are_pending() {
        let jobs = [
            job(
                Some(Finished::Complete),
                vec![pod(PodPhase::Succeeded, &[])],
            ),
            job(Some(Finished::Failed), vec![]),
            job(None, vec![]),
            job(None, vec![pod(PodPhase::Pending, &["PodScheduled"])]),
            job(None, vec![pod(PodPhase::Running, &["Ready"])]),
            job(
                None,
                vec![pod(PodPhase::Failed, &[]), pod(PodPhase::Succeeded, &[])],
            ),
        ];
        for v in [KedaVersion::V2_16, KedaVersion::LATEST] {
            assert_eq!(count_jobs(&settings(v, &[]), &jobs), JobCounts::new(4, 2));
        }
    }

    #[test]
    fn two_ready_pods_count_as_pending_only_on_2_16() {
        let both = pod(PodPhase::Running, &WANTED);
        let two_started = job(None, vec![both.clone(), both]);
        assert!(is_pending(
            &settings(KedaVersion::V2_16, &WANTED),
            &two_started
        ));
        assert!(!is_pending(
            &settings(KedaVersion::LATEST, &WANTED),
            &two_started
        ));
    }

    #[test]
    fn conditions_split_over_pods_satisfy_only_2_16() {
        let split = job(
            None,
            vec![
                pod(PodPhase::Failed, &["PodScheduled"]),
                pod(PodPhase::Running, &["Ready"]),
            ],
        );
        assert!(
            !is_pending(&settings(KedaVersion::V2_16, &WANTED), &split),
            "one match on each pod adds up to two"
        );
        assert!(is_pending(&settings(KedaVersion::LATEST, &WANTED), &split));
    }

    #[test]
    fn one_pod_with_every_condition_is_started_whatever_its_phase() {
        for phase in [PodPhase::Pending, PodPhase::Running] {
            let one = job(None, vec![pod(phase, &WANTED)]);
            for v in [KedaVersion::V2_16, KedaVersion::LATEST] {
                assert!(!is_pending(&settings(v, &WANTED), &one), "{v:?} {phase:?}");
            }
        }
    }

    #[test]
    fn a_running_pod_without_the_conditions_is_pending_with_conditions() {
        let jobs = [job(None, vec![pod(PodPhase::Running, &["PodScheduled"])])];
        for v in [KedaVersion::V2_16, KedaVersion::LATEST] {
            assert_eq!(count_jobs(&settings(v, &WANTED), &jobs).pending, 1);
            assert_eq!(count_jobs(&settings(v, &[]), &jobs).pending, 0);
        }
    }

    #[test]
    fn a_repeated_condition_is_never_satisfied_on_current_keda() {
        let jobs = [job(None, vec![pod(PodPhase::Running, &WANTED)])];
        let repeated = ["Ready", "Ready"];
        assert_eq!(
            count_jobs(&settings(KedaVersion::LATEST, &repeated), &jobs).pending,
            1
        );
    }

    #[test]
    fn phases_count_pending_and_running_but_not_finished() {
        let phases = [
            JobPhase::Pending,
            JobPhase::Running,
            JobPhase::Running,
            JobPhase::Succeeded,
            JobPhase::Failed,
        ];
        assert_eq!(count_phases(phases), JobCounts::new(3, 1));
    }
}
