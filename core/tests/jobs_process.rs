//! The local Job runtime running child processes: exit status to phase,
//! environment, and deletion killing the process.

use std::time::Duration;

use alertsim_core::jobs::local::{LocalConfig, LocalRuntime, LocalWorkload};
use alertsim_core::jobs::{JobPhase, JobRuntime, JobTemplate, JobsError, PendingRule};

fn processes() -> LocalRuntime {
    LocalRuntime::new(
        "prompt-proc",
        LocalConfig {
            startup_delay: Duration::ZERO,
            workload: LocalWorkload::Process,
        },
    )
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
        .counts(&PendingRule::default_rule())
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
async fn delete_kills_and_reaps_the_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pid");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());

    let jobs = processes();
    let script = format!("echo $$ > '{}'; exec sleep 1000", fifo.display());
    let name = jobs.create(&shell(&script)).await.expect("create");
    // Opening the FIFO for reading waits for the shell to write its pid.
    let pid = tokio::fs::read_to_string(&fifo).await.expect("pid written");
    let proc_dir = std::path::Path::new("/proc").join(pid.trim());
    assert!(proc_dir.exists(), "sleep runs as {proc_dir:?}");
    assert_eq!(
        jobs.status(&name).map(|s| s.phase()),
        Some(JobPhase::Running)
    );

    jobs.delete(&name).await.expect("delete");
    assert!(
        !proc_dir.exists(),
        "process {} still exists after delete",
        pid.trim()
    );
    assert!(jobs.list().await.expect("list").is_empty());
}
