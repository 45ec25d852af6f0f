//! Properties of KEDA's R and P counting, of the history rule and of the
//! rollout targets over random Job and pod states (`alertsim_core::scaler`).

use alertsim_core::scaler::{
    Finished, FinishedJob, JobName, JobPhase, JobStatus, KedaVersion, PodCondition, PodPhase,
    PodStatus, ScaledJobSettings, count_jobs, count_phases, jobs_to_clean_up, rollout_targets,
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
            name: JobName::default(),
            finished,
            finished_at_ms: finished.and(at),
            exit_code: None,
            pods,
        })
}

fn jobs(max_pods: usize) -> impl Strategy<Value = Vec<JobStatus>> {
    prop::collection::vec(job(max_pods), 0..40).prop_map(|mut jobs| {
        for (i, job) in jobs.iter_mut().enumerate() {
            job.name = JobName::new(format!("prompt-proc-{i:03}"));
        }
        jobs
    })
}

fn conditions() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(CONDITIONS.to_vec(), 1..=4)
        .prop_map(|kinds| kinds.into_iter().map(String::from).collect())
}

/// KEDA's default pending rule (no `pendingPodConditions`).
fn default_rule() -> ScaledJobSettings {
    ScaledJobSettings::default()
}

/// `pendingPodConditions` as counted by `version`.
fn with_conditions(wanted: Vec<String>, version: KedaVersion) -> ScaledJobSettings {
    ScaledJobSettings {
        keda_version: version,
        ..ScaledJobSettings::default()
    }
    .with_pending_pod_conditions(wanted)
}

/// The finish time as history cleanup orders it (a missing one is the origin).
fn finish_time(job: &JobStatus) -> Option<std::time::Duration> {
    job.finished_job().map(|f| f.finished_at)
}

proptest! {
    #[test]
    fn pending_never_exceeds_running_and_running_is_unfinished(
        jobs in jobs(3),
        wanted in conditions(),
        keda_2_16 in any::<bool>(),
    ) {
        let version = if keda_2_16 {
            KedaVersion::V2_16
        } else {
            KedaVersion::LATEST
        };
        let unfinished = jobs.iter().filter(|j| j.finished.is_none()).count() as u32;
        for rule in [default_rule(), with_conditions(wanted, version)] {
            let counts = count_jobs(&rule, &jobs);
            prop_assert_eq!(counts.running, unfinished);
            prop_assert!(counts.pending <= counts.running);
        }
    }

    #[test]
    fn phases_count_like_the_default_rule(jobs in jobs(3)) {
        let by_phase = count_phases(jobs.iter().map(JobStatus::phase));
        prop_assert_eq!(by_phase, count_jobs(&default_rule(), &jobs));
    }

    #[test]
    fn both_condition_countings_agree_with_at_most_one_pod(
        jobs in jobs(1),
        wanted in conditions(),
    ) {
        let old = with_conditions(wanted.clone(), KedaVersion::V2_16);
        let new = with_conditions(wanted, KedaVersion::LATEST);
        prop_assert_eq!(count_jobs(&old, &jobs), count_jobs(&new, &jobs));
    }

    #[test]
    fn requiring_more_conditions_never_lowers_pending(
        jobs in jobs(3),
        wanted in conditions(),
    ) {
        let fewer = wanted.iter().take(1).cloned().collect::<Vec<_>>();
        let all = with_conditions(wanted, KedaVersion::LATEST);
        let one = with_conditions(fewer, KedaVersion::LATEST);
        prop_assert!(count_jobs(&one, &jobs).pending <= count_jobs(&all, &jobs).pending);
    }

    #[test]
    fn history_keeps_exactly_the_limits_of_finished_jobs(
        jobs in jobs(0),
        successful in 0u32..10,
        failed in 0u32..10,
    ) {
        let finished: Vec<FinishedJob> = jobs.iter().filter_map(JobStatus::finished_job).collect();
        let doomed = jobs_to_clean_up(&ScaledJobSettings::default().with_history_limits(successful, failed), &finished);
        let left: Vec<&JobStatus> = jobs.iter().filter(|j| !doomed.contains(&j.name)).collect();
        let kept = |kind| left.iter().filter(|j| j.finished == Some(kind)).count();
        let total = |kind| jobs.iter().filter(|j| j.finished == Some(kind)).count();
        prop_assert_eq!(kept(Finished::Complete), total(Finished::Complete).min(successful as usize));
        prop_assert_eq!(kept(Finished::Failed), total(Finished::Failed).min(failed as usize));
        prop_assert!(left.iter().filter(|j| j.finished.is_none()).count()
            == jobs.iter().filter(|j| j.finished.is_none()).count(), "unfinished Jobs are never history");
        // Every kept finished Job is at least as new as every deleted one of its kind.
        for kind in [Finished::Complete, Finished::Failed] {
            let newest_deleted = jobs.iter()
                .filter(|j| j.finished == Some(kind) && doomed.contains(&j.name))
                .map(finish_time)
                .max();
            let oldest_kept = left.iter()
                .filter(|j| j.finished == Some(kind))
                .map(|j| finish_time(j))
                .min();
            if let (Some(deleted), Some(kept)) = (newest_deleted, oldest_kept) {
                prop_assert!(deleted <= kept);
            }
        }
    }

    #[test]
    fn rollout_targets_are_the_unfinished_jobs(jobs in jobs(2)) {
        let targets = rollout_targets(&jobs);
        prop_assert_eq!(targets.len() as u32, count_jobs(&default_rule(), &jobs).running);
        prop_assert!(jobs.iter().filter(|j| targets.contains(&j.name)).all(|j| j.phase() != JobPhase::Succeeded && j.phase() != JobPhase::Failed));
    }
}
