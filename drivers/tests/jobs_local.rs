//! The local Job runtime under tokio's paused clock: phases, exit codes,
//! KEDA's R and P counts, deletion (graceful and forced), history cleanup
//! and rollout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alertsim_core::scaler::{JobCounts, KedaVersion, ScaledJobSettings};
use alertsim_drivers::jobs::local::{JobContext, LocalConfig, LocalRuntime, LocalWorkload};
use alertsim_drivers::jobs::{JobPhase, JobRuntime, JobTemplate, JobsError};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::time::Instant;

const STARTUP: Duration = Duration::from_secs(30);

fn template() -> JobTemplate {
    JobTemplate::new("prompt-proc", "worker:test", vec![]).with_env("WORKER_RESTART_FREQ", "10")
}

/// A workload whose Jobs each wait for the exit code the test sends them;
/// the test receives one sender per started Job.
fn controlled() -> (
    LocalWorkload,
    mpsc::UnboundedReceiver<(String, oneshot::Sender<i32>)>,
) {
    let (started_tx, started_rx) = mpsc::unbounded_channel();
    let workload = LocalWorkload::task(move |context: JobContext| {
        let started = started_tx.clone();
        async move {
            let (exit_tx, exit_rx) = oneshot::channel();
            if started.send((context.name, exit_tx)).is_err() {
                return 99;
            }
            exit_rx.await.unwrap_or(98)
        }
    });
    (workload, started_rx)
}

fn runtime(workload: LocalWorkload) -> LocalRuntime {
    LocalRuntime::new("prompt-proc", LocalConfig::new(STARTUP, workload))
}

/// KEDA's default pending rule (no `pendingPodConditions`).
fn default_rule() -> ScaledJobSettings {
    ScaledJobSettings::default()
}

/// `pendingPodConditions` as current KEDA counts them (per pod).
fn with_conditions(conditions: &[&str]) -> ScaledJobSettings {
    ScaledJobSettings {
        keda_version: KedaVersion::LATEST,
        ..ScaledJobSettings::default()
    }
    .with_pending_pod_conditions(conditions.iter().copied())
}

#[tokio::test(start_paused = true)]
async fn job_goes_pending_running_succeeded_on_exit_zero() {
    let (workload, mut started) = controlled();
    let jobs = runtime(workload);
    let t0 = Instant::now();
    let name = jobs.create(&template()).await.expect("create");
    assert!(name.starts_with("prompt-proc-"), "{name}");

    let counts = jobs.counts(&default_rule()).await.expect("counts");
    assert_eq!(
        counts,
        JobCounts {
            running: 1,
            pending: 1
        }
    );

    tokio::time::advance(STARTUP - Duration::from_millis(1)).await;
    assert_eq!(
        jobs.status(&name).map(|s| s.phase()),
        Some(JobPhase::Pending)
    );

    let running = jobs
        .wait_for_phase(&name, JobPhase::Running)
        .await
        .expect("runs");
    assert_eq!(
        t0.elapsed(),
        STARTUP,
        "starts exactly after the start-up delay"
    );
    assert!(running.finished.is_none());
    let (started_name, exit) = started.recv().await.expect("body started");
    assert_eq!(started_name, name);
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 1,
            pending: 0
        }
    );

    exit.send(0).expect("body waits");
    let done = jobs
        .wait_for_phase(&name, JobPhase::Succeeded)
        .await
        .expect("succeeds");
    assert_eq!(done.exit_code, Some(0));
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 0,
            pending: 0
        }
    );
}

#[tokio::test(start_paused = true)]
async fn non_zero_exit_and_panic_fail_the_job() {
    let (workload, mut started) = controlled();
    let jobs = runtime(workload);
    let name = jobs.create(&template()).await.expect("create");
    let (_, exit) = started.recv().await.expect("body started");
    exit.send(1).expect("body waits");
    let failed = jobs
        .wait_for_phase(&name, JobPhase::Failed)
        .await
        .expect("fails");
    assert_eq!(failed.exit_code, Some(1));

    let panicking = runtime(LocalWorkload::task(|_context| async {
        panic!("worker bug");
    }));
    let name = panicking.create(&template()).await.expect("create");
    let failed = panicking
        .wait_for_phase(&name, JobPhase::Failed)
        .await
        .expect("fails");
    assert_eq!(failed.exit_code, None);
}

