//! The whole worker path on real services: a visit fanned out to a real
//! redis-server, the production worker reading it, the alert processor
//! generating each detector's alerts and publishing them through rdkafka to
//! the in-process broker; the topic read back and decoded.

use std::collections::BTreeMap;
use std::time::Duration;

use alertsim_core::alert::generate::{AlertGenerator, GeneratorConfig};
use alertsim_core::fanout::{consumer_group, fan_out, stream_key};
use alertsim_core::publish::Profile;
use alertsim_core::worker::{AckMode, ExitReason, WorkerConfig};
use alertsim_drivers::fanout::{create_group, write_events};
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig};
use alertsim_drivers::worker::{WorkerSettings, run_worker};
use alertsim_integration::cases::decode_all;
use alertsim_integration::kafka::{broker_with_topic, consume};
use alertsim_integration::{TestResult, redis_with_connection, visit_now};
use alertsim_loadgen::AlertProcessor;
use alertsim_loadgen::alert_processor::visit_number;

const INSTRUMENT: &str = "LSSTCam";
const TOPIC: &str = "lsst-alerts-v11";
const PER_DETECTOR: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_packages_and_publishes_every_fanned_out_detector() -> TestResult {
    let (_redis, mut conn) = redis_with_connection().await?;
    let broker = broker_with_topic(TOPIC, 2).await?;
    let stream = stream_key(INSTRUMENT);
    let group = consumer_group(INSTRUMENT);
    create_group(&mut conn, &stream, &group).await?;
    let visit = visit_now(INSTRUMENT, 1);
    let detectors = [3, 17, 94, 150, 188];
    write_events(&mut conn, &fan_out(&visit, &detectors)).await?;

    let spool = tempfile::tempdir()?;
    let publisher = AlertPublisher::new(&PublisherConfig {
        bootstrap: broker.bootstrap(),
        topic: TOPIC.to_owned(),
        profile: Profile::Rubin,
        schema_id: 1100,
        spool_dir: spool.path().to_owned(),
        overrides: Vec::new(),
    })?;
    let generator = AlertGenerator::new(GeneratorConfig::default(), 5)?;
    let mut processor = AlertProcessor::new(generator, publisher, PER_DETECTOR);
    let config = WorkerConfig {
        ack_mode: AckMode::BeforeProcessing,
        listen_timeout: Duration::from_millis(500),
        empty_read_pause: Duration::from_millis(5),
        ..WorkerConfig::rubin()
    };
    let report = run_worker(
        conn.clone(),
        WorkerSettings::new(&stream, &group, config),
        &mut processor,
    )
    .await;
    assert_eq!(report.reason, ExitReason::ListenTimeout, "{report:?}");
    assert_eq!(report.exit_code, 0);
    let stats = processor.stats();
    assert_eq!((stats.detectors, stats.alerts, stats.errors), (5, 60, 0));
    let summary = processor.publisher_mut().finish().await?;
    drop(processor);
    assert_eq!(
        (summary.delivered, summary.lost, summary.spooled),
        (60, 0, 0)
    );

    let consumed = consume(&broker.bootstrap(), TOPIC, Duration::from_secs(3)).await?;
    assert_eq!(consumed.len(), 60);
    let seen = decode_all(&consumed, 1100)?;
    assert_eq!(seen.len(), 60, "distinct diaSourceIds");
    let mut per_detector: BTreeMap<i32, usize> = BTreeMap::new();
    for message in &consumed {
        let alert = alertsim_core::alert::wire::decode_alert_message(&message.payload)?;
        assert_eq!(alert.dia_source.visit, visit_number(visit.start_time));
        *per_detector.entry(alert.dia_source.detector).or_default() += 1;
    }
    let expected: BTreeMap<i32, usize> = detectors
        .iter()
        .map(|&d| (d as i32, PER_DETECTOR))
        .collect();
    assert_eq!(per_detector, expected);
    Ok(())
}
