//! The task that carries one local Job through its phases.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::oneshot;

use super::Shared;
use super::workload::{JobContext, Launch};

/// Pending for `startup_delay`, then runs the workload until it exits or the
/// Job is deleted (`cancelled` fires or its sender is dropped).
pub(super) async fn supervise(
    shared: Arc<Shared>,
    context: JobContext,
    startup_delay: Duration,
    launch: Launch,
    mut cancelled: oneshot::Receiver<()>,
) {
    tokio::select! {
        _ = &mut cancelled => return,
        () = tokio::time::sleep(startup_delay) => {}
    }
    let name = context.name.clone();
    match launch {
        Launch::Task(body) => {
            let mut task = tokio::spawn(body(context));
            shared.mark_running(&name);
            tokio::select! {
                joined = &mut task => {
                    // A panicking body fails the Job without an exit code.
                    shared.mark_finished(&name, joined.ok());
                }
                _ = &mut cancelled => {
                    task.abort();
                    // Wait until the body is dropped; its result no longer matters.
                    let _ = task.await;
                }
            }
        }
        Launch::Process { program, args } => {
            let spawned = Command::new(&program)
                .args(&args)
                .envs(context.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env("JOB_NAME", &name)
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(error) => {
                    tracing::warn!(job = %name, %program, %error, "cannot start job process");
                    shared.mark_finished(&name, None);
                    return;
                }
            };
            shared.mark_running(&name);
            tokio::select! {
                status = child.wait() => {
                    shared.mark_finished(&name, status.ok().and_then(|s| s.code()));
                }
                _ = &mut cancelled => {
                    // Kills with SIGKILL and reaps the process.
                    if let Err(error) = child.kill().await {
                        tracing::warn!(job = %name, %error, "cannot kill job process");
                    }
                }
            }
        }
    }
}
