//! Faults from a scenario's `[[faults]]` acting on the simulated night:
//! what is lost, failed or duplicated follows the publisher profile and the
//! worker's acknowledgement mode.

use alertsim_scenarios::{AckMode, Fault, PublisherProfile, Scenario};

fn smoke() -> Scenario {
    Scenario::resolve("smoke", &[]).expect("smoke loads")
}

/// Every broker down from just after the first visit's readout for 30 s:
/// visit 0's alerts (packaged at about 63 s) cannot reach min.insync.
fn broker_outage() -> Fault {
    Fault::BrokerOutage {
        at_s: 55.0,
        duration_s: 30.0,
        brokers: 5,
    }
}

#[test]
fn broker_outage_loses_alerts_under_rubin_and_none_under_safe() {
    let mut rubin = smoke();
    rubin.faults.push(broker_outage());
    let mut safe = rubin.clone();
    safe.publisher.profile = PublisherProfile::Safe;
    let r = alertsim_sim::run(&rubin)
        .expect("the scenario has a plan")
        .report;
    let s = alertsim_sim::run(&safe)
        .expect("the scenario has a plan")
        .report;
    assert!(r.alerts.lost > 0, "rubin lost {}", r.alerts.lost);
    assert_eq!(r.alerts.delivered + r.alerts.lost, r.alerts.produced);
    assert!(!r.gates.passed);
    assert_eq!(s.alerts.lost, 0);
    assert_eq!(s.alerts.delivered, s.alerts.produced);
    // The replayed alerts arrive late: after the outage ended.
    assert!(s.latency_s.max > 85.0 - 52.0, "{:?}", s.latency_s);
    // The recovery entries say the same.
    assert_eq!(r.recovery[0].alerts_lost, r.alerts.lost);
    assert_eq!(s.recovery[0].alerts_lost, 0, "{:?}", s.recovery[0]);
    assert_eq!(s.recovery[0].alerts_lost_seconds, 0.0);
}

#[test]
fn stream_trim_past_undelivered_entries_fails_their_visit() {
    let mut s = smoke();
    // Visit 1's 20 entries (IDs 21..=40) are sent at 37 s and reach Redis
    // one XADD latency later (0.5 ms and their time at Redis); idle workers
    // read about 1 ms after that. MAXLEN 5 at 37.0008 s keeps 36..=40: 15
    // of visit 1's detectors are gone before anyone read them.
    s.faults.push(Fault::StreamTrim {
        at_s: 37.0008,
        maxlen: 5,
    });
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(r.failed_visits, 1, "{:?}", r.per_visit);
    let v1 = &r.per_visit[1];
    assert_eq!(v1.failed_detectors, 15);
    assert_eq!(v1.produced, 5 * 50);
    assert_eq!(r.alerts.delivered + r.alerts.lost, r.alerts.produced);
}

#[test]
fn spec_change_deletes_running_jobs_and_ack_before_loses_their_detectors() {
    let mut before = smoke();
    // At 55 s every pod holds a detector of visit 0 (processing 52..58 s).
    before
        .faults
        .push(Fault::ScaledJobSpecChange { at_s: 55.0 });
    let mut after = before.clone();
    after.workers.ack_mode = AckMode::AfterProcessing;
    let b = alertsim_sim::run(&before)
        .expect("the scenario has a plan")
        .report;
    let a = alertsim_sim::run(&after)
        .expect("the scenario has a plan")
        .report;
    assert!(b.per_visit[0].failed_detectors > 0, "{:?}", b.per_visit[0]);
    assert!(b.alerts.produced < 5000);
    // Ack after processing: the deleted workers' entries are reclaimed.
    assert_eq!(a.failed_visits, 0, "{:?}", a.per_visit);
    assert_eq!(a.alerts.delivered, 5000);
}

/// The last sample at or before `t_s`: (jobs running, pods busy).
fn sampled_at(r: &alertsim_reports::Report, t_s: f64) -> (u64, u64) {
    let i = r
        .series
        .t_s
        .iter()
        .rposition(|&t| t <= t_s)
        .expect("a sample before the fault");
    (r.series.jobs_running[i], r.series.pods_busy[i])
}

