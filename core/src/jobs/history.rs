//! Which Jobs KEDA deletes: history beyond the limits, and rollout targets.

use super::status::{Finished, JobStatus};

/// `successfulJobsHistoryLimit` and `failedJobsHistoryLimit` of a ScaledJob.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HistoryLimits {
    /// Completed Jobs kept.
    pub successful: usize,
    /// Failed Jobs kept.
    pub failed: usize,
}

impl Default for HistoryLimits {
    /// KEDA's defaults: 100 and 100.
    fn default() -> Self {
        Self {
            successful: 100,
            failed: 100,
        }
    }
}

impl HistoryLimits {
    /// Rubin's setting: 5 successful, 5 failed.
    pub const RUBIN: Self = Self {
        successful: 5,
        failed: 5,
    };
}

/// The finished Jobs to delete so that at most `limits` of each kind remain:
/// the oldest by finish time (Jobs without one first, then by name), completed
/// ones first, then failed ones.
pub fn history_to_delete(jobs: &[JobStatus], limits: HistoryLimits) -> Vec<String> {
    let mut doomed = oldest_beyond(jobs, Finished::Complete, limits.successful);
    doomed.extend(oldest_beyond(jobs, Finished::Failed, limits.failed));
    doomed
}

fn oldest_beyond(jobs: &[JobStatus], kind: Finished, keep: usize) -> Vec<String> {
    let mut finished: Vec<&JobStatus> = jobs
        .iter()
        .filter(|job| job.finished == Some(kind))
        .collect();
    finished.sort_by(|a, b| {
        a.finished_at_ms
            .cmp(&b.finished_at_ms)
            .then_with(|| a.name.cmp(&b.name))
    });
    let excess = finished.len().saturating_sub(keep);
    finished
        .into_iter()
        .take(excess)
        .map(|job| job.name.clone())
        .collect()
}

/// The Jobs a default (immediate) rollout deletes on a spec change: every
/// unfinished Job, by name.
pub fn rollout_targets(jobs: &[JobStatus]) -> Vec<String> {
    let mut names: Vec<String> = jobs
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

    fn job(name: &str, finished: Option<Finished>, at: Option<i64>) -> JobStatus {
        JobStatus {
            name: name.into(),
            finished,
            finished_at_ms: at,
            exit_code: None,
            pods: vec![],
        }
    }

    #[test]
    fn keeps_the_newest_of_each_kind() {
        let jobs = vec![
            job("c3", Some(Finished::Complete), Some(30)),
            job("c1", Some(Finished::Complete), Some(10)),
            job("c2", Some(Finished::Complete), Some(20)),
            job("f1", Some(Finished::Failed), Some(5)),
            job("f2", Some(Finished::Failed), None),
            job("r1", None, None),
        ];
        let limits = HistoryLimits {
            successful: 1,
            failed: 1,
        };
        assert_eq!(history_to_delete(&jobs, limits), vec!["c1", "c2", "f2"]);
        assert!(history_to_delete(&jobs, HistoryLimits::default()).is_empty());
        assert_eq!(rollout_targets(&jobs), vec!["r1"]);
    }
}