#[tokio::test(start_paused = true)]
async fn counts_follow_staggered_start_ups() {
    let (workload, _started) = controlled();
    let jobs = runtime(workload);
    let first = jobs.create(&template()).await.expect("create");
    tokio::time::advance(Duration::from_secs(10)).await;
    let second = jobs.create(&template()).await.expect("create");
    let third = jobs.create(&template()).await.expect("create");
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 3,
            pending: 3
        }
    );

    jobs.wait_for_phase(&first, JobPhase::Running)
        .await
        .expect("first runs");
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 3,
            pending: 2
        }
    );
    let ready = with_conditions(&["PodScheduled", "Ready"]);
    assert_eq!(jobs.counts(&ready).await.expect("counts").pending, 2);
    let scheduled = with_conditions(&["PodScheduled"]);
    assert_eq!(
        jobs.counts(&scheduled).await.expect("counts").pending,
        0,
        "local pods are scheduled at once"
    );

    jobs.wait_for_phase(&second, JobPhase::Running)
        .await
        .expect("second runs");
    jobs.wait_for_phase(&third, JobPhase::Running)
        .await
        .expect("third runs");
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 3,
            pending: 0
        }
    );
}

#[tokio::test(start_paused = true)]
async fn delete_aborts_a_running_body() {
    let (dropped_tx, mut dropped_rx) = oneshot::channel::<()>();
    let guard = Arc::new(Mutex::new(Some(dropped_tx)));
    let jobs = runtime(LocalWorkload::task(move |_context| {
        let guard = Arc::clone(&guard);
        async move {
            // Holds the sender until the body is dropped.
            let _held = guard.lock().await.take();
            std::future::pending::<i32>().await
        }
    }));
    let name = jobs.create(&template()).await.expect("create");
    jobs.wait_for_phase(&name, JobPhase::Running)
        .await
        .expect("runs");
    tokio::task::yield_now().await;
    assert!(matches!(
        dropped_rx.try_recv(),
        Err(oneshot::error::TryRecvError::Empty)
    ));

    jobs.delete(&name).await.expect("delete");
    assert!(
        matches!(
            dropped_rx.try_recv(),
            Err(oneshot::error::TryRecvError::Closed)
        ),
        "the body was dropped before delete returned"
    );
    assert!(jobs.list().await.expect("list").is_empty());
    assert!(matches!(
        jobs.delete(&name).await,
        Err(JobsError::NotFound(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn delete_while_pending_never_starts_the_body() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&starts);
    let jobs = runtime(LocalWorkload::task(move |_context| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { 0 }
    }));
    let doomed = jobs.create(&template()).await.expect("create");
    let kept = jobs.create(&template()).await.expect("create");
    jobs.delete(&doomed).await.expect("delete");
    jobs.wait_for_phase(&kept, JobPhase::Succeeded)
        .await
        .expect("kept one runs");
    assert_eq!(starts.load(Ordering::SeqCst), 1);
    let names: Vec<String> = jobs
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|j| j.name.into_string())
        .collect();
    assert_eq!(names, vec![kept]);
}

#[tokio::test(start_paused = true)]
async fn history_cleanup_keeps_the_newest_finished_jobs() {
    let (workload, mut started) = controlled();
    let jobs = runtime(workload);
    let mut finished = Vec::new();
    for code in [0, 1, 0, 1, 0] {
        let name = jobs.create(&template()).await.expect("create");
        let (_, exit) = started.recv().await.expect("body started");
        exit.send(code).expect("body waits");
        let phase = if code == 0 {
            JobPhase::Succeeded
        } else {
            JobPhase::Failed
        };
        jobs.wait_for_phase(&name, phase).await.expect("finishes");
        finished.push(name);
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    let running = jobs.create(&template()).await.expect("create");

    let limits = ScaledJobSettings::default().with_history_limits(1, 1);
    let deleted = jobs.cleanup_history(&limits).await.expect("cleanup");
    // Oldest successes (0, 2) then the oldest failure (1).
    let expected: Vec<String> = [0, 2, 1]
        .iter()
        .filter_map(|i| finished.get(*i).cloned())
        .collect();
    assert_eq!(deleted, expected);
    let left: Vec<String> = jobs
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|j| j.name.into_string())
        .collect();
    let mut want = vec![
        finished.get(3).cloned().unwrap_or_default(),
        finished.get(4).cloned().unwrap_or_default(),
        running.clone(),
    ];
    want.sort();
    assert_eq!(left, want);
}

#[tokio::test(start_paused = true)]
async fn rollout_deletes_unfinished_jobs_only() {
    let (workload, mut started) = controlled();
    let jobs = runtime(workload);
    let done = jobs.create(&template()).await.expect("create");
    let (_, exit) = started.recv().await.expect("body started");
    exit.send(0).expect("body waits");
    jobs.wait_for_phase(&done, JobPhase::Succeeded)
        .await
        .expect("succeeds");
    let running = jobs.create(&template()).await.expect("create");
    jobs.wait_for_phase(&running, JobPhase::Running)
        .await
        .expect("runs");
    let pending = jobs.create(&template()).await.expect("create");

    let mut deleted = jobs.delete_unfinished().await.expect("rollout");
    deleted.sort();
    let mut want = vec![running, pending];
    want.sort();
    assert_eq!(deleted, want);
    let left: Vec<String> = jobs
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|j| j.name.into_string())
        .collect();
    assert_eq!(left, vec![done]);
}

