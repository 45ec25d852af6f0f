//! KEDA's running (R) and pending (P) Job counts, as pure functions.
//!
//! R is the number of Jobs with no `Complete`/`Failed` condition. P is the
//! number of those Jobs that are still pending:
//!
//! - without `pendingPodConditions`: no pod of the Job is Running or Succeeded;
//! - with `pendingPodConditions`: the listed conditions are not all True. KEDA
//!   2.16.1 adds up, over all pods of the Job, every (listed type, pod
//!   condition) match that is True and calls the Job started only when the
//!   total equals the number of listed types; so two started pods count as
//!   pending. The per-pod rule (current intent) calls the Job started when
//!   some single pod has every listed condition True.

use super::status::JobStatus;

/// How listed pending-pod conditions are matched against a Job's pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PendingConditionCounting {
    /// KEDA 2.16.1: matches summed over all pods must equal the number of
    /// listed conditions exactly.
    Keda2_16,
    /// Some pod has every listed condition True.
    #[default]
    PerPod,
}

/// The rule deciding whether an unfinished Job is pending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingRule {
    /// ScaledJob `scalingStrategy.pendingPodConditions`; empty = KEDA's
    /// default (no pod Running or Succeeded).
    pub pending_pod_conditions: Vec<String>,
    /// How the listed conditions are counted.
    pub counting: PendingConditionCounting,
}

impl PendingRule {
    /// KEDA's default rule: pending while no pod is Running or Succeeded.
    pub fn default_rule() -> Self {
        Self::default()
    }

    /// A rule with `pendingPodConditions`.
    pub fn with_conditions<I, S>(conditions: I, counting: PendingConditionCounting) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            pending_pod_conditions: conditions.into_iter().map(Into::into).collect(),
            counting,
        }
    }
}

/// R and P for one ScaledJob.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct JobCounts {
    /// Jobs not finished (KEDA's "running" Jobs, which include pending ones).
    pub running: u64,
    /// Unfinished Jobs that are still pending under the rule.
    pub pending: u64,
}

/// Counts R and P over the listed Jobs.
pub fn count_jobs(jobs: &[JobStatus], rule: &PendingRule) -> JobCounts {
    let mut counts = JobCounts::default();
    for job in jobs.iter().filter(|job| job.finished.is_none()) {
        counts.running += 1;
        if is_pending(job, rule) {
            counts.pending += 1;
        }
    }
    counts
}

/// Whether an unfinished Job counts as pending under `rule` (the finished
/// state is not looked at: callers count only unfinished Jobs).
pub fn is_pending(job: &JobStatus, rule: &PendingRule) -> bool {
    let wanted = &rule.pending_pod_conditions;
    if wanted.is_empty() {
        return !job.any_pod_running_or_succeeded();
    }
    match rule.counting {
        PendingConditionCounting::Keda2_16 => {
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
            matches != wanted.len()
        }
        PendingConditionCounting::PerPod => !job.pods.iter().any(|pod| {
            wanted
                .iter()
                .all(|kind| pod.conditions.iter().any(|c| c.status && &c.kind == kind))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::status::{Finished, PodCondition, PodPhase, PodStatus};

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

    #[test]
    fn default_rule_counts_jobs_without_running_pod_as_pending() {
        let jobs = vec![
            job(None, vec![]),
            job(None, vec![pod(PodPhase::Pending, &["PodScheduled"])]),
            job(None, vec![pod(PodPhase::Running, &["Ready"])]),
            job(
                None,
                vec![pod(PodPhase::Failed, &[]), pod(PodPhase::Succeeded, &[])],
            ),
            job(
                Some(Finished::Complete),
                vec![pod(PodPhase::Succeeded, &[])],
            ),
            job(Some(Finished::Failed), vec![]),
        ];
        let counts = count_jobs(&jobs, &PendingRule::default_rule());
        assert_eq!(
            counts,
            JobCounts {
                running: 4,
                pending: 2
            }
        );
    }

    #[test]
    fn per_pod_rule_needs_one_pod_with_all_conditions() {
        let rule = PendingRule::with_conditions(
            ["PodScheduled", "Ready"],
            PendingConditionCounting::PerPod,
        );
        let split = job(
            None,
            vec![
                pod(PodPhase::Running, &["PodScheduled"]),
                pod(PodPhase::Running, &["Ready"]),
            ],
        );
        assert!(is_pending(&split, &rule));
        let both = job(
            None,
            vec![pod(PodPhase::Pending, &["PodScheduled", "Ready"])],
        );
        assert!(!is_pending(&both, &rule));
        let two_started = job(
            None,
            vec![
                pod(PodPhase::Running, &["PodScheduled", "Ready"]),
                pod(PodPhase::Running, &["PodScheduled", "Ready"]),
            ],
        );
        assert!(!is_pending(&two_started, &rule));
    }

    #[test]
    fn keda_2_16_rule_sums_matches_over_pods() {
        let rule = PendingRule::with_conditions(
            ["PodScheduled", "Ready"],
            PendingConditionCounting::Keda2_16,
        );
        let split = job(
            None,
            vec![
                pod(PodPhase::Running, &["PodScheduled"]),
                pod(PodPhase::Running, &["Ready"]),
            ],
        );
        assert!(
            !is_pending(&split, &rule),
            "one match on each pod adds up to two"
        );
        let two_started = job(
            None,
            vec![
                pod(PodPhase::Running, &["PodScheduled", "Ready"]),
                pod(PodPhase::Running, &["PodScheduled", "Ready"]),
            ],
        );
        assert!(is_pending(&two_started, &rule), "four matches is not two");
        let one = job(
            None,
            vec![pod(PodPhase::Running, &["PodScheduled", "Ready"])],
        );
        assert!(!is_pending(&one, &rule));
    }
}
