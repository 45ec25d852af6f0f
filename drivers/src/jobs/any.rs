//! A runtime chosen at run time: local or Kubernetes behind one type.

use super::local::LocalRuntime;
use super::template::JobTemplate;
use super::{JobRuntime, JobsError};
use alertsim_core::scaler::job_status::JobStatus;

/// Either backend, for callers that pick one from configuration
/// ([`JobRuntime`] itself is not object-safe).
pub enum AnyRuntime {
    /// The embedded local runtime.
    Local(LocalRuntime),
    /// Jobs in a Kubernetes cluster.
    #[cfg(feature = "kubernetes")]
    Kubernetes(Box<super::kubernetes::KubernetesRuntime>),
}

impl From<LocalRuntime> for AnyRuntime {
    fn from(runtime: LocalRuntime) -> Self {
        Self::Local(runtime)
    }
}

#[cfg(feature = "kubernetes")]
impl From<super::kubernetes::KubernetesRuntime> for AnyRuntime {
    fn from(runtime: super::kubernetes::KubernetesRuntime) -> Self {
        Self::Kubernetes(Box::new(runtime))
    }
}

impl JobRuntime for AnyRuntime {
    fn scaled_job(&self) -> &str {
        match self {
            Self::Local(runtime) => runtime.scaled_job(),
            #[cfg(feature = "kubernetes")]
            Self::Kubernetes(runtime) => runtime.scaled_job(),
        }
    }

    async fn create(&self, template: &JobTemplate) -> Result<String, JobsError> {
        match self {
            Self::Local(runtime) => runtime.create(template).await,
            #[cfg(feature = "kubernetes")]
            Self::Kubernetes(runtime) => runtime.create(template).await,
        }
    }

    async fn list(&self) -> Result<Vec<JobStatus>, JobsError> {
        match self {
            Self::Local(runtime) => runtime.list().await,
            #[cfg(feature = "kubernetes")]
            Self::Kubernetes(runtime) => runtime.list().await,
        }
    }

    async fn delete(&self, name: &str) -> Result<(), JobsError> {
        match self {
            Self::Local(runtime) => runtime.delete(name).await,
            #[cfg(feature = "kubernetes")]
            Self::Kubernetes(runtime) => runtime.delete(name).await,
        }
    }
}
