//! The fault kinds that degrade the brokers, crash workers or take the KEDA
//! operator away, each against the same run without the fault: one table of
//! cases, each a fault, the scenario settings it needs and its expectation.

use alertsim_reports::Report;
use alertsim_scenarios::{AckMode, Fault, PublisherProfile, Scenario, Stall};

fn smoke() -> Scenario {
    Scenario::resolve("smoke", &[]).expect("smoke loads")
}

/// One fault kind's expectation: the scenario's settings, the fault, and a
/// check of the faulted run against the same run without the fault.
struct Case {
    name: &'static str,
    setup: fn(&mut Scenario),
    fault: Fault,
    check: fn(base: &Report, faulted: &Report) -> Result<(), String>,
}

fn rubin(_: &mut Scenario) {}

fn safe(s: &mut Scenario) {
    s.publisher.profile = PublisherProfile::Safe;
}

/// A delivery timeout (60 s) longer than the leadership windows below.
fn long_timeout(s: &mut Scenario) {
    s.kafka.delivery_timeout_ms = 60_000;
}

/// Partitions leaderless across visit 0's publishing (about 58..63 s).
fn leaderless(partitions: u32) -> Fault {
    Fault::PartitionLeadershipLost {
        at_s: REJECT_AT_S,
        duration_s: 30.0,
        partitions,
    }
}

/// Broker 1's fetches stalled for 90 s across visit 0's publishing.
fn stalled() -> Fault {
    stalled_as(Stall::Follower)
}

/// Broker 1 stalled for 90 s across visit 0's publishing, as `stall` says.
fn stalled_as(stall: Stall) -> Fault {
    Fault::BrokerStalled {
        at_s: REJECT_AT_S,
        duration_s: 90.0,
        broker: 1,
        stall,
    }
}

/// Two of the five brokers down across visit 0's publishing.
fn two_down() -> Fault {
    Fault::BrokerOutage {
        at_s: REJECT_AT_S,
        duration_s: 30.0,
        brokers: 2,
    }
}

