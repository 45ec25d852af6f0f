//! History cleanup: which finished Jobs KEDA deletes after a poll so that at
//! most `successfulJobsHistoryLimit` succeeded and `failedJobsHistoryLimit`
//! failed Jobs remain (Rubin 5 and 5; KEDA's default 100 each).
//!
//! KEDA sorts each group by completion time and deletes the oldest surplus.
//! Kubernetes gives failed Jobs no completion time, so KEDA's order among
//! failed Jobs is effectively arbitrary; here both groups are ordered by the
//! time the Job finished, ties broken by name, so the result is deterministic.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::job_name::JobName;
use super::settings::ScaledJobSettings;

/// How a Job finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishedOutcome {
    /// Condition Complete.
    Succeeded,
    /// Condition Failed.
    Failed,
}

/// A finished Job of the ScaledJob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishedJob {
    /// The Job's name.
    pub name: JobName,
    /// Succeeded or failed.
    pub outcome: FinishedOutcome,
    /// When it finished (time since the caller's origin).
    pub finished_at: Duration,
}

/// The names of the Jobs to delete, oldest first, succeeded ones before failed ones.
pub fn jobs_to_clean_up(settings: &ScaledJobSettings, finished: &[FinishedJob]) -> Vec<JobName> {
    let mut doomed = surplus(
        finished,
        FinishedOutcome::Succeeded,
        settings.successful_history_limit(),
    );
    doomed.extend(surplus(
        finished,
        FinishedOutcome::Failed,
        settings.failed_history_limit(),
    ));
    doomed
}

fn surplus(finished: &[FinishedJob], outcome: FinishedOutcome, limit: u32) -> Vec<JobName> {
    let mut group: Vec<&FinishedJob> = finished.iter().filter(|j| j.outcome == outcome).collect();
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    if group.len() <= keep {
        return Vec::new();
    }
    group.sort_by(|a, b| {
        a.finished_at
            .cmp(&b.finished_at)
            .then_with(|| a.name.cmp(&b.name))
    });
    let excess = group.len() - keep;
    group
        .into_iter()
        .take(excess)
        .map(|j| j.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, outcome: FinishedOutcome, secs: u64) -> FinishedJob {
        FinishedJob {
            name: name.into(),
            outcome,
            finished_at: Duration::from_secs(secs),
        }
    }

    #[test]
    fn rubin_keeps_the_five_newest_of_each_kind() {
        let settings = ScaledJobSettings::rubin_production();
        let mut jobs = Vec::new();
        for i in 0..8 {
            jobs.push(job(&format!("ok-{i}"), FinishedOutcome::Succeeded, 100 - i));
        }
        for i in 0..6 {
            jobs.push(job(&format!("bad-{i}"), FinishedOutcome::Failed, i));
        }
        let doomed = jobs_to_clean_up(&settings, &jobs);
        assert_eq!(doomed, ["ok-7", "ok-6", "ok-5", "bad-0"]);
    }

    #[test]
    fn default_limit_is_one_hundred() {
        let settings = ScaledJobSettings::default();
        let jobs: Vec<_> = (0..101)
            .map(|i| job(&format!("j{i:03}"), FinishedOutcome::Succeeded, i))
            .collect();
        assert_eq!(jobs_to_clean_up(&settings, &jobs), ["j000"]);
        assert!(jobs_to_clean_up(&settings, &jobs[..100]).is_empty());
    }

    #[test]
    fn zero_limit_deletes_everything_finished() {
        let settings = ScaledJobSettings {
            successful_jobs_history_limit: Some(0),
            failed_jobs_history_limit: Some(0),
            ..ScaledJobSettings::default()
        };
        let jobs = [
            job("b", FinishedOutcome::Succeeded, 1),
            job("a", FinishedOutcome::Succeeded, 1),
            job("c", FinishedOutcome::Failed, 0),
        ];
        assert_eq!(jobs_to_clean_up(&settings, &jobs), ["a", "b", "c"]);
    }
}
