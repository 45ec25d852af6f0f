//! `registry_outage`, `registry_rebuilt`, `registry_sync` and the sync
//! job's window after a `kafka_redeploy`, with and without Rubin's
//! deterministic schema ids: which pods and consumers notice, counted by
//! hand on the smoke night (5 visits of 1,000 alerts, two consumers).

use alertsim_reports::Report;
use alertsim_scenarios::{Consumer, Fault, Scenario};

fn smoke() -> Scenario {
    Scenario::resolve("smoke", &[]).expect("smoke loads")
}

fn consumer(name: &str, throughput: f64, start_delay_s: f64) -> Consumer {
    Consumer {
        start_delay_s,
        fetch_latency_ms: 0.0,
        ..Consumer::new(name, throughput)
    }
}

fn undecodable(r: &Report) -> Vec<(String, u64)> {
    r.schema
        .as_ref()
        .map(|s| {
            s.consumers
                .iter()
                .map(|c| (c.name.clone(), c.undecodable))
                .collect()
        })
        .unwrap_or_default()
}

/// The smoke night is over by 300 s. The registry is rebuilt at 5,000 s;
/// a consumer joining at 10,000 s reads all 5,000 alerts, written with the
/// old ids. With deterministic ids the rebuilt registry serves those ids;
/// without, it knows only new ones: 5,000 undecodable alerts. The two
/// consumers that read (and cached) before the rebuild decode everything.
#[test]
fn after_a_rebuild_a_late_consumer_resolves_old_ids_only_if_they_are_deterministic() {
    let mut s = smoke();
    s.consumers.push(consumer("late", 1000.0, 10_000.0));
    s.faults.push(Fault::RegistryRebuilt {
        at_s: 5000.0,
        duration_s: 100.0,
    });
    let same = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let expected = |late: u64| {
        vec![
            ("community-1".to_owned(), 0),
            ("community-2".to_owned(), 0),
            ("late".to_owned(), late),
        ]
    };
    assert_eq!(undecodable(&same), expected(0));
    s.schema_registry.deterministic_ids = false;
    let new = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(same.alerts.delivered, 5000);
    assert_eq!(undecodable(&new), expected(5000));
}

/// A consumer starting at 5,000 s reads one alert per millisecond (1,000/s,
/// no fetch latency): alert k at 5,000 s + k ms. The registry is down from
/// 5,000 s to 5,002 s, so alerts 1..1,999 find no schema; alert 2,000, at
/// 5,002 s, fetches it, and the rest use the cache: 1,999 undecodable.
#[test]
fn a_consumer_without_a_cached_id_cannot_decode_while_the_registry_is_down() {
    let mut s = smoke();
    s.consumers.push(consumer("joiner", 1000.0, 5000.0));
    s.faults.push(Fault::RegistryOutage {
        at_s: 5000.0,
        duration_s: 2.0,
    });
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(
        undecodable(&r),
        [
            ("community-1".to_owned(), 0),
            ("community-2".to_owned(), 0),
            ("joiner".to_owned(), 1999)
        ]
    );
}

/// As the outage above, but the registry answers: an ordinary sync at
/// 5,000 s has deleted every subject, and the job takes 2 s to import them
/// again (`sync_missing_s`). The joiner's alerts read before 5,002 s find
/// no schema (404): 1,999 undecodable. With no window, none.
#[test]
fn a_consumer_without_a_cached_id_cannot_decode_while_the_sync_job_has_deleted_the_subjects() {
    let mut s = smoke();
    s.consumers.push(consumer("joiner", 1000.0, 5000.0));
    s.faults.push(Fault::RegistrySync { at_s: 5000.0 });
    s.schema_registry.sync_missing_s = 2.0;
    let run = |s: &Scenario| {
        alertsim_sim::run(s)
            .expect("the scenario has a plan")
            .report
    };
    let expected = |joiner: u64| {
        vec![
            ("community-1".to_owned(), 0),
            ("community-2".to_owned(), 0),
            ("joiner".to_owned(), joiner),
        ]
    };
    assert_eq!(undecodable(&run(&s)), expected(1999));
    s.schema_registry.sync_missing_s = 0.0;
    assert_eq!(undecodable(&run(&s)), expected(0));
}

/// A redeploy from 4,990 s: every step 1 s but the registry's, 6 s, and
/// the ingress, none: the registry is back at 5,000 s, when the readers
/// are back too. The sync job then leaves it without subjects for 2 s,
/// so the joiner (starting at 5,000 s, nothing cached) cannot decode what
/// it reads before 5,002 s, deterministic ids or not: 1,999 alerts. The
/// consumers that cached the id on the night keep decoding.
#[test]
fn after_a_redeploy_the_sync_window_leaves_an_uncached_consumer_unable_to_decode() {
    let mut s = smoke();
    s.consumers.push(consumer("joiner", 1000.0, 5000.0));
    s.faults.push(Fault::KafkaRedeploy {
        at_s: 4990.0,
        controller_pool_s: 1.0,
        broker_pool_s: 1.0,
        kafka_s: 1.0,
        registry_operator_s: 1.0,
        registry_s: 6.0,
        ingress_s: 0.0,
        data_lost: false,
    });
    s.schema_registry.sync_missing_s = 2.0;
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(r.alerts.delivered, 5000);
    assert_eq!(
        undecodable(&r),
        [
            ("community-1".to_owned(), 0),
            ("community-2".to_owned(), 0),
            ("joiner".to_owned(), 1999)
        ]
    );
}

