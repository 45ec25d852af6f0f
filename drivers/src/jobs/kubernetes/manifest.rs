//! The batch/v1 Job a template becomes (pure).

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, PodSpec, PodTemplateSpec, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::jobs::SCALED_JOB_LABEL;
use crate::jobs::template::JobTemplate;

/// The Job KEDA would create for `scaled_job` from `template`: one pod, no
/// retries, never restarted, labelled for the ScaledJob on the Job and on
/// the pod template.
pub fn job_manifest(scaled_job: &str, template: &JobTemplate) -> Job {
    let mut labels = BTreeMap::new();
    labels.insert(SCALED_JOB_LABEL.to_owned(), scaled_job.to_owned());
    labels.insert("app.kubernetes.io/name".to_owned(), scaled_job.to_owned());
    labels.insert(
        "app.kubernetes.io/managed-by".to_owned(),
        "alertsim".to_owned(),
    );
    let mut pod_labels = BTreeMap::new();
    pod_labels.insert(SCALED_JOB_LABEL.to_owned(), scaled_job.to_owned());

    let mut requests = BTreeMap::new();
    if let Some(cpu) = &template.cpu_request {
        requests.insert("cpu".to_owned(), Quantity(cpu.clone()));
    }
    if let Some(memory) = &template.memory_request {
        requests.insert("memory".to_owned(), Quantity(memory.clone()));
    }

    let container = Container {
        name: template.container.clone(),
        image: Some(template.image.clone()),
        command: (!template.command.is_empty()).then(|| template.command.clone()),
        env: (!template.env.is_empty()).then(|| {
            template
                .env
                .iter()
                .map(|(name, value)| EnvVar {
                    name: name.clone(),
                    value: Some(value.clone()),
                    ..EnvVar::default()
                })
                .collect()
        }),
        resources: (!requests.is_empty()).then(|| ResourceRequirements {
            requests: Some(requests),
            ..ResourceRequirements::default()
        }),
        ..Container::default()
    };

    Job {
        metadata: ObjectMeta {
            generate_name: Some(template.name_prefix.clone()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            parallelism: Some(1),
            backoff_limit: Some(0),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".to_owned()),
                    containers: vec![container],
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    }
}
