//! Workers against a real redis-server: the lag rises with fan-out (189
//! events per visit) and falls as workers consume; a worker killed in the
//! middle of a detector loses nothing in ack-after-processing mode (another
//! worker reclaims the entry) and loses that detector in Rubin's
//! ack-before-processing mode. Synchronised on the processors' channels.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use alertsim_core::fanout::{consumer_group, fan_out, lsstcam_detectors, stream_key};
use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_core::worker::{AckMode, Delivery, ExitReason, WorkerConfig};
use alertsim_drivers::fanout::{create_group, write_events};
use alertsim_drivers::lag::read_metric;
use alertsim_drivers::worker::{WorkerReport, WorkerSettings, run_worker};
use alertsim_integration::{TestResult, command, redis_with_connection, visit_now};
use redis::aio::MultiplexedConnection;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

const INSTRUMENT: &str = "LSSTCam";

fn config(ack_mode: AckMode) -> WorkerConfig {
    WorkerConfig {
        ack_mode,
        restart_after: 0,
        listen_timeout: Duration::from_millis(300),
        message_expiration: Duration::from_secs(3600),
        claim_min_idle: Duration::from_millis(100),
        empty_read_pause: Duration::from_millis(5),
        redis_retry: Duration::from_millis(50),
        redis_retries: 1,
    }
}

fn settings(ack_mode: AckMode) -> WorkerSettings {
    WorkerSettings::new(
        stream_key(INSTRUMENT),
        consumer_group(INSTRUMENT),
        config(ack_mode),
    )
}

/// Spawns a worker whose processor reports each delivery on `tx`.
fn spawn_recording_worker(
    conn: &MultiplexedConnection,
    ack_mode: AckMode,
    tx: mpsc::UnboundedSender<Delivery>,
) -> JoinHandle<WorkerReport> {
    let processor = move |delivery: Delivery| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(delivery);
        }
    };
    tokio::spawn(run_worker(conn.clone(), settings(ack_mode), processor))
}

/// Spawns a worker that reports its first delivery on `started` and then
/// never finishes processing it: it is "killed mid-detector" by aborting.
fn spawn_stuck_worker(
    conn: &MultiplexedConnection,
    ack_mode: AckMode,
    started: mpsc::UnboundedSender<Delivery>,
) -> JoinHandle<WorkerReport> {
    let processor = move |delivery: Delivery| {
        let started = started.clone();
        async move {
            let _ = started.send(delivery);
            std::future::pending::<()>().await;
        }
    };
    tokio::spawn(run_worker(conn.clone(), settings(ack_mode), processor))
}

/// Starts a worker, lets it read one entry, then kills it mid-detector
/// (aborts its task before it finishes processing); returns that entry.
async fn kill_a_worker_mid_detector(
    conn: &MultiplexedConnection,
    ack_mode: AckMode,
) -> TestResult<Delivery> {
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let doomed = spawn_stuck_worker(conn, ack_mode, started_tx);
    let in_flight = started_rx.recv().await.ok_or("stuck worker read nothing")?;
    doomed.abort();
    assert!(
        doomed.await.is_err_and(|e| e.is_cancelled()),
        "worker killed"
    );
    Ok(in_flight)
}

/// Spawns `n` recording workers sharing one channel, which closes once all
/// of them have exited.
fn spawn_survivors(
    conn: &MultiplexedConnection,
    ack_mode: AckMode,
    n: usize,
) -> (
    Vec<JoinHandle<WorkerReport>>,
    mpsc::UnboundedReceiver<Delivery>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let workers = (0..n)
        .map(|_| spawn_recording_worker(conn, ack_mode, tx.clone()))
        .collect();
    (workers, rx)
}

async fn setup(
    visits: i64,
) -> TestResult<(
    alertsim_loadgen::RedisServer,
    MultiplexedConnection,
    BTreeSet<String>,
)> {
    let (server, mut conn) = redis_with_connection().await?;
    create_group(
        &mut conn,
        &stream_key(INSTRUMENT),
        &consumer_group(INSTRUMENT),
    )
    .await?;
    let mut ids = BTreeSet::new();
    for n in 0..visits {
        ids.extend(
            write_events(
                &mut conn,
                &fan_out(&visit_now(INSTRUMENT, n), &lsstcam_detectors()),
            )
            .await?,
        );
    }
    Ok((server, conn, ids))
}

fn lag_query() -> StreamQuery {
    StreamQuery::from_trigger(
        stream_key(INSTRUMENT),
        Some(consumer_group(INSTRUMENT)),
        1,
        NullLag::Zero,
    )
}

