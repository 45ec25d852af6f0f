//! The loadgen's Redis pipeline (fan-out, then a pool of production
//! workers) on a real redis-server, in both acknowledgement modes. The
//! ignored test is the larger measurement run:
//! `cargo test -p alertsim-integration --release --test pipeline -- --ignored --nocapture`.

use std::time::Duration;

use alertsim_core::fanout::lsstcam_detectors;
use alertsim_core::worker::{AckMode, Delivery, WorkerConfig};
use alertsim_integration::{TestResult, visit_now};
use alertsim_loadgen::{PipelinePlan, PipelineReport, RedisServer, run_pipeline};

fn plan(visits: i64, workers: usize, ack_mode: AckMode) -> PipelinePlan {
    PipelinePlan {
        instrument: "LSSTCam".into(),
        visits: (0..visits).map(|n| visit_now("LSSTCam", n)).collect(),
        detectors: lsstcam_detectors(),
        workers,
        worker: WorkerConfig {
            ack_mode,
            restart_after: 0,
            listen_timeout: Duration::from_millis(200),
            message_expiration: Duration::from_secs(3600),
            claim_min_idle: Duration::from_secs(30),
            empty_read_pause: Duration::from_millis(2),
            redis_retry: Duration::from_millis(50),
            redis_retries: 1,
        },
    }
}

async fn run(visits: i64, workers: usize, ack_mode: AckMode) -> TestResult<PipelineReport> {
    let server = RedisServer::start()?;
    let report = run_pipeline(&server.url(), plan(visits, workers, ack_mode), |_| {
        |_d: Delivery| async {}
    })
    .await?;
    eprintln!(
        "{ack_mode:?}: {} events, fan-out {:.1} ms ({:.0} XADD/s), drain {:.1} ms with {workers} workers ({:.0} events/s)",
        report.events_written,
        report.fan_out_time.as_secs_f64() * 1e3,
        report.events_written as f64 / report.fan_out_time.as_secs_f64().max(1e-9),
        report.drain_time.as_secs_f64() * 1e3,
        report.drain_rate(),
    );

    Ok(report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fanned_out_event_is_processed_once_in_both_modes() -> TestResult {
    for mode in [AckMode::BeforeProcessing, AckMode::AfterProcessing] {
        let report = run(2, 4, mode).await?;
        assert_eq!(report.events_written, 378);
        assert_eq!(report.lag_after_fan_out, 378);
        assert_eq!(report.events_processed, 378);
        assert_eq!(report.final_lag, 0);
        let per_worker: u64 = report.workers.iter().map(|w| w.stats.processed).sum();
        assert_eq!(per_worker, 378);
        assert!(report.workers.iter().all(|w| w.exit_code == 0));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement run; prints figures"]
async fn measure_twenty_visits() -> TestResult {
    for mode in [AckMode::AfterProcessing, AckMode::BeforeProcessing] {
        for workers in [1, 4, 16] {
            let report = run(20, workers, mode).await?;
            assert_eq!(report.events_processed, report.events_written);
        }
    }
    Ok(())
}
