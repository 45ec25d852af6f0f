//! What a local Job runs: an async body or a child process.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::watch;

use crate::jobs::error::JobsError;
use crate::jobs::template::JobTemplate;

/// What a task body learns about its Job.
#[derive(Clone, Debug)]
pub struct JobContext {
    /// The generated Job name (use it as the worker's identity if wanted).
    pub name: String,
    /// The ScaledJob the Job belongs to.
    pub scaled_job: String,
    /// The template's environment variables.
    pub env: Vec<(String, String)>,
    /// Fires when the Job is deleted: the task's SIGTERM.
    pub termination: Termination,
}

/// The local stand-in for SIGTERM: set when the Job is deleted. A body that
/// does not return within the grace period is aborted (SIGKILL).
#[derive(Clone, Debug)]
pub struct Termination(watch::Receiver<bool>);

impl Termination {
    /// A termination signal and the sender that raises it.
    pub fn channel() -> (watch::Sender<bool>, Self) {
        let (sender, receiver) = watch::channel(false);
        (sender, Self(receiver))
    }

    /// True once termination was requested.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until termination is requested (forever if the Job is never
    /// deleted).
    pub async fn requested(&mut self) {
        if self.0.wait_for(|terminating| *terminating).await.is_err() {
            // The runtime is gone without asking: never resolves, as a
            // process never receiving SIGTERM.
            std::future::pending::<()>().await;
        }
    }
}

/// A boxed async Job body returning the exit code.
pub type TaskBody =
    Arc<dyn Fn(JobContext) -> Pin<Box<dyn Future<Output = i32> + Send>> + Send + Sync>;

/// What every Job of a local runtime runs.
#[derive(Clone)]
pub enum LocalWorkload {
    /// An async body on a tokio task; its return value is the exit code.
    Task(TaskBody),
    /// The template's `command` as a child process in its own process
    /// group, with the template's environment and `JOB_NAME` added; its exit
    /// status is the exit code. Deletion sends SIGTERM to the group, then
    /// SIGKILL after the grace period.
    Process,
}

impl LocalWorkload {
    /// Wraps an async closure as a task workload.
    pub fn task<F, Fut>(body: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = i32> + Send + 'static,
    {
        Self::Task(Arc::new(move |context| Box::pin(body(context))))
    }

    /// What to start for one Job of `template`, checked before the Job exists.
    pub(super) fn launch_for(&self, template: &JobTemplate) -> Result<Launch, JobsError> {
        match self {
            Self::Task(body) => Ok(Launch::Task(Arc::clone(body))),
            Self::Process => {
                let (program, args) = template.command.split_first().ok_or_else(|| {
                    JobsError::InvalidTemplate("a process workload needs a command".into())
                })?;
                Ok(Launch::Process {
                    program: program.clone(),
                    args: args.to_vec(),
                })
            }
        }
    }
}

/// One Job's resolved workload.
pub(super) enum Launch {
    Task(TaskBody),
    Process { program: String, args: Vec<String> },
}
