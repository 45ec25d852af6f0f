//! The fault kinds that degrade the brokers, crash workers or take the KEDA
//! operator away, each against the same run without the fault.

use alertsim_scenarios::{AckMode, Fault, PublisherProfile, Scenario};

fn smoke() -> Scenario {
    Scenario::resolve("smoke", &[]).expect("smoke loads")
}

fn with(fault: Fault) -> Scenario {
    let mut s = smoke();
    s.faults.push(fault);
    s
}

#[test]
fn slow_brokers_add_latency_to_the_visits_in_their_window() {
    let base = alertsim_sim::run(&smoke()).report;
    let slow = alertsim_sim::run(&with(Fault::BrokerSlow {
        at_s: 0.0,
        duration_s: 100.0,
        added_latency_ms: 20.0,
        bandwidth_factor: 0.05,
    }))
    .report;
    // Visit 0 is published at about 60 s, inside the window.
    assert!(
        slow.per_visit[0].p98_latency_s > base.per_visit[0].p98_latency_s + 1.0,
        "{} vs {}",
        slow.per_visit[0].p98_latency_s,
        base.per_visit[0].p98_latency_s
    );
    assert_eq!(slow.alerts.lost, 0, "slow is not down");
    let last = base.per_visit.len() - 1;
    assert_eq!(
        slow.per_visit[last].p98_latency_s, base.per_visit[last].p98_latency_s,
        "visits long after the window are as before"
    );
}

/// Writes rejected across visit 0's publishing (about 52..63 s).
fn rejecting(kind: &str) -> Fault {
    match kind {
        "disk" => Fault::BrokerDiskFull {
            at_s: 55.0,
            duration_s: 30.0,
        },
        _ => Fault::NetworkPartition {
            at_s: 55.0,
            duration_s: 30.0,
        },
    }
}

#[test]
fn full_disks_and_a_partition_lose_alerts_under_rubin_and_none_under_safe() {
    for kind in ["disk", "partition"] {
        let rubin = with(rejecting(kind));
        let mut safe = rubin.clone();
        safe.publisher.profile = PublisherProfile::Safe;
        let r = alertsim_sim::run(&rubin).report;
        let s = alertsim_sim::run(&safe).report;
        assert!(r.alerts.lost > 0, "{kind}: rubin lost {}", r.alerts.lost);
        assert_eq!(r.recovery[0].alerts_lost, r.alerts.lost, "{kind}");
        assert_eq!(s.alerts.lost, 0, "{kind}");
        assert_eq!(s.alerts.delivered, s.alerts.produced, "{kind}");
    }
}

#[test]
fn crashed_workers_lose_their_detector_only_with_ack_before_processing() {
    // At 55 s every pod holds a detector of visit 0 (processing 52..58 s).
    let crash = Fault::WorkerCrash {
        at_s: 55.0,
        pods: 2,
    };
    let before = alertsim_sim::run(&with(crash.clone())).report;
    assert_eq!(
        before.per_visit[0].failed_detectors, 2,
        "{:?}",
        before.per_visit[0]
    );
    let mut after = with(crash);
    after.workers.ack_mode = AckMode::AfterProcessing;
    let a = alertsim_sim::run(&after).report;
    assert_eq!(a.failed_visits, 0, "{:?}", a.per_visit);
    assert_eq!(a.per_visit[0].failed_detectors, 0);
}

#[test]
fn without_the_keda_operator_no_job_starts_and_the_first_visit_waits() {
    let base = alertsim_sim::run(&smoke()).report;
    let away = alertsim_sim::run(&with(Fault::KedaOperatorRestart {
        at_s: 0.0,
        duration_s: 120.0,
    }))
    .report;
    // No Job is created before 120 s: visit 0 waits for its workers.
    assert!(
        away.per_visit[0].p98_latency_s > base.per_visit[0].p98_latency_s + 30.0,
        "{} (base {})",
        away.per_visit[0].p98_latency_s,
        base.per_visit[0].p98_latency_s
    );
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
    let r = alertsim_sim::run(&s).report;
    let drawn = alertsim_sim::chaos::chaos_faults(&s);
    assert_eq!(
        r.recovery.len(),
        drawn.len(),
        "one recovery entry per chaos fault"
    );
    s.chaos.faults_per_hour = 0.0;
    assert!(alertsim_sim::chaos::chaos_faults(&s).is_empty());
}
