//! API objects to backend-neutral [`JobStatus`] values (pure).

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;

use crate::jobs::error::JobsError;
use alertsim_core::scaler::job_status::{Finished, JobStatus, PodCondition, PodPhase, PodStatus};

/// The labels a Job controller puts on its pods, newest first.
const JOB_NAME_LABELS: [&str; 2] = ["batch.kubernetes.io/job-name", "job-name"];

/// Every Job with its pods, sorted by Job name. Pods whose Job is not in
/// `jobs` are ignored.
pub fn job_statuses(jobs: &[Job], pods: &[Pod]) -> Result<Vec<JobStatus>, JobsError> {
    let mut by_job: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    for pod in pods {
        if let Some(job) = owning_job(pod) {
            by_job.entry(job).or_default().push(pod);
        }
    }
    let mut statuses = jobs
        .iter()
        .map(|job| {
            let name = job.metadata.name.as_deref().unwrap_or_default();
            job_status(job, by_job.get(name).map(Vec::as_slice).unwrap_or_default())
        })
        .collect::<Result<Vec<_>, _>>()?;
    statuses.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(statuses)
}

/// One Job's status from the Job object and its pods.
pub fn job_status(job: &Job, pods: &[&Pod]) -> Result<JobStatus, JobsError> {
    let name = job
        .metadata
        .name
        .clone()
        .ok_or_else(|| JobsError::Malformed("Job without metadata.name".into()))?;
    let status = job.status.as_ref();
    let finishing = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.status == "True")
        .find_map(|c| {
            let kind = match c.type_.as_str() {
                "Complete" => Finished::Complete,
                "Failed" => Finished::Failed,
                _ => return None,
            };
            Some((kind, c.last_transition_time.as_ref()))
        });
    let finished_at_ms = finishing.and_then(|(_, transition)| {
        status
            .and_then(|s| s.completion_time.as_ref())
            .or(transition)
            .map(|time| time.0.as_millisecond())
    });
    let mut pod_statuses: Vec<PodStatus> = pods.iter().map(|pod| pod_status(pod)).collect();
    pod_statuses.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(JobStatus {
        name: name.into(),
        finished: finishing.map(|(kind, _)| kind),
        finished_at_ms,
        exit_code: pods.iter().find_map(|pod| exit_code(pod)),
        pods: pod_statuses,
    })
}

/// The Job a pod belongs to: its job-name label, else its controlling
/// owner reference of kind Job.
fn owning_job(pod: &Pod) -> Option<&str> {
    let by_label = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| JOB_NAME_LABELS.iter().find_map(|key| labels.get(*key)));
    by_label
        .or_else(|| {
            pod.metadata
                .owner_references
                .as_ref()?
                .iter()
                .find(|owner| owner.kind == "Job" && owner.controller == Some(true))
                .map(|owner| &owner.name)
        })
        .map(String::as_str)
}

fn pod_status(pod: &Pod) -> PodStatus {
    let status = pod.status.as_ref();
    PodStatus {
        name: pod.metadata.name.clone().unwrap_or_default(),
        phase: status
            .and_then(|s| s.phase.as_deref())
            .map_or(PodPhase::Unknown, PodPhase::from_api),
        conditions: status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .map(|c| PodCondition::new(c.type_.clone(), c.status == "True"))
            .collect(),
    }
}

/// The first terminated container's exit code, if any container terminated.
fn exit_code(pod: &Pod) -> Option<i32> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find_map(|c| c.state.as_ref()?.terminated.as_ref().map(|t| t.exit_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).expect("valid API object")
    }

    #[test]
    fn pods_are_attributed_by_label_or_controlling_owner() {
        let jobs: Vec<Job> = vec![
            from_json(serde_json::json!({"metadata": {"name": "w-a"}, "status": {"active": 1}})),
            from_json(serde_json::json!({"metadata": {"name": "w-b"}, "status": {"active": 1}})),
        ];
        let pods: Vec<Pod> = vec![
            from_json(serde_json::json!({
                "metadata": {"name": "w-a-1", "labels": {"job-name": "w-a"}},
                "status": {"phase": "Running"}})),
            from_json(serde_json::json!({
                "metadata": {"name": "w-b-1", "ownerReferences": [
                    {"apiVersion": "batch/v1", "kind": "Job", "name": "w-b", "uid": "u", "controller": true}]},
                "status": {"phase": "Pending"}})),
            from_json(serde_json::json!({
                "metadata": {"name": "w-b-2", "ownerReferences": [
                    {"apiVersion": "batch/v1", "kind": "Job", "name": "w-b", "uid": "u", "controller": false}]},
                "status": {"phase": "Running"}})),
        ];
        let statuses = job_statuses(&jobs, &pods).expect("statuses");
        let pod_names: Vec<Vec<&str>> = statuses
            .iter()
            .map(|s| s.pods.iter().map(|p| p.name.as_str()).collect())
            .collect();
        assert_eq!(pod_names, vec![vec!["w-a-1"], vec!["w-b-1"]]);
    }

    #[test]
    fn a_job_without_a_name_is_malformed() {
        let job: Job = from_json(serde_json::json!({"metadata": {}}));
        assert!(matches!(
            job_status(&job, &[]),
            Err(JobsError::Malformed(_))
        ));
    }
}
