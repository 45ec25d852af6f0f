//! How the worker driver ends against a real redis-server: exit 1 when Redis
//! goes away, on past a Redis restarted within its retry delay, exit 1 on SIGTERM with the in-flight entry left pending in
//! ack-after mode, and exit 0 after WORKER_RESTART_FREQ messages; and how
//! it goes on past entries the machine skips (expired, malformed).

use std::time::Duration;

use alertsim_core::fanout::{consumer_group, fan_out, stream_key};
use alertsim_core::worker::{AckMode, Delivery, ExitReason, WorkerConfig};
use alertsim_drivers::fanout::{create_group, write_events};
use alertsim_drivers::worker::{WorkerSettings, run_worker, run_worker_until};
use alertsim_integration::{TestResult, command, redis_with_connection, visit_now};
use alertsim_loadgen::RedisServer;
use tokio::sync::{mpsc, oneshot};

const INSTRUMENT: &str = "LSSTCam";

fn settings(ack_mode: AckMode, restart_after: u32) -> WorkerSettings {
    let config = WorkerConfig {
        ack_mode,
        restart_after,
        listen_timeout: Duration::from_secs(60),
        message_expiration: Duration::from_secs(3600),
        claim_min_idle: Duration::from_secs(60),
        empty_read_pause: Duration::from_millis(5),
        redis_retry: Duration::from_millis(50),
        redis_retries: 1,
    };
    WorkerSettings::new(stream_key(INSTRUMENT), consumer_group(INSTRUMENT), config)
}

#[tokio::test]
async fn redis_going_away_exits_with_1() -> TestResult {
    let (server, mut conn) = redis_with_connection().await?;
    create_group(
        &mut conn,
        &stream_key(INSTRUMENT),
        &consumer_group(INSTRUMENT),
    )
    .await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    let processor = move |d: Delivery| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    };
    let worker = tokio::spawn(run_worker(
        conn.clone(),
        settings(AckMode::BeforeProcessing, 0),
        processor,
    ));
    // Make sure the worker is in its loop: it processes one detector.
    write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 1), &[0])).await?;
    rx.recv().await.ok_or("worker never processed")?;
    drop(server);
    let report = worker.await?;
    assert_eq!(report.exit_code, 1);
    assert!(
        matches!(report.reason, ExitReason::Redis(_)),
        "{:?}",
        report.reason
    );
    assert_eq!(report.stats.processed, 1);
    Ok(())
}

/// Rubin's worker retries a failed command once after `REDIS_RETRY_DELAY`
/// on a new connection: a Redis pod that crashed and came back (empty,
/// the fan-out writing again) within that delay costs no worker.
#[tokio::test]
async fn a_redis_restarted_within_the_retry_delay_costs_no_worker() -> TestResult {
    let mut server = RedisServer::start()?;
    let client = server.client()?;
    let (stream, group) = (stream_key(INSTRUMENT), consumer_group(INSTRUMENT));
    let mut conn = client.get_multiplexed_async_connection().await?;
    create_group(&mut conn, &stream, &group).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    let processor = move |d: Delivery| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    };
    let mut s = settings(AckMode::BeforeProcessing, 0);
    s.config.redis_retry = Duration::from_secs(5);
    let worker = tokio::spawn(run_worker(
        client.get_connection_manager().await?,
        s,
        processor,
    ));
    write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 1), &[0])).await?;
    rx.recv().await.ok_or("worker never processed")?;

    server.restart()?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    create_group(&mut conn, &stream, &group).await?;
    write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 2), &[1])).await?;
    let second = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .map_err(|_| "no second detector within 30 s: the worker did not come back")?
        .ok_or("the worker exited")?;
    assert_eq!(second.event.detector, 1);
    assert!(!worker.is_finished(), "the worker exited");
    worker.abort();
    Ok(())
}