#[tokio::test(start_paused = true)]
async fn delete_asks_the_body_to_terminate_first() {
    let (exited_tx, mut exited_rx) = mpsc::unbounded_channel();
    let jobs = runtime(LocalWorkload::task(move |mut context: JobContext| {
        let exited = exited_tx.clone();
        async move {
            context.termination.requested().await;
            // The worker exits 1 on SIGTERM.
            let _ = exited.send(context.name);
            1
        }
    }));
    let name = jobs.create(&template()).await.expect("create");
    jobs.wait_for_phase(&name, JobPhase::Running)
        .await
        .expect("runs");
    let asked = Instant::now();
    jobs.delete(&name).await.expect("delete");
    assert_eq!(asked.elapsed(), Duration::ZERO, "no grace period needed");
    assert_eq!(exited_rx.try_recv().ok(), Some(name));
}

#[tokio::test(start_paused = true)]
async fn a_body_ignoring_termination_is_aborted_after_the_grace_period() {
    let grace = Duration::from_secs(5);
    let mut config = LocalConfig::new(
        STARTUP,
        LocalWorkload::task(|context: JobContext| async move {
            let _ = context;
            std::future::pending::<i32>().await
        }),
    );
    config.termination_grace = grace;
    let jobs = LocalRuntime::new("prompt-proc", config);
    let name = jobs.create(&template()).await.expect("create");
    jobs.wait_for_phase(&name, JobPhase::Running)
        .await
        .expect("runs");
    let asked = Instant::now();
    jobs.delete(&name).await.expect("delete");
    assert_eq!(asked.elapsed(), grace);
}

#[tokio::test(start_paused = true)]
async fn any_runtime_forwards_to_the_local_backend() {
    use alertsim_drivers::jobs::AnyRuntime;
    let jobs = AnyRuntime::from(runtime(LocalWorkload::task(|_context| async { 0 })));
    assert_eq!(jobs.scaled_job(), "prompt-proc");
    let name = jobs.create(&template()).await.expect("create");
    assert_eq!(
        jobs.counts(&default_rule()).await.expect("counts"),
        JobCounts {
            running: 1,
            pending: 1
        }
    );
    jobs.delete(&name).await.expect("delete");
    assert!(jobs.list().await.expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_and_deletes_leave_no_body_running() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (on_start, on_stop) = (Arc::clone(&started), Arc::clone(&stopped));
    let mut config = LocalConfig::new(
        Duration::ZERO,
        LocalWorkload::task(move |mut context: JobContext| {
            let (on_start, on_stop) = (Arc::clone(&on_start), Arc::clone(&on_stop));
            async move {
                on_start.fetch_add(1, Ordering::SeqCst);
                context.termination.requested().await;
                on_stop.fetch_add(1, Ordering::SeqCst);
                1
            }
        }),
    );
    config.termination_grace = Duration::from_secs(600);
    let jobs = Arc::new(LocalRuntime::new("prompt-proc", config));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let jobs = Arc::clone(&jobs);
        tasks.push(tokio::spawn(async move {
            let name = jobs.create(&template()).await.expect("create");
            tokio::task::yield_now().await;
            jobs.delete(&name).await.expect("delete");
        }));
    }
    for task in tasks {
        task.await.expect("no panic");
    }
    assert!(jobs.list().await.expect("list").is_empty());
    assert_eq!(
        started.load(Ordering::SeqCst),
        stopped.load(Ordering::SeqCst),
        "every body that started was terminated before its delete returned"
    );
}
