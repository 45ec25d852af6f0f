//! The setup of a drill on the local Apache Kafka 4.1.0 cluster: `smoke`
//! on 3 brokers (the topic at 45 partitions, RF 3, min ISR 2) with the
//! drill's faults, run by `alertsim load` at time scale 10 on a cluster
//! of its own (its faults stop, slow or fill that cluster's brokers), with
//! one line printed of what the run did; and the check every `safe` drill
//! makes, that the whole plan was delivered.

use alertsim_loadgen::ClusterConfig;
use alertsim_loadgen::load::{LoadOptions, LoadOutcome, LoadPlan, ServiceFlags, Shard, run_load};
use alertsim_scenarios::{Fault, PublisherProfile, Scenario, catalog};

/// Scenario seconds per wall second.
pub const TIME_SCALE: f64 = 10.0;

/// `smoke` on 3 brokers under `profile` with `faults`.
pub fn smoke(profile: PublisherProfile, faults: Vec<Fault>) -> Scenario {
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario.publisher.profile = profile;
    scenario.kafka.brokers = 3;
    scenario.faults = faults;
    scenario
}

/// `scenario` run at [`TIME_SCALE`] on a Kafka cluster started for it.
pub async fn run_on_own_cluster(scenario: &Scenario) -> LoadOutcome {
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = LoadOptions {
        services: ServiceFlags {
            kafka_cluster: Some(ClusterConfig::default()),
            ..ServiceFlags::default()
        },
        time_scale: TIME_SCALE,
        shard: Shard::WHOLE,
        topic: None,
        subject: "alerts-value".into(),
        spool_dir: spool.path().to_path_buf(),
        jobs: alertsim_loadgen::load::JobBackend::Task,
        metrics: None,
    };
    let started = std::time::Instant::now();
    let outcome = run_load(scenario, &options, |_| {}, std::future::pending())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{:?} with {} fault(s): {:.0} s wall (the cluster's start included); alerts {:?}; \
         saturated {}; faults {:?}",
        scenario.publisher.profile,
        scenario.faults.len(),
        started.elapsed().as_secs_f64(),
        outcome.report.alerts,
        outcome.generator.verdict.saturated,
        outcome.faults
    );
    outcome
}

/// Asserts that the run produced every alert of its plan, delivered every
/// one and lost none (what `safe` owes through any of the drills); returns
/// the planned count.
pub fn assert_all_delivered(outcome: &LoadOutcome) -> u64 {
    let r = &outcome.report;
    let planned = LoadPlan::new(&r.config, Shard::WHOLE)
        .expect("the scenario has a plan")
        .total_alerts();
    assert_eq!(r.alerts.lost, 0, "{:?}", r.alerts);
    assert_eq!(r.alerts.produced, planned, "{:?}", r.alerts);
    assert_eq!(r.alerts.delivered, r.alerts.produced, "{:?}", r.alerts);
    planned
}
