//! Rollout on a ScaledJob spec change: which existing Jobs KEDA deletes.
//!
//! KEDA stamps every Job it creates with the ScaledJob's generation. When it
//! reconciles a ScaledJob (after a spec change, and when the operator starts),
//! the default and `immediate` rollouts delete every Job of the ScaledJob
//! whose stamp is missing or differs from the current generation, running
//! ones included (KEDA #6440, #2098); `gradual` deletes none and lets them finish.
//!
//! A Job runtime that does not stamp generations uses [`rollout_targets`]:
//! every Job it lists predates the change, and the finished ones are left to
//! history cleanup, so a default rollout deletes the unfinished ones.

use serde::{Deserialize, Serialize};

use super::job_name::JobName;
use super::job_status::JobStatus;
use super::settings::RolloutStrategy;

/// A Job of the ScaledJob and the generation it was created from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobGeneration {
    /// The Job's name.
    pub name: JobName,
    /// The `scaledjob.keda.sh/generation` annotation, if any.
    pub generation: Option<i64>,
}

/// The names of the Jobs deleted when the ScaledJob is at `current_generation`.
pub fn jobs_to_delete_on_spec_change(
    rollout: RolloutStrategy,
    current_generation: i64,
    jobs: &[JobGeneration],
) -> Vec<JobName> {
    match rollout {
        RolloutStrategy::Gradual => Vec::new(),
        RolloutStrategy::Default | RolloutStrategy::Immediate => jobs
            .iter()
            .filter(|j| j.generation != Some(current_generation))
            .map(|j| j.name.clone())
            .collect(),
    }
}

/// The Jobs a default (immediate) rollout deletes when every listed Job
/// predates the spec change: the unfinished ones, by name.
pub fn rollout_targets(jobs: &[JobStatus]) -> Vec<JobName> {
    let mut names: Vec<JobName> = jobs
        .iter()
        .filter(|job| job.finished.is_none())
        .map(|job| job.name.clone())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs() -> Vec<JobGeneration> {
        [("old", Some(1)), ("new", Some(2)), ("unstamped", None)]
            .into_iter()
            .map(|(name, generation)| JobGeneration {
                name: name.into(),
                generation,
            })
            .collect()
    }

    #[test]
    fn default_and_immediate_delete_older_and_unstamped_jobs() {
        for rollout in [RolloutStrategy::Default, RolloutStrategy::Immediate] {
            assert_eq!(
                jobs_to_delete_on_spec_change(rollout, 2, &jobs()),
                ["old", "unstamped"]
            );
        }
    }

    #[test]
    fn gradual_keeps_everything() {
        assert!(jobs_to_delete_on_spec_change(RolloutStrategy::Gradual, 2, &jobs()).is_empty());
    }

    #[test]
    fn any_other_generation_is_deleted_even_a_newer_one() {
        assert_eq!(
            jobs_to_delete_on_spec_change(RolloutStrategy::Default, 1, &jobs()),
            ["new", "unstamped"]
        );
    }
}