fn ack_after(s: &mut Scenario) {
    s.workers.ack_mode = AckMode::AfterProcessing;
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

/// Visit 0 is published at about 52..63 s; writes rejected across it.
const REJECT_AT_S: f64 = 55.0;

fn loses_under_rubin(_: &Report, r: &Report) -> Result<(), String> {
    ensure(r.alerts.lost > 0, || {
        format!("rubin lost {}", r.alerts.lost)
    })?;
    ensure(r.recovery[0].alerts_lost == r.alerts.lost, || {
        format!("{:?}", r.recovery[0])
    })
}

fn loses_nothing(_: &Report, r: &Report) -> Result<(), String> {
    ensure(
        r.alerts.lost == 0 && r.alerts.delivered == r.alerts.produced,
        || format!("{:?}", r.alerts),
    )
}

fn visit_0_later_by(base: &Report, r: &Report, seconds: f64) -> Result<(), String> {
    let (b, f) = (
        base.per_visit[0].p98_latency_s,
        r.per_visit[0].p98_latency_s,
    );
    ensure(f > b + seconds, || format!("visit 0 p98 {f} s, base {b} s"))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "slow brokers add latency in their window only",
            setup: rubin,
            fault: Fault::BrokerSlow {
                at_s: 0.0,
                duration_s: 100.0,
                added_latency_ms: 20.0,
                bandwidth_factor: 0.05,
            },
            check: |base, r| {
                visit_0_later_by(base, r, 1.0)?;
                ensure(r.alerts.lost == 0, || "slow is not down".into())?;
                let last = base.per_visit.len() - 1;
                let (b, f) = (&base.per_visit[last], &r.per_visit[last]);
                ensure(b.p98_latency_s == f.p98_latency_s, || {
                    format!("the last visit moved: {f:?} vs {b:?}")
                })
            },
        },
        Case {
            name: "full disks lose alerts under rubin",
            setup: rubin,
            fault: Fault::BrokerDiskFull {
                at_s: REJECT_AT_S,
                duration_s: 30.0,
            },
            check: loses_under_rubin,
        },
        Case {
            name: "full disks lose nothing under safe",
            setup: safe,
            fault: Fault::BrokerDiskFull {
                at_s: REJECT_AT_S,
                duration_s: 30.0,
            },
            check: loses_nothing,
        },
        Case {
            name: "a network partition loses alerts under rubin",
            setup: rubin,
            fault: Fault::NetworkPartition {
                at_s: REJECT_AT_S,
                duration_s: 30.0,
            },
            check: loses_under_rubin,
        },
        Case {
            name: "a network partition loses nothing under safe",
            setup: safe,
            fault: Fault::NetworkPartition {
                at_s: REJECT_AT_S,
                duration_s: 30.0,
            },
            check: loses_nothing,
        },
        Case {
            // Every alert of the window waits 1.2 s for a leader, then fails.
            name: "every partition leaderless past the delivery timeout loses alerts under rubin",
            setup: rubin,
            fault: leaderless(45),
            check: loses_under_rubin,
        },
        Case {
            name: "every partition leaderless loses nothing under safe",
            setup: safe,
            fault: leaderless(45),
            check: loses_nothing,
        },
        Case {
            // About one alert in 45 meets the leaderless partition: visit
            // 0's 1,000 alerts lose about 22, far fewer than 100.
            name: "one leaderless partition loses about 1/45 of the window's alerts",
            setup: rubin,
            fault: leaderless(1),
            check: |_, r| {
                let lost = r.alerts.lost;
                ensure(lost > 0 && lost < 100, || format!("lost {lost}"))
            },
        },
        Case {
            // With a 60 s delivery timeout the alerts wait for the election
            // at 85 s instead: none lost, visit 0 about 20 s later.
            name: "an election within the delivery timeout delays alerts and loses none",
            setup: long_timeout,
            fault: leaderless(45),
            check: |base, r| {
                loses_nothing(base, r)?;
                visit_0_later_by(base, r, 15.0)
            },
        },
        Case {
            // Issue 16: a stalled broker (one of 5) is a replica of 27 of
            // the 45 partitions; under acks=all their writes wait for it
            // (replica.lag.time.max.ms is 120 s, longer than the stall),
            // and the 1.2 s delivery timeout fails them.
            name: "a 90 s stalled broker loses alerts under rubin",
            setup: rubin,
            fault: stalled(),
            check: loses_under_rubin,
        },
        Case {
            name: "a 90 s stalled broker loses nothing under safe",
            setup: safe,
            fault: stalled(),
            check: loses_nothing,
        },
        Case {
            // With a 10 s replica.lag.time.max.ms the leaders drop the
            // stalled follower early: only the alerts of its own 9
            // partitions and of the first 10 s fail, far fewer.
            name: "a follower dropped from the ISR early loses fewer alerts",
            setup: |s| s.kafka.replica_lag_time_max_ms = 10_000,
            fault: stalled(),
            check: |_, r| {
                let lost = r.alerts.lost;
                ensure(lost > 0 && lost < r.alerts.produced / 4, || {
                    format!("lost {lost} of {}", r.alerts.produced)
                })
            },
        },
        Case {
            // Brokers 3 and 4 of 5 down: the partitions that had both among
            // their 3 replicas keep 1 < min.insync 2 and take no write;
            // the others go on. The cluster as a whole still has 3 brokers.
            name: "two brokers of five down lose the under-replicated partitions' alerts",
            setup: rubin,
            fault: two_down(),
            check: |_, r| {
                let lost = r.alerts.lost;
                ensure(lost > 0 && lost < r.alerts.produced / 2, || {
                    format!("lost {lost} of {}", r.alerts.produced)
                })
            },
        },
        Case {
            name: "two brokers of five down lose nothing under safe",
            setup: safe,
            fault: two_down(),
            check: loses_nothing,
        },
        Case {
            // At 55 s every pod holds a detector of visit 0 (processing 52..58 s).
            name: "crashed workers lose their detector with ack before processing",
            setup: rubin,
            fault: Fault::WorkerCrash {
                at_s: 55.0,
                pods: 2,
            },
            check: |_, r| {
                ensure(r.per_visit[0].failed_detectors == 2, || {
                    format!("{:?}", r.per_visit[0])
                })
            },
        },
        Case {
            name: "crashed workers lose nothing with ack after processing",
            setup: ack_after,
            fault: Fault::WorkerCrash {
                at_s: 55.0,
                pods: 2,
            },
            check: |_, r| ensure(r.failed_visits == 0, || format!("{:?}", r.per_visit)),
        },
        Case {
            // No Job is created before 120 s: visit 0 waits for its workers.
            name: "without the KEDA operator the first visit waits",
            setup: rubin,
            fault: Fault::KedaOperatorRestart {
                at_s: 0.0,
                duration_s: 120.0,
            },
            check: |base, r| visit_0_later_by(base, r, 30.0),
        },
    ]
}