/// Pods start 10 s after their Job (smoke); a sync at 0 s leaves the
/// registry without subjects until 60 s. With deterministic ids the
/// producers never ask: the night is as without it. With registry-assigned
/// ids every pod starting before 60 s cannot register (the subject is in
/// IMPORT mode) and exits 1: more Jobs, and the first visit is late.
#[test]
fn pods_starting_during_a_sync_fail_only_without_deterministic_ids() {
    let base = alertsim_sim::run(&smoke())
        .expect("the scenario has a plan")
        .report;
    let mut s = smoke();
    s.faults.push(Fault::RegistrySync { at_s: 0.0 });
    s.schema_registry.sync_missing_s = 60.0;
    let same = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(same.per_visit, base.per_visit);
    assert_eq!(same.jobs, base.jobs);

    s.schema_registry.deterministic_ids = false;
    let new = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert!(new.jobs.created > base.jobs.created, "{:?}", new.jobs);
    assert!(
        new.per_visit[0].p98_latency_s >= 20.0,
        "{:?}",
        new.per_visit[0]
    );
    assert_eq!(new.alerts.lost, 0);
}

/// Pods start 10 s after their Job (smoke); the registry is rebuilt from
/// 0 s to 60 s. With deterministic ids nothing in production changes; with
/// registry-assigned ids every pod starting before 60 s cannot register and
/// exits 1, so more Jobs are created and visit 0 (readout end 52 s; in the
/// base run a warm pod's detectors are out 2 + 6 + 1 s plus publishing
/// after the readout: raws, pipelines, APDB) waits for a pod started at
/// 60 s or later, which pays its 5 s preload after the readout: its alerts
/// are out no earlier than 60 + 5 + 5 + 50 * 0.02 + 1 = 72 s, a latency of
/// at least 20 s.
#[test]
fn pods_starting_during_a_rebuild_fail_only_without_deterministic_ids() {
    let base = alertsim_sim::run(&smoke())
        .expect("the scenario has a plan")
        .report;
    let mut s = smoke();
    s.faults.push(Fault::RegistryRebuilt {
        at_s: 0.0,
        duration_s: 60.0,
    });
    let same = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(same.per_visit, base.per_visit);
    assert_eq!(same.jobs, base.jobs);
    assert!(
        same.schema.is_some(),
        "registry faults report the schema section"
    );

    s.schema_registry.deterministic_ids = false;
    let new = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert!(new.jobs.created > base.jobs.created, "{:?}", new.jobs);
    assert!(
        new.per_visit[0].p98_latency_s >= 20.0 && base.per_visit[0].p98_latency_s < 10.0,
        "{:?} vs {:?}",
        new.per_visit[0],
        base.per_visit[0]
    );
    assert_eq!(new.alerts.lost, 0);
    // Every pod that published started after the rebuild: new ids only,
    // which the consumers fetch from the rebuilt registry.
    assert!(undecodable(&new).iter().all(|(_, n)| *n == 0));
}

#[test]
fn dr_registry_rebuild_passes_with_deterministic_ids_and_fails_without() {
    let s = Scenario::resolve("dr-registry-rebuild", &[]).expect("drill loads");
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let entry = &r.recovery[0];
    assert_eq!(entry.fault, "registry_rebuilt");
    assert_eq!((entry.start_s, entry.end_s), (3600.0, 3900.0));
    assert_eq!((entry.rto_s, entry.alerts_lost), (Some(0.0), 0));
    assert!(undecodable(&r).iter().all(|(_, n)| *n == 0));
    assert!(
        r.gates
            .results
            .iter()
            .any(|g| g.name == "undecodable_alerts"),
        "{:?}",
        r.gates
    );
    assert!(r.gates.passed, "{:?}", r.gates);

    let mut new = s.clone();
    new.schema_registry.deterministic_ids = false;
    let n = alertsim_sim::run(&new)
        .expect("the scenario has a plan")
        .report;
    let late = undecodable(&n)
        .into_iter()
        .find(|(name, _)| name == "late-joiner")
        .map_or(0, |(_, count)| count);
    // At least every alert delivered before the rebuild carries the old id.
    let before: u64 = n
        .per_visit
        .iter()
        .filter(|v| v.readout_end_s + v.max_latency_s < 3600.0)
        .map(|v| v.delivered)
        .sum();
    assert!(late >= before && before > 0, "{late} < {before}");
    assert!(!n.gates.passed, "{:?}", n.gates);
}
