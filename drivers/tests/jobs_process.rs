//! The local Job runtime running child processes: exit status to phase,
//! environment, and deletion killing the process.

use std::time::Duration;

use alertsim_core::scaler::ScaledJobSettings;
use alertsim_drivers::jobs::local::{LocalConfig, LocalRuntime, LocalWorkload};
use alertsim_drivers::jobs::{JobPhase, JobRuntime, JobTemplate, JobsError};

fn processes() -> LocalRuntime {
    processes_with_grace(LocalConfig::DEFAULT_GRACE)
}

fn processes_with_grace(grace: Duration) -> LocalRuntime {
    let mut config = LocalConfig::new(Duration::ZERO, LocalWorkload::Process);
    config.termination_grace = grace;
    LocalRuntime::new("prompt-proc", config)
}

/// A FIFO in a fresh directory: the script writes its pid into it, and the
/// test's read waits for that write.
fn pid_fifo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pid");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    (dir, fifo)
}

async fn read_pid(fifo: &std::path::Path) -> std::path::PathBuf {
    let pid = tokio::fs::read_to_string(fifo).await.expect("pid written");
    std::path::Path::new("/proc").join(pid.trim())
}

fn shell(script: &str) -> JobTemplate {
    JobTemplate::new(
        "prompt-proc",
        "unused-locally",
        vec!["sh".into(), "-c".into(), script.into()],
    )
}

#[tokio::test]
async fn exit_status_decides_the_phase() {
    let jobs = processes();
    let failing = jobs.create(&shell("exit 3")).await.expect("create");
    let failed = jobs
        .wait_for_phase(&failing, JobPhase::Failed)
        .await
        .expect("fails");
    assert_eq!(failed.exit_code, Some(3));

    let ok = jobs.create(&shell("exit 0")).await.expect("create");
    let done = jobs
        .wait_for_phase(&ok, JobPhase::Succeeded)
        .await
        .expect("succeeds");
    assert_eq!(done.exit_code, Some(0));
    let counts = jobs
        .counts(&ScaledJobSettings::default())
        .await
        .expect("counts");
    assert_eq!(counts.running, 0);
}

#[tokio::test]
async fn the_template_environment_and_job_name_reach_the_process() {
    let jobs = processes();
    let template = shell(r#"test "$LISTEN_TIMEOUT" = 900 && test -n "$JOB_NAME""#)
        .with_env("LISTEN_TIMEOUT", "900");
    let name = jobs.create(&template).await.expect("create");
    jobs.wait_for_phase(&name, JobPhase::Succeeded)
        .await
        .expect("env seen");

    let without = shell(r#"test "$LISTEN_TIMEOUT" = 900"#);
    let name = jobs.create(&without).await.expect("create");
    jobs.wait_for_phase(&name, JobPhase::Failed)
        .await
        .expect("env absent");
}

#[tokio::test]
async fn a_missing_program_fails_and_an_empty_command_is_rejected() {
    let jobs = processes();
    let template = JobTemplate::new("prompt-proc", "x", vec!["/nonexistent/worker".into()]);
    let name = jobs.create(&template).await.expect("create");
    let failed = jobs
        .wait_for_phase(&name, JobPhase::Failed)
        .await
        .expect("fails");
    assert_eq!(failed.exit_code, None);

    let empty = JobTemplate::new("prompt-proc", "x", vec![]);
    assert!(matches!(
        jobs.create(&empty).await,
        Err(JobsError::InvalidTemplate(_))
    ));
}

#[tokio::test]
async fn delete_terminates_the_process_group_and_waits_for_it() {
    let (dir, fifo) = pid_fifo();
    let marker = dir.path().join("terminated");
    let jobs = processes();
    // The shell records SIGTERM and exits; its background sleep is in the
    // same process group and gets the signal too.
    let script = format!(
        "trap 'echo term > \"{}\"; exit 7' TERM; sleep 1000 & echo $$ > '{}'; wait",
        marker.display(),
        fifo.display()
    );
    let name = jobs.create(&shell(&script)).await.expect("create");
    let proc_dir = read_pid(&fifo).await;
    assert!(proc_dir.exists(), "shell runs as {proc_dir:?}");
    assert_eq!(
        jobs.status(&name).map(|s| s.phase()),
        Some(JobPhase::Running)
    );

    let asked = std::time::Instant::now();
    jobs.delete(&name).await.expect("delete");
    assert!(
        asked.elapsed() < LocalConfig::DEFAULT_GRACE,
        "the shell exits on SIGTERM, well before the grace period"
    );
    assert!(!proc_dir.exists(), "{proc_dir:?} still exists after delete");
    assert_eq!(
        std::fs::read_to_string(&marker).expect("trap ran").trim(),
        "term"
    );
    assert!(jobs.list().await.expect("list").is_empty());
}

#[tokio::test]
async fn a_process_ignoring_sigterm_is_killed_after_the_grace_period() {
    let (_dir, fifo) = pid_fifo();
    let grace = Duration::from_millis(200);
    let jobs = processes_with_grace(grace);
    let script = format!(
        "trap '' TERM; echo $$ > '{}'; exec sleep 1000",
        fifo.display()
    );
    let name = jobs.create(&shell(&script)).await.expect("create");
    let proc_dir = read_pid(&fifo).await;
    assert!(proc_dir.exists(), "sleep runs as {proc_dir:?}");

    let asked = std::time::Instant::now();
    jobs.delete(&name).await.expect("delete");
    assert!(
        asked.elapsed() >= grace,
        "killed only after the grace period"
    );
    assert!(!proc_dir.exists(), "{proc_dir:?} still exists after delete");
}