#[tokio::test]
async fn sigterm_mid_detector_exits_1_and_leaves_the_entry_pending() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let stream = stream_key(INSTRUMENT);
    let group = consumer_group(INSTRUMENT);
    create_group(&mut conn, &stream, &group).await?;
    write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 1), &[4])).await?;

    let (started_tx, started_rx) = oneshot::channel::<String>();
    let mut started_tx = Some(started_tx);
    let processor = move |d: Delivery| {
        let tx = started_tx.take();
        async move {
            if let Some(tx) = tx {
                let _ = tx.send(d.id.to_string());
            }
            std::future::pending::<()>().await;
        }
    };
    let (term_tx, term_rx) = oneshot::channel::<()>();
    let mut worker_conn = conn.clone();
    let worker = tokio::spawn(async move {
        let terminate = async move {
            let _ = term_rx.await;
        };
        run_worker_until(
            &mut worker_conn,
            settings(AckMode::AfterProcessing, 0),
            processor,
            terminate,
        )
        .await
    });
    let in_flight = started_rx.await?;
    term_tx.send(()).map_err(|()| "worker gone")?;
    let report = worker.await?;
    assert_eq!(
        (report.exit_code, report.reason),
        (1, ExitReason::Terminated)
    );

    let pending: redis::Value =
        command(&mut conn, &["XPENDING", &stream, &group, "-", "+", "10"]).await?;
    let text = format!("{pending:?}");
    assert!(
        text.contains(&in_flight),
        "entry {in_flight} still pending: {text}"
    );
    Ok(())
}

#[tokio::test]
async fn restart_frequency_ends_the_worker_normally() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    create_group(
        &mut conn,
        &stream_key(INSTRUMENT),
        &consumer_group(INSTRUMENT),
    )
    .await?;
    let detectors: Vec<u32> = (0..25).collect();
    write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 1), &detectors)).await?;
    // Rubin's prod setting: each Job handles 10 messages, so 25 take 3 Jobs,
    // the last one ending on its listen timeout.
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let mut s = settings(AckMode::BeforeProcessing, 10);
        s.config.listen_timeout = Duration::from_millis(200);
        let report = run_worker(conn.clone(), s, |_d: Delivery| async {}).await;
        outcomes.push((report.exit_code, report.reason, report.stats.processed));
    }
    assert_eq!(
        outcomes,
        [
            (0, ExitReason::RestartFrequency, 10),
            (0, ExitReason::RestartFrequency, 10),
            (0, ExitReason::ListenTimeout, 5),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn expired_and_malformed_entries_are_skipped_acked_and_passed() -> TestResult {
    for mode in [AckMode::BeforeProcessing, AckMode::AfterProcessing] {
        let (_server, mut conn) = redis_with_connection().await?;
        let (stream, group) = (stream_key(INSTRUMENT), consumer_group(INSTRUMENT));
        create_group(&mut conn, &stream, &group).await?;
        let mut old = visit_now(INSTRUMENT, 1);
        old.private_snd_stamp -= 7200.0;
        write_events(&mut conn, &fan_out(&old, &[1])).await?;
        let _: String = command(&mut conn, &["XADD", &stream, "*", "detector", "x"]).await?;
        let fresh = write_events(&mut conn, &fan_out(&visit_now(INSTRUMENT, 2), &[2])).await?;

        let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
        let processor = move |d: Delivery| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        };
        let report = run_worker(conn.clone(), settings(mode, 1), processor).await;
        assert_eq!(
            (report.exit_code, report.reason.clone()),
            (0, ExitReason::RestartFrequency),
            "{mode:?}"
        );
        assert_eq!(
            (
                report.stats.expired,
                report.stats.invalid,
                report.stats.processed
            ),
            (1, 1, 1),
            "{mode:?}: {:?}",
            report.stats
        );
        let processed = rx.recv().await.ok_or("nothing processed")?;
        assert_eq!(vec![processed.id.to_string()], fresh, "{mode:?}");
        let summary: redis::Value = command(&mut conn, &["XPENDING", &stream, &group]).await?;
        assert!(
            matches!(&summary, redis::Value::Array(parts) if parts.first() == Some(&redis::Value::Int(0))),
            "{mode:?}: skipped entries are acknowledged: {summary:?}"
        );
    }
    Ok(())
}
