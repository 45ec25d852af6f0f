//! `network_partition` done for real on a local Apache Kafka 4.1.0 cluster
//! (3 brokers, a controller; the topic at 45 partitions, RF 3, min ISR 2)
//! whose client listeners are behind Toxiproxy (started because the
//! scenario has the fault): timeout toxics on every broker's proxy from
//! 50 s to 350 s of `smoke` (30 s of wall time at time scale 10) pass no
//! data either way, then are removed. Visit 0 publishes from 61 s, inside
//! the partition on a machine that keeps up. Under `safe` (acks=all,
//! retries without a limit) nothing is lost: the writes wait for the
//! partition to heal. Under `rubin` the writes held past the 1.2 s
//! delivery timeout are lost: counted always, and required to be some
//! when the run was not saturated (a saturated run may publish visit 0
//! after the partition). Each run starts its own cluster.

mod support;

use alertsim_scenarios::{Fault, PublisherProfile, Scenario};
use support::cluster_drill::{
    assert_all_delivered, run_on_own_cluster as run, smoke as smoke_with,
};

fn smoke(profile: PublisherProfile) -> Scenario {
    smoke_with(
        profile,
        vec![Fault::NetworkPartition {
            at_s: 50.0,
            duration_s: 300.0,
        }],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_partition_through_the_proxies_loses_nothing_under_safe() {
    let safe = run(&smoke(PublisherProfile::Safe)).await;
    let fault = &safe.faults[0];
    assert!(fault.applied, "{fault:?}");
    assert!(
        fault.note.contains("Toxiproxy") && fault.note.contains("timeout toxics"),
        "{}",
        fault.note
    );
    let planned = assert_all_delivered(&safe);

    let rubin = run(&smoke(PublisherProfile::Rubin)).await;
    assert!(rubin.faults[0].applied, "{:?}", rubin.faults);
    let r = &rubin.report;
    assert_eq!(r.alerts.produced, r.alerts.delivered + r.alerts.lost);
    eprintln!(
        "network_partition 300 scenario s (30 s wall) through Toxiproxy: safe lost 0 of \
         {planned}; rubin lost {} of {} (saturated: {})",
        r.alerts.lost, r.alerts.produced, rubin.generator.verdict.saturated
    );
    if !rubin.generator.verdict.saturated {
        assert!(r.alerts.lost > 0, "{:?}", r.alerts);
    }
}
