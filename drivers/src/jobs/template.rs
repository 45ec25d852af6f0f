//! What a worker Job runs: the backend-neutral template.

/// The template Jobs are created from (the ScaledJob's `jobTargetRef`,
/// reduced to what Rubin's worker needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobTemplate {
    /// Prefix of generated names (`generateName`); KEDA uses `<scaledjob>-`.
    pub name_prefix: String,
    /// Container name.
    pub container: String,
    /// Container image (Kubernetes only; the local backend ignores it).
    pub image: String,
    /// Command and arguments. The local process workload runs it; empty
    /// means the image's entry point on Kubernetes.
    pub command: Vec<String>,
    /// Environment variables, in order.
    pub env: Vec<(String, String)>,
    /// CPU request, such as `"1"` (Kubernetes only).
    pub cpu_request: Option<String>,
    /// Memory request, such as `"2Gi"` (Kubernetes only).
    pub memory_request: Option<String>,
}

impl JobTemplate {
    /// A template named after the ScaledJob as KEDA does (`<scaled_job>-`),
    /// one container called `worker`.
    pub fn new(scaled_job: &str, image: impl Into<String>, command: Vec<String>) -> Self {
        Self {
            name_prefix: format!("{scaled_job}-"),
            container: "worker".into(),
            image: image.into(),
            command,
            env: Vec::new(),
            cpu_request: None,
            memory_request: None,
        }
    }

    /// Adds an environment variable.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Sets the resource requests (Rubin: 1 CPU, 2Gi).
    pub fn with_requests(mut self, cpu: impl Into<String>, memory: impl Into<String>) -> Self {
        self.cpu_request = Some(cpu.into());
        self.memory_request = Some(memory.into());
        self
    }
}
