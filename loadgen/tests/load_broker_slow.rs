//! `broker_slow` done for real on a local Apache Kafka 4.1.0 cluster (3
//! brokers, a controller; the topic at 45 partitions, RF 3, min ISR 2)
//! whose client listeners are behind Toxiproxy (started because the
//! scenario has the fault): `smoke` under `safe` at time scale 10, once
//! without a fault and once with every broker slowed by +500 ms per
//! response (5 scenario seconds at that scale) and half the scenario's
//! broker bandwidth through the whole night. `safe` (acks=all, retries
//! without a limit) loses nothing. Each visit's publish stage holds at
//! least one produce round trip, so its median is at least the added
//! latency, and above a run's without the fault: checked when the runs are
//! not saturated (on a busy machine its latency figures measure the
//! machine, as in the other load tests; `kafka_cluster_proxied.rs` checks
//! the slower acknowledgements directly). Each run starts its own cluster.

mod support;

use alertsim_loadgen::load::LoadOutcome;
use alertsim_scenarios::{Fault, PublisherProfile, Scenario};
use support::cluster_drill::{
    TIME_SCALE, assert_all_delivered, run_on_own_cluster as run, smoke as smoke_with,
};

const ADDED_LATENCY_MS: f64 = 500.0;

fn smoke(faults: Vec<Fault>) -> Scenario {
    smoke_with(PublisherProfile::Safe, faults)
}

/// The median over visits of the publish stage, scenario seconds.
fn publish_p50_s(outcome: &LoadOutcome) -> f64 {
    outcome
        .report
        .latency_budget
        .stages
        .iter()
        .find(|s| s.stage.name() == "publish")
        .map_or_else(|| panic!("no publish stage in the report"), |s| s.p50_s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_broker_slows_every_publish_and_safe_loses_nothing() {
    let slow = run(&smoke(vec![Fault::BrokerSlow {
        at_s: 1.0,
        duration_s: 2_000.0,
        added_latency_ms: ADDED_LATENCY_MS,
        bandwidth_factor: 0.5,
    }]))
    .await;
    let fault = &slow.faults[0];
    assert!(fault.applied, "{fault:?}");
    assert!(
        fault.note.contains("Toxiproxy")
            && fault.note.contains("latency toxic of +500 ms")
            && fault.note.contains("KB/s each way"),
        "{}",
        fault.note
    );
    assert_all_delivered(&slow);

    if slow.generator.verdict.saturated {
        eprintln!(
            "the slow run was saturated (this machine did not keep up at time scale \
             {TIME_SCALE}): its latency is not compared"
        );
        return;
    }
    let base = run(&smoke(Vec::new())).await;
    if base.generator.verdict.saturated {
        eprintln!("the run without a fault was saturated: latency not compared");
        return;
    }
    let (before, during) = (publish_p50_s(&base), publish_p50_s(&slow));
    let added_s = ADDED_LATENCY_MS / 1e3 * TIME_SCALE;
    eprintln!(
        "publish stage p50 (scenario s at time scale {TIME_SCALE}): {before:.2} without a fault, \
         {during:.2} with +{ADDED_LATENCY_MS} ms per response ({added_s} scenario s); alert \
         latency p50 {:.2} -> {:.2}",
        base.report.latency_s.p50, slow.report.latency_s.p50
    );
    // Each visit's publish waits at least one slowed round trip; the
    // stage's own time without the fault varies from run to run.
    assert!(
        during >= added_s && during > before,
        "the publish stage's median did not take the added {added_s} s: {before} -> {during}"
    );
}
