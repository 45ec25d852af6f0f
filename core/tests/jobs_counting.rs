//! Properties of KEDA's R and P counting and of the history rule over
//! random Job and pod states.

use alertsim_core::jobs::{
    Finished, HistoryLimits, JobPhase, JobStatus, PendingConditionCounting, PendingRule,
    PodCondition, PodPhase, PodStatus, count_jobs, count_phases, history_to_delete,
    rollout_targets,
};
use proptest::prelude::*;

const CONDITIONS: [&str; 4] = ["PodScheduled", "Initialized", "ContainersReady", "Ready"];

fn pod_phase() -> impl Strategy<Value = PodPhase> {
    prop_oneof![
        Just(PodPhase::Pending),
        Just(PodPhase::Running),
        Just(PodPhase::Succeeded),
        Just(PodPhase::Failed),
        Just(PodPhase::Unknown),
    ]
}

fn pod() -> impl Strategy<Value = PodStatus> {
    (pod_phase(), prop::array::uniform4(any::<bool>())).prop_map(|(phase, truth)| PodStatus {
        name: "pod".into(),
        phase,
        conditions: CONDITIONS
            .iter()
            .zip(truth)
            .map(|(kind, status)| PodCondition::new(*kind, status))
            .collect(),
    })
}

fn job(max_pods: usize) -> impl Strategy<Value = JobStatus> {
    (
        prop_oneof![
            Just(None),
            Just(Some(Finished::Complete)),
            Just(Some(Finished::Failed))
        ],
        prop::option::of(0i64..1_000),
        prop::collection::vec(pod(), 0..=max_pods),
    )
        .prop_map(|(finished, at, pods)| JobStatus {
            name: String::new(),
            finished,
            finished_at_ms: finished.and(at),
            exit_code: None,
            pods,
        })
}

fn jobs(max_pods: usize) -> impl Strategy<Value = Vec<JobStatus>> {
    prop::collection::vec(job(max_pods), 0..40).prop_map(|mut jobs| {
        for (i, job) in jobs.iter_mut().enumerate() {
            job.name = format!("prompt-proc-{i:03}");
        }
        jobs
    })
}

fn conditions() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(CONDITIONS.to_vec(), 1..=4)
        .prop_map(|kinds| kinds.into_iter().map(String::from).collect())
}

proptest! {
    #[test]
    fn pending_never_exceeds_running_and_running_is_unfinished(
        jobs in jobs(3),
        wanted in conditions(),
        keda_2_16 in any::<bool>(),
    ) {
        let counting = if keda_2_16 {
            PendingConditionCounting::Keda2_16
        } else {
            PendingConditionCounting::PerPod
        };
        let unfinished = jobs.iter().filter(|j| j.finished.is_none()).count() as u64;
        for rule in [PendingRule::default_rule(), PendingRule::with_conditions(wanted, counting)] {
            let counts = count_jobs(&jobs, &rule);
            prop_assert_eq!(counts.running, unfinished);
            prop_assert!(counts.pending <= counts.running);
        }
    }

    #[test]
    fn phases_count_like_the_default_rule(jobs in jobs(3)) {
        let by_phase = count_phases(jobs.iter().map(JobStatus::phase));
        prop_assert_eq!(by_phase, count_jobs(&jobs, &PendingRule::default_rule()));
    }

    #[test]
    fn both_condition_countings_agree_with_at_most_one_pod(
        jobs in jobs(1),
        wanted in conditions(),
    ) {
        let old = PendingRule::with_conditions(wanted.clone(), PendingConditionCounting::Keda2_16);
        let new = PendingRule::with_conditions(wanted, PendingConditionCounting::PerPod);
        prop_assert_eq!(count_jobs(&jobs, &old), count_jobs(&jobs, &new));
    }

    #[test]
    fn requiring_more_conditions_never_lowers_pending(
        jobs in jobs(3),
        wanted in conditions(),
    ) {
        let fewer = wanted.iter().take(1).cloned().collect::<Vec<_>>();
        let all = PendingRule::with_conditions(wanted, PendingConditionCounting::PerPod);
        let one = PendingRule::with_conditions(fewer, PendingConditionCounting::PerPod);
        prop_assert!(count_jobs(&jobs, &one).pending <= count_jobs(&jobs, &all).pending);
    }

    #[test]
    fn history_keeps_exactly_the_limits_of_finished_jobs(
        jobs in jobs(0),
        successful in 0usize..10,
        failed in 0usize..10,
    ) {
        let doomed = history_to_delete(&jobs, HistoryLimits { successful, failed });
        let left: Vec<&JobStatus> = jobs.iter().filter(|j| !doomed.contains(&j.name)).collect();
        let kept = |kind| left.iter().filter(|j| j.finished == Some(kind)).count();
        let total = |kind| jobs.iter().filter(|j| j.finished == Some(kind)).count();
        prop_assert_eq!(kept(Finished::Complete), total(Finished::Complete).min(successful));
        prop_assert_eq!(kept(Finished::Failed), total(Finished::Failed).min(failed));
        prop_assert!(left.iter().filter(|j| j.finished.is_none()).count()
            == jobs.iter().filter(|j| j.finished.is_none()).count(), "unfinished Jobs are never history");
        // Every kept finished Job is at least as new as every deleted one of its kind.
        for kind in [Finished::Complete, Finished::Failed] {
            let newest_deleted = jobs.iter()
                .filter(|j| j.finished == Some(kind) && doomed.contains(&j.name))
                .map(|j| j.finished_at_ms)
                .max();
            let oldest_kept = left.iter()
                .filter(|j| j.finished == Some(kind))
                .map(|j| j.finished_at_ms)
                .min();
            if let (Some(deleted), Some(kept)) = (newest_deleted, oldest_kept) {
                prop_assert!(deleted <= kept);
            }
        }
    }

    #[test]
    fn rollout_targets_are_the_unfinished_jobs(jobs in jobs(2)) {
        let targets = rollout_targets(&jobs);
        prop_assert_eq!(targets.len() as u64, count_jobs(&jobs, &PendingRule::default_rule()).running);
        prop_assert!(jobs.iter().filter(|j| targets.contains(&j.name)).all(|j| j.phase() != JobPhase::Succeeded && j.phase() != JobPhase::Failed));
    }
}
