//! The Kubernetes Job runtime: batch/v1 Jobs through kube.
//!
//! Jobs are created as KEDA creates them for a ScaledJob: `generateName`
//! from the template's prefix, the label `scaledjob.keda.sh/name=<name>` on
//! the Job and on its pod template, parallelism 1, backoffLimit 0 and
//! restartPolicy Never (Rubin's worker pod). Listing reads the Jobs by that
//! label and the pods by the same label in a second call (one request
//! instead of KEDA's one per Job), and attributes each pod to its Job by the
//! `batch.kubernetes.io/job-name` label (or the older `job-name`). Deletion
//! uses propagationPolicy Background, as KEDA's cleanup does.
//!
//! Tested only against recorded API request/response pairs
//! (`drivers/tests/fixtures/k8s/`, replayed through `kube::Client::new` with a
//! tower service), never against a live cluster: no API server runs here.
//! The requests in those pairs are checked to be exactly what this code
//! sends; the responses were written to match an API server's answers, not
//! captured from one.

mod convert;
mod manifest;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, PostParams};

pub use convert::{job_status, job_statuses};
pub use manifest::job_manifest;

use super::template::JobTemplate;
use super::{JobRuntime, JobsError, SCALED_JOB_LABEL};
use alertsim_core::scaler::job_status::JobStatus;

/// Jobs of one ScaledJob in one namespace of a Kubernetes cluster.
pub struct KubernetesRuntime {
    scaled_job: String,
    jobs: Api<Job>,
    pods: Api<Pod>,
}

impl KubernetesRuntime {
    /// A runtime over `client` for the Jobs of `scaled_job` in `namespace`.
    pub fn new(client: Client, namespace: &str, scaled_job: impl Into<String>) -> Self {
        Self {
            scaled_job: scaled_job.into(),
            jobs: Api::namespaced(client.clone(), namespace),
            pods: Api::namespaced(client, namespace),
        }
    }

    /// A runtime using the in-cluster or kubeconfig credentials that kube
    /// infers, in the client's default namespace.
    pub async fn infer(scaled_job: impl Into<String>) -> Result<Self, JobsError> {
        Self::infer_in(None, scaled_job).await
    }

    /// As [`KubernetesRuntime::infer`], in `namespace` when given.
    pub async fn infer_in(
        namespace: Option<&str>,
        scaled_job: impl Into<String>,
    ) -> Result<Self, JobsError> {
        let client = Client::try_default().await?;
        let namespace = namespace.unwrap_or(client.default_namespace()).to_owned();
        Ok(Self::new(client, &namespace, scaled_job))
    }

    fn selector(&self) -> ListParams {
        ListParams::default().labels(&format!("{SCALED_JOB_LABEL}={}", self.scaled_job))
    }
}

impl JobRuntime for KubernetesRuntime {
    fn scaled_job(&self) -> &str {
        &self.scaled_job
    }

    async fn create(&self, template: &JobTemplate) -> Result<String, JobsError> {
        let manifest = job_manifest(&self.scaled_job, template);
        let created = self.jobs.create(&PostParams::default(), &manifest).await?;
        created
            .metadata
            .name
            .ok_or_else(|| JobsError::Malformed("created Job has no name".into()))
    }

    async fn list(&self) -> Result<Vec<JobStatus>, JobsError> {
        let selector = self.selector();
        let jobs = self.jobs.list(&selector).await?;
        let pods = self.pods.list(&selector).await?;
        job_statuses(&jobs.items, &pods.items)
    }

    async fn delete(&self, name: &str) -> Result<(), JobsError> {
        match self.jobs.delete(name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.is_not_found() => {
                Err(JobsError::NotFound(name.to_owned()))
            }
            Err(error) => Err(error.into()),
        }
    }
}