#[test]
fn node_loss_kills_the_pods_that_no_longer_fit_and_the_night_recovers() {
    let (at_s, duration_s, lost) = (55.0, 60.0, 2);
    let s = smoke();
    let mut nodes = s.clone();
    nodes.faults.push(Fault::NodeLoss {
        at_s,
        duration_s,
        nodes: lost,
    });
    let base = alertsim_sim::run(&s).expect("the scenario has a plan");
    let n = alertsim_sim::run(&nodes).expect("the scenario has a plan");
    let (b, r) = (&base.report, &n.report);
    assert_eq!((base.jobs_failed, b.failed_visits), (0, 0));

    // Every pod beyond what the surviving node holds is killed. In the
    // baseline every running pod holds a detector then (waiting for
    // visit 0's images or visit 1's readout; the last sample is at 50 s,
    // with nothing started or ended between it and 55 s).
    let (running, busy) = sampled_at(b, at_s);
    assert_eq!(busy, running, "every pod holds a detector at the loss");
    let surviving = s.cluster.pods_per_node() * u64::from(s.cluster.nodes - lost);
    let killed = running - surviving;
    assert!(killed > 0);
    assert_eq!(n.jobs_failed, killed, "pods killed with their nodes");

    // Under ack-before-processing each killed pod's detector fails, so the
    // visits that fail are exactly those in hand at the loss: announced
    // before it (every 37 s from 0) and not yet delivered in the baseline.
    let alerts_per_detector = r.per_visit[0].alerts / u64::from(s.night.active_detectors);
    let in_hand: Vec<u32> = b
        .per_visit
        .iter()
        .filter(|v| 37.0 * f64::from(v.visit) < at_s && v.readout_end_s + v.max_latency_s > at_s)
        .map(|v| v.visit)
        .collect();
    let failed: Vec<u32> = r
        .per_visit
        .iter()
        .filter(|v| v.failed)
        .map(|v| v.visit)
        .collect();
    assert_eq!(failed, in_hand, "{:?}", r.per_visit);
    let failed_detectors: u64 = r.per_visit.iter().map(|v| v.failed_detectors).sum();
    assert_eq!(failed_detectors, killed, "one detector per killed pod");
    for (v, base_v) in r.per_visit.iter().zip(&b.per_visit) {
        // A failed detector produces nothing; what was produced arrives.
        assert_eq!(
            v.produced,
            base_v.produced - alerts_per_detector * v.failed_detectors,
            "{v:?}"
        );
        assert_eq!((v.delivered, v.lost), (v.produced, 0), "{v:?}");
    }

    // After the window: the visits read out later are whole again, and
    // those read out once the replacement pods have started and preloaded
    // (window end + pod start-up + prep) are exactly as in the baseline.
    let end_s = at_s + duration_s;
    // smoke's start-up and prep are constants: their upper bounds are them.
    let settled_s = end_s + s.cluster.pod_startup_s.upper_bound() + s.workers.prep_s.upper_bound();
    for (v, base_v) in r.per_visit.iter().zip(&b.per_visit) {
        if v.readout_end_s > end_s {
            assert_eq!(
                (v.failed_detectors, v.delivered),
                (0, base_v.delivered),
                "{v:?}"
            );
        }
        if v.readout_end_s > settled_s {
            assert_eq!(v, base_v, "visit {} after recovery", v.visit);
        }
    }
    assert!(
        r.per_visit.iter().any(|v| v.readout_end_s > settled_s),
        "the night goes on past the recovery"
    );
    let recovery = &r.recovery[0];
    assert_eq!(
        (
            recovery.fault.as_str(),
            recovery.start_s,
            recovery.end_s,
            recovery.alerts_lost
        ),
        ("node_loss", at_s, end_s, 0)
    );
}

