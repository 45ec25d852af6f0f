//! Errors of the Job runtimes.

/// What can go wrong creating, listing or deleting Jobs.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The named Job does not exist (already deleted or never created).
    #[error("job {0} not found")]
    NotFound(String),
    /// A Job finished in another phase than the one waited for.
    #[error("job {name} finished as {phase:?}")]
    FinishedAs {
        /// The Job.
        name: String,
        /// The phase it finished in.
        phase: alertsim_core::scaler::JobPhase,
    },
    /// The template cannot be turned into a Job (for example no command for
    /// a child-process workload).
    #[error("invalid job template: {0}")]
    InvalidTemplate(String),
    /// A local child process could not be started.
    #[error("cannot start job {name}: {source}")]
    Spawn {
        /// The Job whose process failed to start.
        name: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The Kubernetes API answered with an error or could not be reached.
    #[cfg(feature = "kubernetes")]
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// The Kubernetes API returned an object without a field we need.
    #[error("malformed API object: {0}")]
    Malformed(String),
}
