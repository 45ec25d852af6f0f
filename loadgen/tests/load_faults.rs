//! Faults done for real in a load run on the embedded services: a broker
//! outage longer than the `rubin` profile's 1.2 s delivery timeout loses
//! alerts, the same outage under `safe` loses none; a Redis pause and a
//! worker crash are carried out and measured in the recovery section.

#![cfg(feature = "embedded-broker")]

use alertsim_loadgen::load::{LoadOptions, LoadOutcome, LoadPlan, ServiceFlags, Shard, run_load};
use alertsim_scenarios::{Fault, PublisherProfile, Scenario, catalog};

fn smoke(profile: PublisherProfile, faults: Vec<Fault>) -> Scenario {
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario.publisher.profile = profile;
    scenario.faults = faults;
    scenario
}

/// Load runs take this lock so that they run one at a time: each starts a
/// broker, a redis-server and a registry, and two at once on two cores
/// make each other's timings (and a 1.2 s delivery timeout) a matter of
/// luck.
static ONE_RUN_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn run(scenario: &Scenario) -> LoadOutcome {
    let _turn = ONE_RUN_AT_A_TIME.lock().await;
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = LoadOptions {
        services: ServiceFlags::default(),
        time_scale: 10.0,
        shard: Shard::WHOLE,
        topic: None,
        subject: "alerts-value".into(),
        spool_dir: spool.path().to_path_buf(),
        jobs: alertsim_loadgen::load::JobBackend::Task,
    };
    run_load(scenario, &options, |_| {}, std::future::pending())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The broker is down from 40 s to 120 s: visits 2 and 3 are processed
/// while it is (8 s of wall time at time scale 10).
fn broker_outage() -> Vec<Fault> {
    vec![Fault::BrokerOutage {
        at_s: 40.0,
        duration_s: 80.0,
        brokers: 1,
    }]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_outage_loses_alerts_under_rubin_and_none_under_safe() {
    let rubin = run(&smoke(PublisherProfile::Rubin, broker_outage())).await;
    let planned = LoadPlan::new(&rubin.report.config, Shard::WHOLE)
        .expect("the scenario has a plan")
        .total_alerts();
    assert!(rubin.faults.iter().all(|f| f.applied), "{:?}", rubin.faults);
    let r = &rubin.report;
    assert!(r.alerts.lost > 0, "rubin lost nothing: {:?}", r.alerts);
    assert_eq!(r.alerts.produced, r.alerts.delivered + r.alerts.lost);
    assert_eq!(r.recovery.len(), 1);
    assert_eq!(r.recovery[0].fault, "broker_outage");
    assert!(r.recovery[0].alerts_lost > 0, "{:?}", r.recovery[0]);
    assert!(!r.gates.passed, "losing alerts fails the lost_alerts gate");

    let safe = run(&smoke(PublisherProfile::Safe, broker_outage())).await;
    let s = &safe.report;
    assert!(safe.faults.iter().all(|f| f.applied), "{:?}", safe.faults);
    assert_eq!(s.alerts.lost, 0, "{:?}", s.alerts);
    assert_eq!(s.alerts.delivered, planned, "{:?}", s.alerts);
    assert_eq!(s.recovery[0].alerts_lost, 0);
    // Delivery waited for the broker: the latest alert is at least as late
    // as the outage's end after the readout of a visit caught in it.
    assert!(s.latency_s.max > 30.0, "max latency {}", s.latency_s.max);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_pause_and_worker_crash_are_done_and_measured() {
    let faults = vec![
        Fault::RedisOutage {
            at_s: 45.0,
            duration_s: 30.0,
        },
        Fault::WorkerCrash {
            at_s: 120.0,
            pods: 3,
        },
    ];
    let outcome = run(&smoke(PublisherProfile::Safe, faults)).await;
    assert_eq!(outcome.faults.len(), 2);
    assert!(
        outcome.faults.iter().all(|f| f.applied),
        "{:?}",
        outcome.faults
    );
    // The crash happened: busy workers were crashed (a crash of none is
    // reported as not applied, so `applied` alone says so; the note counts).
    let crashed: u32 = outcome.faults[1]
        .note
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!((1..=3).contains(&crashed), "{:?}", outcome.faults[1]);
    let r = &outcome.report;
    assert_eq!(r.recovery.len(), 2);
    assert_eq!(r.recovery[0].fault, "redis_outage");
    assert_eq!(r.recovery[1].fault, "worker_crash");
    // Every alert is accounted for: delivered, lost with a crashed pod, or
    // never produced because its detector failed.
    assert_eq!(r.alerts.produced, r.alerts.delivered + r.alerts.lost);
    assert!(r.alerts.produced > 0);
}