#[test]
fn redis_outage_fails_fan_out_only_when_it_outlasts_the_retries() {
    // Visit 2 is announced at 74 s, during the outage. The fan-out tries
    // each detector at 74, 76, 80 and 85 s (redis-py: 2, 4, 5 s apart).
    let outage = |duration_s: f64| {
        let mut redis = smoke();
        redis.faults.push(Fault::RedisOutage {
            at_s: 70.0,
            duration_s,
        });
        alertsim_sim::run(&redis)
            .expect("the scenario has a plan")
            .report
    };
    // Redis is back at 80 s: the third attempt writes every detector.
    let short = outage(10.0);
    assert_eq!(
        short.per_visit[2].failed_detectors, 0,
        "{:?}",
        short.per_visit[2]
    );
    assert_eq!(short.detectors_dropped, 0);
    // Back at 90 s: every attempt failed, the visit's detectors are dropped.
    let long = outage(20.0);
    assert_eq!(long.per_visit[2].failed_detectors, 20);
    assert_eq!(long.per_visit[2].detectors_dropped, 20);
    assert!(long.per_visit[2].failed);
    assert_eq!(long.detectors_dropped, 20);
    assert_eq!(long.per_visit[4].failed_detectors, 0);
}

#[test]
fn slow_pod_startup_delays_the_first_visit() {
    let base = alertsim_sim::run(&smoke())
        .expect("the scenario has a plan")
        .report;
    let mut slow = smoke();
    slow.faults.push(Fault::SlowPodStartup {
        at_s: 0.0,
        duration_s: 30.0,
        factor: 8.0,
    });
    let r = alertsim_sim::run(&slow)
        .expect("the scenario has a plan")
        .report;
    // Pods take 80 s instead of 10 s: visit 0 waits for them.
    assert!(
        r.per_visit[0].p98_latency_s > base.per_visit[0].p98_latency_s + 20.0,
        "{} vs {}",
        r.per_visit[0].p98_latency_s,
        base.per_visit[0].p98_latency_s
    );
}

#[test]
fn too_few_workers_let_messages_expire_and_their_visits_fail() {
    let mut s = smoke();
    s.night.visits = 40;
    s.scaler.max_replicas = 3;
    s.workers.max_message_age_s = 120.0;
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    // Three workers do 3 detectors per 11 s against 20 every 37 s: the
    // backlog grows until entries are older than 120 s and get skipped.
    let failed: u64 = r.per_visit.iter().map(|v| v.failed_detectors).sum();
    assert!(failed > 0);
    assert!(r.failed_visits > 0);
    for v in &r.per_visit {
        assert_eq!(v.produced / 50 + v.failed_detectors, 20, "{v:?}");
    }
    let produced_detectors = r.alerts.produced / 50;
    assert_eq!(
        produced_detectors + failed,
        40 * 20,
        "every detector accounted for"
    );
}

#[test]
fn broker_outage_recovery_entry_counts_what_rubin_loses() {
    let mut rubin = smoke();
    rubin.faults.push(broker_outage());
    let r = alertsim_sim::run(&rubin)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(r.recovery.len(), 1);
    let entry = &r.recovery[0];
    assert_eq!(
        (entry.fault.as_str(), entry.start_s, entry.end_s),
        ("broker_outage", 55.0, 85.0)
    );
    // Every alert the run lost belongs to the outage's window.
    assert_eq!(entry.alerts_lost, r.alerts.lost);
    assert!(entry.alerts_lost_seconds > 0.0);
}

#[test]
fn dr_broker_outage_drill_fails_under_rubin_and_passes_under_safe() {
    let rubin = Scenario::resolve("dr-broker-outage", &[]).expect("drill loads");
    let r = alertsim_sim::run(&rubin)
        .expect("the scenario has a plan")
        .report;
    let entry = &r.recovery[0];
    assert_eq!((entry.start_s, entry.end_s), (3600.0, 4200.0));
    assert!(entry.alerts_lost > 0, "{entry:?}");
    assert!(entry.detect_s.is_some(), "{entry:?}");
    assert!(!r.gates.passed, "losing alerts fails the drill");

    let mut safe = rubin.clone();
    safe.publisher.profile = PublisherProfile::Safe;
    let s = alertsim_sim::run(&safe)
        .expect("the scenario has a plan")
        .report;
    let entry = &s.recovery[0];
    assert_eq!(entry.alerts_lost, 0, "{entry:?}");
    let rto = entry
        .rto_s
        .expect("visits are on time again after the outage");
    // A visit is on time only if its alerts arrive within 60 s of its
    // readout end, so not before the brokers are back (600 s) minus 60 s.
    assert!((540.0..=1200.0).contains(&rto), "{entry:?}");
    assert!(entry.backlog_peak > 0);
    assert!(s.gates.passed, "{:?}", s.gates);
}