#[test]
fn each_fault_kind_acts_as_expected_against_the_run_without_it() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut base = smoke();
        (case.setup)(&mut base);
        let mut faulted = base.clone();
        faulted.faults.push(case.fault.clone());
        let b = alertsim_sim::run(&base)
            .expect("the scenario has a plan")
            .report;
        let f = alertsim_sim::run(&faulted)
            .expect("the scenario has a plan")
            .report;
        if f.recovery.first().map(|r| r.fault.as_str()) != Some(case.fault.kind()) {
            failures.push(format!("{}: no recovery record for the fault", case.name));
        }
        if let Err(why) = (case.check)(&b, &f) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A stopped process is fenced after the broker session timeout (9 s):
/// under `rubin` it loses alerts, fewer than a follower whose fetches stall
/// for the whole 90 s (held until its 120 s `replica.lag.time.max.ms`),
/// and a longer session timeout loses more; under `safe` nothing.
#[test]
fn a_stopped_process_is_fenced_after_the_session_timeout() {
    let lost = |stall: Stall, session_ms: u64, setup: fn(&mut Scenario)| {
        let mut s = smoke();
        setup(&mut s);
        s.kafka.broker_session_timeout_ms = session_ms;
        s.faults.push(stalled_as(stall));
        alertsim_sim::run(&s)
            .expect("the scenario has a plan")
            .report
            .alerts
            .lost
    };
    let follower = lost(Stall::Follower, 9_000, rubin);
    let process = lost(Stall::Process, 9_000, rubin);
    let process_slow_fence = lost(Stall::Process, 30_000, rubin);
    assert!(
        0 < process && process < follower,
        "process {process}, follower {follower}"
    );
    assert!(
        process < process_slow_fence,
        "fenced at 9 s: {process}; at 30 s: {process_slow_fence}"
    );
    assert_eq!(lost(Stall::Process, 9_000, safe), 0);
}

#[test]
fn chaos_expands_the_same_schedule_from_the_same_seed() {
    let mut s = smoke();
    s.night.visits = 400;
    s.chaos.faults_per_hour = 6.0;
    let horizon_s = 400.0 * s.night.visit_interval_s;
    let a = alertsim_sim::chaos::chaos_faults(&s);
    assert_eq!(a, alertsim_sim::chaos::chaos_faults(&s));
    // About 6 per hour over the night: a Poisson count far from 0.
    let expected = 6.0 * horizon_s / 3600.0;
    assert!(
        (a.len() as f64) > expected / 3.0 && (a.len() as f64) < expected * 3.0,
        "{} faults, about {expected} expected",
        a.len()
    );
    assert!(a.iter().all(|f| f.window_s().0 < horizon_s));
    assert!(a.windows(2).all(|w| w[0].window_s().0 <= w[1].window_s().0));
    let mut other = s.clone();
    other.seed += 1;
    assert_ne!(a, alertsim_sim::chaos::chaos_faults(&other));

    s.night.visits = 40;
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let drawn = alertsim_sim::chaos::chaos_faults(&s);
    assert_eq!(
        r.recovery.len(),
        drawn.len(),
        "one recovery entry per chaos fault"
    );
    s.chaos.faults_per_hour = 0.0;
    assert!(alertsim_sim::chaos::chaos_faults(&s).is_empty());
}

/// Full disks halt every broker (Kafka takes a log directory whose write
/// failed offline and halts a broker with none left; measured on the
/// local cluster, `loadgen/tests/load_broker_disk_full.rs`): the run is
/// the run with every broker down for the same window, under both
/// profiles, not one whose brokers only reject writes.
#[test]
fn full_disks_are_every_broker_down() {
    for setup in [rubin as fn(&mut Scenario), safe] {
        let run = |fault: Fault| {
            let mut s = smoke();
            setup(&mut s);
            s.faults.push(fault);
            let report = alertsim_sim::run(&s)
                .expect("the scenario has a plan")
                .report;
            let json = serde_json::to_value(&report).expect("a report serialises");
            // What the run did, not the fault's name (config, recovery).
            ["alerts", "per_visit", "capacity", "latency_s", "consumers"].map(|k| json[k].clone())
        };
        let brokers = smoke().kafka.brokers;
        let full = run(Fault::BrokerDiskFull {
            at_s: REJECT_AT_S,
            duration_s: 30.0,
        });
        let all_down = run(Fault::BrokerOutage {
            at_s: REJECT_AT_S,
            duration_s: 30.0,
            brokers,
        });
        let cut = run(Fault::NetworkPartition {
            at_s: REJECT_AT_S,
            duration_s: 30.0,
        });
        assert!(
            full.iter().all(|v| !v.is_null()),
            "the report has these fields"
        );
        assert_eq!(full, all_down);
        assert_ne!(
            full, cut,
            "writes rejected with the brokers up is another run"
        );
    }
}
