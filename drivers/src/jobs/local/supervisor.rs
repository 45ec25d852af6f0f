//! The task that carries one local Job through its phases.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

use super::Shared;
use super::workload::{JobContext, Launch};

/// When and how one Job runs and stops.
pub(super) struct Plan {
    /// Creation time plus the start-up delay.
    pub(super) start_at: Instant,
    /// How long a deleted Job may take to exit before it is killed.
    pub(super) grace: Duration,
    /// What runs.
    pub(super) launch: Launch,
}

/// Pending until `plan.start_at`, then runs the workload until it exits or
/// the Job is deleted (`cancelled` fires or its sender is dropped).
pub(super) async fn supervise(
    shared: Arc<Shared>,
    context: JobContext,
    terminate: watch::Sender<bool>,
    plan: Plan,
    mut cancelled: oneshot::Receiver<()>,
) {
    tokio::select! {
        _ = &mut cancelled => return,
        () = tokio::time::sleep_until(plan.start_at) => {}
    }
    let name = context.name.clone();
    match plan.launch {
        Launch::Task(body) => {
            let mut task = tokio::spawn(body(context));
            shared.mark_running(&name);
            tokio::select! {
                joined = &mut task => {
                    // A panicking body fails the Job without an exit code.
                    shared.mark_finished(&name, joined.ok());
                }
                _ = &mut cancelled => {
                    terminate.send_replace(true);
                    if tokio::time::timeout(plan.grace, &mut task).await.is_err() {
                        task.abort();
                        // Wait until the body is dropped; its result no longer matters.
                        let _ = task.await;
                    }
                }
            }
        }
        Launch::Process { program, args } => {
            let spawned = Command::new(&program)
                .args(&args)
                .envs(context.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env("JOB_NAME", &name)
                .stdin(Stdio::null())
                .process_group(0)
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
                _ = &mut cancelled => stop_process(&name, &mut child, plan.grace).await,
            }
        }
    }
}

/// SIGTERM to the process group, SIGKILL after `grace`; returns once the
/// leader is reaped.
async fn stop_process(name: &str, child: &mut Child, grace: Duration) {
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    if let Some(group) = group {
        signal_group(name, group, Signal::TERM);
        if tokio::time::timeout(grace, child.wait()).await.is_ok() {
            // The leader exited; take down anything it left in the group.
            signal_group(name, group, Signal::KILL);
            return;
        }
        signal_group(name, group, Signal::KILL);
    }
    // Kills the leader if still there (no pid: already reaped) and reaps it.
    if let Err(error) = child.kill().await {
        tracing::warn!(job = %name, %error, "cannot kill job process");
    }
}

fn signal_group(name: &str, group: Pid, signal: Signal) {
    // ESRCH: the whole group is already gone, which is what we want.
    if let Err(error) = kill_process_group(group, signal)
        && error != rustix::io::Errno::SRCH
    {
        tracing::warn!(job = %name, %error, ?signal, "cannot signal job process group");
    }
}