#[test]
fn redis_restart_empty_drops_queued_detectors_that_an_outage_keeps() {
    // Three workers leave a backlog in the stream: a restart without data
    // loses it, a plain outage of the same window does not.
    let mut base = smoke();
    base.night.visits = 10;
    base.scaler.max_replicas = 3;
    let window = (150.0, 10.0);

    let mut outage = base.clone();
    outage.faults.push(Fault::RedisOutage {
        at_s: window.0,
        duration_s: window.1,
    });
    let mut empty = base.clone();
    empty.faults.push(Fault::RedisRestartEmpty {
        at_s: window.0,
        duration_s: window.1,
    });
    let o = alertsim_sim::run(&outage)
        .expect("the scenario has a plan")
        .report;
    let e = alertsim_sim::run(&empty)
        .expect("the scenario has a plan")
        .report;
    let failed = |r: &alertsim_reports::Report| -> u64 {
        r.per_visit.iter().map(|v| v.failed_detectors).sum()
    };
    assert!(failed(&e) > failed(&o), "{} vs {}", failed(&e), failed(&o));
    // Every detector is either processed or counted as failed.
    for v in &e.per_visit {
        assert_eq!(v.produced / 50 + v.failed_detectors, 20, "{v:?}");
    }
    assert_eq!(e.recovery[0].fault, "redis_restart_empty");
}

#[test]
fn dr_redis_lost_drill_runs_and_reports_its_recovery() {
    let s = Scenario::resolve("dr-redis-lost", &[]).expect("drill loads");
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let entry = &r.recovery[0];
    assert_eq!(entry.fault, "redis_restart_empty");
    assert_eq!((entry.start_s, entry.end_s), (3600.0, 3720.0));
    assert!(r.per_visit.iter().any(|v| v.failed), "{entry:?}");
}

/// The drill's redeploy from 3,600 s: Kafka is back after its first three
/// steps (900 s), the registry after two more (1,200 s), the ingress last
/// (1,440 s). The producer delivers again once Kafka is back, so under
/// `safe` nothing is acknowledged in the samples before 900 s, alerts are
/// acknowledged before the ingress is back, and the recovery is shorter
/// than the whole redeploy. The readers come through the ingress: with the
/// volumes kept they lose nothing; with them deleted (`data_lost`) every
/// reader loses alerts while the producer's figures do not change.
#[test]
fn kafka_redeploy_delivers_once_kafka_is_back_and_the_readers_after_the_ingress() {
    let s = Scenario::resolve("dr-kafka-redeploy", &[]).expect("drill loads");
    let fault = &s.faults[0];
    let steps = fault.redeploy_steps_s();
    assert_eq!(steps.len(), 6);
    let (start, end) = fault.window_s();
    assert_eq!(end - start, steps.iter().sum::<f64>());
    let (kafka, registry) = fault.redeploy_milestones_s().expect("a redeploy");
    assert_eq!((kafka, registry), (900.0, 1200.0));

    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let entry = &r.recovery[0];
    assert_eq!(entry.fault, "kafka_redeploy");
    assert_eq!((entry.start_s, entry.end_s), (start, end));
    assert!(entry.alerts_lost > 0, "rubin loses what it cannot deliver");

    let mut safe = s.clone();
    safe.publisher.profile = PublisherProfile::Safe;
    let kept = alertsim_sim::run(&safe)
        .expect("the scenario has a plan")
        .report;
    let entry = &kept.recovery[0];
    assert_eq!(entry.alerts_lost, 0, "{entry:?}");
    let delivered_in = |r: &alertsim_reports::Report, from: f64, to: f64| -> f64 {
        let series = &r.series;
        series
            .t_s
            .iter()
            .zip(&series.delivered_per_s)
            .filter(|&(&t, _)| t > from && t <= to)
            .map(|(_, &rate)| rate)
            .sum()
    };
    // A sample counts the interval before it: from start + 10 s on.
    assert_eq!(delivered_in(&kept, start + 10.0, start + kafka), 0.0);
    assert!(
        delivered_in(&kept, start + kafka, end) > 0.0,
        "delivered before the ingress"
    );
    let rto = entry.rto_s.expect("on time again after the redeploy");
    assert!(rto >= kafka - 60.0 && rto < end - start, "{entry:?}");
    assert!(kept.alerts.lost_to_readers.values().all(|&n| n == 0));

    let mut deleted = safe.clone();
    if let Fault::KafkaRedeploy { data_lost, .. } = &mut deleted.faults[0] {
        *data_lost = true;
    }
    let lost = alertsim_sim::run(&deleted)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(
        lost.alerts,
        alertsim_reports::AlertTotals {
            lost_to_readers: lost.alerts.lost_to_readers.clone(),
            ..kept.alerts.clone()
        }
    );
    assert!(!lost.alerts.lost_to_readers.is_empty());
    for (name, &n) in &lost.alerts.lost_to_readers {
        assert!(n > 0, "{name} lost nothing to the deleted volumes");
    }
    assert!(!lost.gates.passed);
}

