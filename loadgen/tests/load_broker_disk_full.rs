//! `broker_disk_full` done for real on a local Apache Kafka 4.1.0 cluster
//! (3 brokers, a controller; the topic at 45 partitions, RF 3, min ISR 2)
//! whose brokers' data directories are size-limited tmpfs mounts (the run
//! mounts them because the scenario has the fault): from 50 s to 350 s of
//! `smoke` (30 s of wall time at time scale 10) every broker's disk is
//! filled until the kernel refuses writes, then freed, and the brokers that
//! exited are started again. Under `safe` (acks=all, retries without a
//! limit) nothing is lost: the writes wait for the brokers to be back.
//!
//! Mounting needs root. Where this process may not mount, the fault must be
//! skipped with a note saying so, and the run must still deliver
//! everything.

use alertsim_loadgen::ClusterConfig;
use alertsim_loadgen::kafka_cluster::disk;
use alertsim_loadgen::load::{LoadOptions, LoadPlan, ServiceFlags, Shard, run_load};
use alertsim_scenarios::{Fault, PublisherProfile, catalog};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_broker_disks_lose_nothing_under_safe() {
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario.publisher.profile = PublisherProfile::Safe;
    scenario.kafka.brokers = 3;
    scenario.faults = vec![Fault::BrokerDiskFull {
        at_s: 50.0,
        duration_s: 300.0,
    }];
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = LoadOptions {
        services: ServiceFlags {
            kafka_cluster: Some(ClusterConfig::default()),
            ..ServiceFlags::default()
        },
        time_scale: 10.0,
        shard: Shard::WHOLE,
        topic: None,
        subject: "alerts-value".into(),
        spool_dir: spool.path().to_path_buf(),
        jobs: alertsim_loadgen::load::JobBackend::Task,
        metrics: None,
    };
    let started = std::time::Instant::now();
    let outcome = run_load(&scenario, &options, |_| {}, std::future::pending())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let fault = &outcome.faults[0];
    eprintln!(
        "{:.0} s wall (the cluster's start included); alerts {:?}; saturated {}; fault {fault:?}",
        started.elapsed().as_secs_f64(),
        outcome.report.alerts,
        outcome.generator.verdict.saturated,
    );
    match disk::probe() {
        Ok(()) => {
            assert!(fault.applied, "{fault:?}");
            assert!(
                fault.note.contains("512 MiB tmpfs") && fault.note.contains("then freed"),
                "{}",
                fault.note
            );
        }
        Err(why) => {
            eprintln!("this process may not mount: {why}");
            assert!(!fault.applied, "{fault:?}");
            assert!(fault.note.contains("CAP_SYS_ADMIN"), "{}", fault.note);
        }
    }
    let r = &outcome.report;
    let planned = LoadPlan::new(&r.config, Shard::WHOLE)
        .expect("the scenario has a plan")
        .total_alerts();
    assert_eq!(r.alerts.lost, 0, "{:?}", r.alerts);
    assert_eq!(r.alerts.produced, planned, "{:?}", r.alerts);
    assert_eq!(r.alerts.delivered, r.alerts.produced, "{:?}", r.alerts);
}