async fn pending_count(conn: &mut MultiplexedConnection) -> TestResult<i64> {
    let summary: redis::Value = command(
        conn,
        &[
            "XPENDING",
            &stream_key(INSTRUMENT),
            &consumer_group(INSTRUMENT),
        ],
    )
    .await?;
    match summary {
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::Int(n)) => Ok(*n),
            other => Err(format!("unexpected XPENDING count {other:?}").into()),
        },
        other => Err(format!("unexpected XPENDING reply {other:?}").into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_rises_with_fan_out_and_falls_as_workers_consume() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let stream = stream_key(INSTRUMENT);
    create_group(&mut conn, &stream, &consumer_group(INSTRUMENT)).await?;
    let query = lag_query();

    // Rises: 189 per visit.
    let mut lags = Vec::new();
    for n in 0..2 {
        write_events(
            &mut conn,
            &fan_out(&visit_now(INSTRUMENT, n), &lsstcam_detectors()),
        )
        .await?;
        lags.push(read_metric(&mut conn, &query).await?.value);
    }
    assert_eq!(lags, [189, 378]);

    // Falls: three workers, each detector gated by a permit the test hands out.
    let permits = Arc::new(Semaphore::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let permits = permits.clone();
            let tx = tx.clone();
            let processor = move |delivery: Delivery| {
                let permits = permits.clone();
                let tx = tx.clone();
                async move {
                    if let Ok(permit) = permits.acquire().await {
                        permit.forget();
                    }
                    let _ = tx.send(delivery);
                }
            };
            tokio::spawn(run_worker(
                conn.clone(),
                settings(AckMode::BeforeProcessing),
                processor,
            ))
        })
        .collect();
    drop(tx);

    let total = 378usize;
    let mut processed = 0usize;
    let mut seen = BTreeSet::new();
    let mut previous = 378;
    for batch in [50usize, 100, 100, 128] {
        permits.add_permits(batch);
        for _ in 0..batch {
            let delivery = rx.recv().await.ok_or("workers stopped early")?;
            assert!(seen.insert(delivery.id), "delivered twice");
            processed += 1;
        }
        let lag = read_metric(&mut conn, &query).await?.value;
        let remaining = i64::try_from(total - processed)?;
        // Each of the 3 workers may hold one more entry, read but unprocessed.
        assert!(
            lag <= remaining && lag >= remaining - 3,
            "lag {lag} after {processed}"
        );
        assert!(lag < previous, "lag falls: {previous} -> {lag}");
        previous = lag;
    }
    assert_eq!(previous, 0);

    let mut handled = 0;
    for worker in workers {
        let report = worker.await?;
        assert_eq!(
            (report.exit_code, &report.reason),
            (0, &ExitReason::ListenTimeout)
        );
        handled += report.stats.processed;
    }
    assert_eq!(handled, 378);
    assert!(rx.recv().await.is_none(), "no extra deliveries");
    eprintln!(
        "lag fell 378 -> 0 over {} processed events, 3 workers",
        seen.len()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_after_processing_loses_nothing_when_a_worker_is_killed() -> TestResult {
    let (_server, mut conn, ids) = setup(1).await?;

    let in_flight = kill_a_worker_mid_detector(&conn, AckMode::AfterProcessing).await?;
    assert_eq!(
        pending_count(&mut conn).await?,
        1,
        "its entry is left pending, unacked"
    );

    let (survivors, mut rx) = spawn_survivors(&conn, AckMode::AfterProcessing, 2);

    let mut processed = BTreeSet::new();
    let mut deliveries = 0;
    let mut reclaimed = Vec::new();
    while processed.len() < ids.len() {
        let d = rx
            .recv()
            .await
            .ok_or("survivors stopped before processing everything")?;
        deliveries += 1;
        if d.reclaimed {
            reclaimed.push(d.id.to_string());
        }
        processed.insert(d.id.to_string());
    }
    for worker in survivors {
        let report = worker.await?;
        assert_eq!(report.exit_code, 0);
    }
    assert!(rx.recv().await.is_none());

    assert_eq!(processed, ids, "every event processed at least once");
    assert_eq!(
        reclaimed,
        vec![in_flight.id.to_string()],
        "the killed worker's entry was reclaimed"
    );
    assert_eq!(pending_count(&mut conn).await?, 0);
    assert_eq!(read_metric(&mut conn, &lag_query()).await?.value, 0);
    eprintln!(
        "ack-after: 189 events, killed worker's {} reclaimed, {} deliveries after the kill, 0 lost",
        in_flight.id, deliveries
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_before_processing_loses_the_killed_workers_detector() -> TestResult {
    let (_server, mut conn, ids) = setup(1).await?;

    let in_flight = kill_a_worker_mid_detector(&conn, AckMode::BeforeProcessing).await?;
    assert_eq!(
        pending_count(&mut conn).await?,
        0,
        "Rubin acked before processing"
    );

    let (survivors, mut rx) = spawn_survivors(&conn, AckMode::BeforeProcessing, 2);

    let mut processed = BTreeSet::new();
    while let Some(d) = rx.recv().await {
        assert!(!d.reclaimed);
        processed.insert(d.id.to_string());
    }
    // The channel closes when both survivors have exited (listen timeout).
    for worker in survivors {
        let report = worker.await?;
        assert_eq!(
            (report.exit_code, report.reason),
            (0, ExitReason::ListenTimeout)
        );
    }
    let lost: Vec<&String> = ids.difference(&processed).collect();
    assert_eq!(
        lost,
        vec![&in_flight.id.to_string()],
        "exactly the in-flight detector is lost"
    );
    assert_eq!(processed.len(), 188);
    assert_eq!(
        read_metric(&mut conn, &lag_query()).await?.value,
        0,
        "and the lag says all is done"
    );
    eprintln!(
        "ack-before: 189 events, 188 processed, 1 lost ({})",
        in_flight.id
    );
    Ok(())
}