/// Under `safe` the outage's alerts wait in the publisher's spool, not in
/// the stream: the backlog the recovery entry measures includes them, so it
/// has a peak and a drain time (the stream's lag alone stays near zero).
#[test]
fn alerts_spooled_during_an_outage_are_backlog_that_drains() {
    let mut safe = smoke();
    safe.publisher.profile = PublisherProfile::Safe;
    safe.faults.push(broker_outage());
    let r = alertsim_sim::run(&safe)
        .expect("the scenario has a plan")
        .report;
    let series = &r.series;
    assert_eq!(series.publisher_backlog.len(), series.t_s.len());
    let held_peak = series.publisher_backlog.iter().copied().max().unwrap_or(0);
    assert!(held_peak > 0, "nothing was spooled");
    let entry = &r.recovery[0];
    let backlog_peak = series
        .t_s
        .iter()
        .zip(series.lag.iter().zip(&series.publisher_backlog))
        .filter(|(t, _)| **t >= entry.start_s)
        .map(|(_, (lag, held))| lag + held)
        .max()
        .unwrap_or(0);
    assert_eq!(entry.backlog_peak, backlog_peak);
    assert!(entry.backlog_peak >= held_peak);
    let drain = entry
        .drain_s
        .expect("the spool is replayed before the run ends");
    assert!(drain > 0.0, "{entry:?}");
    // Replay starts with the first package after the brokers are back:
    // the spool is empty again within the run.
    assert_eq!(series.publisher_backlog.last(), Some(&0));
}

/// Every alert of `smoke` has the nominal size; a limit below it, the
/// producer's or the broker's, refuses every one at the produce call.
/// `rubin` loses them there, as the packager does; `safe` keeps them, but
/// no replay can send them, so they too count as lost at the end. A limit
/// at the nominal size refuses none.
#[test]
fn alerts_over_the_message_size_limit_are_never_delivered() {
    let nominal = smoke().workers.nominal_alert_bytes;
    let run = |profile: PublisherProfile, producer: u64, broker: u64| {
        let mut s = smoke();
        s.publisher.profile = profile;
        s.kafka.producer_message_max_bytes = producer;
        s.kafka.message_max_bytes = broker;
        alertsim_sim::run(&s)
            .expect("the scenario has a plan")
            .report
    };
    for profile in [PublisherProfile::Rubin, PublisherProfile::Safe] {
        for (producer, broker) in [(nominal - 1, 10 * nominal), (10 * nominal, nominal - 1)] {
            let r = run(profile, producer, broker);
            assert_eq!(r.alerts.delivered, 0, "{profile:?} {producer} {broker}");
            assert_eq!(r.alerts.lost, r.alerts.produced, "{profile:?}");
            assert!(r.alerts.produced > 0);
        }
        let r = run(profile, nominal, nominal);
        assert_eq!(r.alerts.lost, 0, "{profile:?} at the limit");
        assert_eq!(r.alerts.delivered, r.alerts.produced);
    }
}
