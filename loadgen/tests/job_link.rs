//! The Redis link between a load run and its out-of-process workers, on a
//! real redis-server: counters and business reach the run, crash orders
//! reach the worker, recorders come back at exit, a worker that never
//! exits is named, and the run leaves no key behind.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alertsim_loadgen::RedisServer;
use alertsim_loadgen::load::job_link::{JobLinkKeys, RunLink, WorkerReporter};
use alertsim_loadgen::load::state::{Counters, RunState};
use alertsim_loadgen::load::{Endpoints, LoadClock, LoadPlan, Shard};
use alertsim_scenarios::Scenario;

fn state(redis: &str) -> Arc<RunState> {
    let scenario = Scenario::resolve("smoke", &[]).expect("smoke scenario");
    let plan = LoadPlan::new(&scenario, Shard::WHOLE).expect("smoke has a plan");
    let endpoints = Endpoints {
        redis: redis.to_owned(),
        kafka: "unused:9092".into(),
        registry: "http://unused".into(),
        topic: "t".into(),
        subject: "alert-packet".into(),
        stream: "instrument:lsstcam:alertsim-load-test".into(),
        group: "g".into(),
        spool_dir: PathBuf::from("unused"),
    };
    RunState::new(scenario, plan, LoadClock::start(1.0), endpoints)
}

#[tokio::test]
async fn workers_report_obey_crash_orders_and_hand_in_their_recorders() {
    let server = RedisServer::start().expect("redis-server starts");
    let url = server.url();
    let run = state(&url);
    let keys = JobLinkKeys::for_stream(&run.endpoints.stream);
    let mut link = RunLink::open(&url, keys.clone()).await.expect("link opens");

    let worker = state(&url);
    let mut reporter = WorkerReporter::start(&url, keys.clone(), "job-a".into())
        .await
        .expect("worker reports");
    for _ in 0..5 {
        Counters::bump(&worker.counters.alerts_handed);
    }
    for _ in 0..3 {
        Counters::bump(&worker.counters.alerts_settled);
        Counters::bump(&worker.counters.alerts_delivered);
    }
    worker.set_busy("job-a", true);
    worker.recorder().alert_delivered(0, 1_000, 1.5);
    reporter.report(&worker).await.expect("report");
    // A second report adds only what is new.
    Counters::bump(&worker.counters.alerts_settled);
    reporter.report(&worker).await.expect("report");

    link.sync(&run).await.expect("sync");
    assert_eq!(Counters::get(&run.counters.alerts_handed), 5);
    assert_eq!(Counters::get(&run.counters.alerts_settled), 4);
    assert_eq!(Counters::get(&run.counters.alerts_delivered), 3);
    assert_eq!(run.counters.alerts_in_flight(), 1);
    assert_eq!(run.busy_jobs(), vec!["job-a".to_owned()]);

    // A fault crashes the busy worker: the order travels through Redis.
    run.crash("job-a");
    link.sync(&run).await.expect("sync");
    assert!(worker.crashed_jobs().is_empty());
    reporter.report(&worker).await.expect("report");
    assert_eq!(worker.crashed_jobs(), vec!["job-a".to_owned()]);

    // A second worker starts and never exits.
    let _stuck = WorkerReporter::start(&url, keys.clone(), "job-b".into())
        .await
        .expect("second worker");
    worker.set_busy("job-a", false);
    reporter.finish(&worker).await.expect("hand in");
    let missing = link
        .wait_for_exits(Duration::from_millis(300))
        .await
        .expect("exits");
    assert_eq!(missing, vec!["job-b".to_owned()]);

    link.sync(&run).await.expect("sync");
    assert!(run.busy_jobs().is_empty(), "the exited worker is not busy");
    let recorders = link.recorders().await.expect("recorders");
    assert_eq!(recorders.len(), 1);
    let mut merged = run.recorder().clone();
    merged.merge(&recorders[0]).expect("merges");
    let report = merged.finish(&run.scenario, 100.0);
    assert_eq!(report.alerts.delivered, 1);
    // The worker's delivery falls in the first interval of the series,
    // not outside it.
    assert!(
        report.throughput.peak_alerts_per_s > 0.0,
        "{:?}",
        report.series.delivered_per_s
    );

    link.remove().await.expect("remove");
    let mut conn = server
        .client()
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    let pattern = format!("{}:jobs:*", run.endpoints.stream);
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(left.is_empty(), "left behind: {left:?}");
}
