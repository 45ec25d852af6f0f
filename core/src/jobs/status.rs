//! The observed state of a Job and its pods, independent of the backend.

/// Whether a Job has finished, and how (its `Complete` or `Failed` condition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finished {
    /// Condition `Complete` is True: the pod exited 0.
    Complete,
    /// Condition `Failed` is True: the pod exited non-zero, or was killed.
    Failed,
}

/// A pod's phase, as in `status.phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodPhase {
    /// Accepted but not all containers are running yet (scheduling, image pull, start-up).
    Pending,
    /// Bound to a node and at least one container running.
    Running,
    /// All containers exited 0.
    Succeeded,
    /// All containers terminated, at least one in failure.
    Failed,
    /// The state could not be obtained, or a phase this code does not know.
    Unknown,
}

impl PodPhase {
    /// Parses the API's phase string; anything unknown is `Unknown`.
    pub fn from_api(phase: &str) -> Self {
        match phase {
            "Pending" => Self::Pending,
            "Running" => Self::Running,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }
}

/// One pod condition (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodCondition {
    /// The condition type.
    pub kind: String,
    /// True when the API says `status: "True"`.
    pub status: bool,
}

impl PodCondition {
    /// A condition with the given type and truth.
    pub fn new(kind: impl Into<String>, status: bool) -> Self {
        Self {
            kind: kind.into(),
            status,
        }
    }
}

/// One pod of a Job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodStatus {
    /// The pod's name.
    pub name: String,
    /// Its phase.
    pub phase: PodPhase,
    /// Its conditions, in API order.
    pub conditions: Vec<PodCondition>,
}

/// A Job's coarse phase, for display and for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobPhase {
    /// Not finished and no pod running or succeeded yet.
    Pending,
    /// Not finished and a pod is running (or has succeeded, not yet recorded).
    Running,
    /// Finished with condition `Complete`.
    Succeeded,
    /// Finished with condition `Failed`.
    Failed,
}

/// One Job of a ScaledJob as a runtime lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStatus {
    /// The Job's name.
    pub name: String,
    /// `Some` once the Job has a `Complete` or `Failed` condition that is True.
    pub finished: Option<Finished>,
    /// When it finished, in milliseconds (Unix epoch for Kubernetes, since
    /// the runtime started for the local backend); orders history cleanup.
    pub finished_at_ms: Option<i64>,
    /// The exit code of the workload, where the backend knows it.
    pub exit_code: Option<i32>,
    /// The Job's pods (one for Rubin's workers; zero before the pod exists).
    pub pods: Vec<PodStatus>,
}

impl JobStatus {
    /// The coarse phase: finished state first, else running if any pod is
    /// Running or Succeeded, else pending.
    pub fn phase(&self) -> JobPhase {
        match self.finished {
            Some(Finished::Complete) => JobPhase::Succeeded,
            Some(Finished::Failed) => JobPhase::Failed,
            None if self.any_pod_running_or_succeeded() => JobPhase::Running,
            None => JobPhase::Pending,
        }
    }

    /// True when some pod is Running or Succeeded (KEDA's default test for
    /// "not pending").
    pub fn any_pod_running_or_succeeded(&self) -> bool {
        self.pods
            .iter()
            .any(|pod| matches!(pod.phase, PodPhase::Running | PodPhase::Succeeded))
    }
}
