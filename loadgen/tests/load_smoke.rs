//! `run_load` end to end on the embedded services (tansu broker, a spawned
//! redis-server, the in-process registry): every planned alert is
//! produced, delivered and received by every consumer, and the report
//! counts agree with what the consumers read.

#![cfg(feature = "embedded-broker")]

use alertsim_loadgen::load::{LoadOptions, LoadPlan, ServiceFlags, Shard, run_load};
use alertsim_scenarios::{PublisherProfile, catalog};

fn options(spool: &std::path::Path, shard: Shard) -> LoadOptions {
    LoadOptions {
        services: ServiceFlags::default(),
        time_scale: 20.0,
        shard,
        topic: None,
        subject: "alerts-value".into(),
        spool_dir: spool.to_path_buf(),
        jobs: alertsim_loadgen::load::JobBackend::Task,
        metrics: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_delivers_every_planned_alert_to_every_consumer() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    // The `safe` profile: the `rubin` profile's 1.2 s delivery timeout
    // loses alerts whenever a debug-built broker on a busy machine is slow.
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario.publisher.profile = PublisherProfile::Safe;
    let planned = LoadPlan::new(&scenario, Shard::WHOLE)
        .expect("the scenario has a plan")
        .total_alerts();
    assert!(planned > 0);
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outcome = run_load(
        &scenario,
        &options(spool.path(), Shard::WHOLE),
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let r = &outcome.report;
    assert!(!outcome.interrupted && !outcome.truncated && !r.partial);
    assert_eq!(r.alerts.produced, planned, "produced");
    assert_eq!(r.alerts.delivered, planned, "delivered");
    assert_eq!(r.alerts.lost, 0);
    assert_eq!(outcome.consumed, vec![planned; scenario.consumers.len()]);
    for c in &r.consumers {
        assert_eq!(c.received, planned, "consumer {}", c.name);
        assert!(c.latency_s.p50 > 0.0);
    }
    assert_eq!(r.visits, u64::from(scenario.night.visits));
    let w = &outcome.rates;
    assert_eq!(w.handed_to_producer.alerts, planned);
    assert_eq!(w.acknowledged.alerts, planned);
    assert_eq!(w.consumed.alerts, planned);
    for stage in [w.handed_to_producer, w.acknowledged, w.consumed] {
        assert!(
            stage.peak_per_s >= stage.mean_per_s && stage.mean_per_s > 0.0,
            "{w:?}"
        );
    }
    assert!(r.jobs.created > 0);
    // Processing starts at the readout at the earliest and takes 6 s per
    // detector in smoke (5 + 0.02 x 50): no alert is faster than that.
    assert!(r.latency_s.p50 >= 6.0, "p50 {}", r.latency_s.p50);
    assert!(r.latency_s.p50 <= r.latency_s.max);
}
