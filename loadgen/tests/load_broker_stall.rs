//! `broker_stalled` done for real on a local Apache Kafka 4.1.0 cluster (3
//! brokers, a controller; the topic at 45 partitions, RF 3, min ISR 2;
//! `replica.lag.time.max.ms` 120,000 as Rubin's): one broker SIGSTOPped
//! from 50 s to 350 s of `smoke` (30 s of wall time at time scale 10),
//! then SIGCONT. Each run starts its own cluster, as its fault stops one
//! of that cluster's brokers.
//!
//! With RF 3 on 3 brokers the stalled broker is in every partition's ISR,
//! so every acks=all write waits for it. The ISRs shrink without it long
//! before `replica.lag.time.max.ms`: the stopped process sends no
//! heartbeat, the controller fences it after `broker.session.timeout.ms`
//! (9 s) and fencing takes it out of every ISR and moves its leaderships.
//! Under `safe` nothing is lost (the writes wait, then go on with the two
//! others); under `rubin` the writes held past the 1.2 s delivery timeout
//! are lost, counted and printed (visit 0 publishes from 61 s, inside the
//! first 9 s of wall time of the stall, on a machine that keeps up).

mod support;

use alertsim_scenarios::{Fault, PublisherProfile, Scenario, Stall};
use support::cluster_drill::{
    assert_all_delivered, run_on_own_cluster as run, smoke as smoke_with,
};

/// The stall: 300 scenario seconds from 50 s.
fn stall() -> Fault {
    Fault::BrokerStalled {
        at_s: 50.0,
        duration_s: 300.0,
        broker: 0,
        stall: Stall::Process,
    }
}

fn smoke(profile: PublisherProfile) -> Scenario {
    smoke_with(profile, vec![stall()])
}

/// The seconds after the stop that the note gives for `what`.
fn seconds_after(note: &str, what: &str) -> Option<f64> {
    let rest = &note[note.find(what)? + what.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_broker_is_fenced_long_before_the_lag_limit_and_safe_loses_nothing() {
    let safe = run(&smoke(PublisherProfile::Safe)).await;
    let fault = &safe.faults[0];
    assert!(fault.applied, "{fault:?}");
    let note = &fault.note;
    assert!(
        note.contains("SIGSTOP") && note.contains("SIGCONT"),
        "{note}"
    );
    // The stalled broker was in every ISR (RF 3 on 3 brokers); they all
    // shrank without it after the session timeout (9 s from its last
    // heartbeat, sent at most 2 s before the stop), far below
    // replica.lag.time.max.ms (120 s), and it was fenced.
    assert!(note.contains("was in 45 ISRs"), "{note}");
    let shrunk = seconds_after(note, "every ISR without it after")
        .unwrap_or_else(|| panic!("no ISR shrink recorded: {note}"));
    assert!((5.0..120.0).contains(&shrunk), "{note}");
    assert!(
        seconds_after(note, "fenced by the controller) after").is_some(),
        "{note}"
    );
    assert!(
        note.contains("the controller logged \"Fencing broker")
            && note.contains("because its session has timed out"),
        "{note}"
    );
    let planned = assert_all_delivered(&safe);

    let rubin = run(&smoke(PublisherProfile::Rubin)).await;
    assert!(rubin.faults[0].applied, "{:?}", rubin.faults);
    let r = &rubin.report;
    assert_eq!(r.alerts.produced, r.alerts.delivered + r.alerts.lost);
    eprintln!(
        "broker_stalled 300 scenario s (30 s wall): safe lost 0 of {planned}; rubin lost {} of {}",
        r.alerts.lost, r.alerts.produced
    );
}
