//! Whole runs of the simulator: determinism, internal consistency and hand
//! calculations on the `smoke` scenario, the eager over-provisioning
//! that Rubin's production settings show, and the accurate strategy's Job
//! count against eager's, derived from KEDA's formulas.

use alertsim_scenarios::{Scenario, Strategy, parse_overrides};

fn scenario(name: &str, overrides: &[&str]) -> Scenario {
    let args: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
    let parsed = parse_overrides(&args).expect("overrides parse");
    Scenario::resolve(name, &parsed).expect("catalogue scenario loads")
}

/// Rubin's night cut to its first `visits` visits (its gaps come later).
fn short_night(visits: u32, overrides: &[&str]) -> Scenario {
    let mut s = scenario("rubin-night", overrides);
    s.night.visits = visits;
    s.night.gaps.clear();
    s
}

#[test]
fn smoke_matches_hand_calculations() {
    let s = scenario("smoke", &[]);
    let run = alertsim_sim::run(&s).expect("the scenario has a plan");
    let r = &run.report;
    let visits = u64::from(s.night.visits);
    let detectors = u64::from(s.night.active_detectors);
    assert!(!run.truncated);
    // Every detector of every visit is read and processed exactly once.
    assert_eq!(run.messages_processed, visits * detectors);
    // 5 visits of a constant 1,000 alerts, all delivered by an idle cluster.
    assert_eq!(r.visits, visits);
    assert_eq!(r.alerts.produced, visits * 1000);
    assert_eq!(r.alerts.delivered, r.alerts.produced);
    assert_eq!(r.alerts.lost, 0);
    assert_eq!(
        r.bytes.delivered,
        r.alerts.delivered * s.workers.nominal_alert_bytes
    );
    // The first visit: readout ends at 20 + 30 + 2 = 52 s; the minimum 3
    // Jobs start 10 s after the first poll and eager creates the rest at
    // the first poll that sees the lag (t = 2 s), so they run by 12 s and
    // wait for the images (their 5 s preload ends long before the
    // readout). Each detector: the raws 2 s after the readout, then
    // 5 s + 50 x 0.02 s = 6 s of pipelines and 1 s of APDB write, then 50
    // alerts at about 5 ms each, so every alert lands between 9 and 9.3 s
    // after readout; the budget says where those 9 s went.
    let first = &r.per_visit[0];
    assert_eq!(first.readout_end_s, 52.0);
    assert!(
        r.latency_s.p50 >= 9.0 && r.latency_s.max < 9.5,
        "{:?}",
        r.latency_s
    );
    for v in &r.per_visit {
        let b = v.budget.expect("every visit delivered");
        assert_eq!(
            (b.cold_start_s, b.queue_wait_s, b.preload_s),
            (0.0, 0.0, 0.0),
            "{b:?}"
        );
        assert_eq!(
            (b.image_wait_s, b.pipeline_s, b.apdb_write_s),
            (2.0, 6.0, 1.0)
        );
        // The per-visit histogram keeps 2 significant digits (1%).
        assert!(
            (b.total_s() - v.max_latency_s).abs() < 0.01 * v.max_latency_s,
            "{b:?} {v:?}"
        );
    }
    assert_eq!(r.late_visits, 0);
    assert_eq!(r.failed_visits, 0);
    assert!(r.gates.passed, "{:?}", r.gates);
    // Consumers got every alert, each at least one fetch and one read
    // after its acknowledgement (the receipt stage), and no later than
    // its latency from the readout.
    for (c, spec) in r.consumers.iter().zip(&s.consumers) {
        assert_eq!(c.received, r.alerts.delivered, "{}", c.name);
        let floor = spec.fetch_latency_ms / 1000.0 + 1.0 / spec.throughput_alerts_per_s;
        assert!(
            c.receipt_s.p50 >= 0.99 * floor && c.receipt_s.max <= c.latency_s.max,
            "{}: receipt {:?}, floor {floor} s, latency {:?}",
            c.name,
            c.receipt_s,
            c.latency_s
        );
    }
}

#[test]
fn per_visit_counts_sum_to_the_totals() {
    let s = short_night(40, &[]);
    let r = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    let sum = |f: fn(&alertsim_reports::VisitRecord) -> u64| r.per_visit.iter().map(f).sum::<u64>();
    assert_eq!(sum(|v| v.produced), r.alerts.produced);
    assert_eq!(sum(|v| v.delivered), r.alerts.delivered);
    assert_eq!(sum(|v| v.lost), r.alerts.lost);
    assert_eq!(
        sum(|v| v.alerts),
        r.alerts.produced,
        "every planned alert was produced"
    );
    assert_eq!(r.alerts.delivered + r.alerts.lost, r.alerts.produced);
    assert_eq!(r.per_visit.len(), 40);
}

#[test]
fn same_seed_same_bytes_and_another_seed_differs() {
    let s = short_night(30, &[]);
    let a = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report
        .to_json();
    let b = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report
        .to_json();
    assert_eq!(a, b);
    let mut other = s.clone();
    other.seed += 1;
    let c = alertsim_sim::run(&other)
        .expect("the scenario has a plan")
        .report;
    let first = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_ne!(c.alerts.produced, first.alerts.produced);
    assert_ne!(c.latency_s, first.latency_s);
}

#[test]
fn eager_over_provisions_while_pods_start_and_default_does_not() {
    // Rubin's production: eager, 2 s polls, min 3, max 1700, ~60 s start-up.
    let eager = short_night(60, &[]);
    assert_eq!(eager.scaler.strategy, Strategy::Eager);
    let default = short_night(60, &["scaler.strategy=default"]);
    let e = alertsim_sim::run(&eager)
        .expect("the scenario has a plan")
        .report;
    let d = alertsim_sim::run(&default)
        .expect("the scenario has a plan")
        .report;
    // A visit puts 172 entries in the stream; every 2 s poll while the pods
    // start sees the same lag and eager creates about that many again.
    assert!(
        e.jobs.max_running > 3 * 172,
        "eager max Jobs {}",
        e.jobs.max_running
    );
    // Not the night's total of Jobs created: eager's idle pods take the
    // next visits' detectors (each pod serves up to restart_freq of them),
    // so default can create more Jobs over a night while holding fewer.
    assert!(e.jobs.max_running > 2 * d.jobs.max_running);
    assert!(e.jobs.idle_pod_s > 2.0 * d.jobs.idle_pod_s);
    assert!(e.jobs.idle_fraction > d.jobs.idle_fraction);
    // Both deliver everything.
    assert_eq!(e.alerts.lost, 0);
    assert_eq!(d.alerts.delivered, d.alerts.produced);
}

#[test]
fn pending_pod_conditions_go_through_the_cores_job_counting() {
    // With `Ready` as the condition the counts match KEDA's default rule
    // (a pod is Ready exactly when it runs here), so the run is unchanged.
    let plain = alertsim_sim::run(&scenario("smoke", &[]))
        .expect("the scenario has a plan")
        .report;
    let mut s = scenario("smoke", &[]);
    s.scaler.pending_pod_conditions = vec!["Ready".to_owned()];
    let ready = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert_eq!(plain.jobs, ready.jobs);
    // A condition no pod ever reports keeps every Job pending: eager then
    // stops creating Jobs beyond the first ones.
    s.scaler.pending_pod_conditions = vec!["NeverTrue".to_owned()];
    let never = alertsim_sim::run(&s)
        .expect("the scenario has a plan")
        .report;
    assert!(never.jobs.max_pending >= ready.jobs.max_pending);
    assert_ne!(never.jobs, ready.jobs);
}

/// KEDA's `GetEffectiveMaxScale` of the accurate strategy (2.16, the
/// scenarios' default release): with `r` running Jobs above the minimum and
/// `p` pending, `maxScale + r > maxRC ? maxRC - r : maxScale - p`.
fn keda_accurate(max_scale: i64, r: i64, p: i64, max_rc: i64) -> i64 {
    if max_scale + r > max_rc {
        max_rc - r
    } else {
        max_scale - p
    }
}

/// KEDA's eager strategy: `min(maxRC - r - p, maxScale)`.
fn keda_eager(max_scale: i64, r: i64, p: i64, max_rc: i64) -> i64 {
    (max_rc - r - p).min(max_scale)
}

#[test]
fn accurate_counts_pending_jobs_against_the_queue_and_creates_fewer_than_eager() {
    let one_visit = |strategy: &str| {
        let set = format!("scaler.strategy={strategy}");
        scenario("smoke", &[&set, "night.visits=1"])
    };
    let (accurate, eager) = (one_visit("accurate"), one_visit("eager"));
    assert_eq!(accurate.scaler.strategy, Strategy::Accurate);
    let sc = &accurate.scaler;
    // The first poll that sees visit 0's entries (t = 2 s) comes while the
    // minimum Jobs of the t = 0 poll are still starting: r = 0, P = min.
    assert!(accurate.cluster.pod_startup_s.lower_bound() > sc.polling_interval_s);
    let min = i64::from(sc.min_replicas);
    let max_rc = i64::from(sc.max_replicas) - min;
    let lag = i64::from(accurate.night.active_detectors);
    let lag_count = i64::try_from(sc.lag_count).expect("small");
    let max_scale = ((lag + lag_count - 1) / lag_count).min(max_rc);
    // Later polls while those pods start create nothing with either
    // strategy (eager: maxRC - r - P < 0 once it filled; accurate:
    // maxScale - P = 0), and the started pods read every entry.
    let expected_accurate = min + keda_accurate(max_scale, 0, min, max_rc);
    let expected_eager = min + keda_eager(max_scale, 0, min, max_rc);
    assert!(expected_accurate < expected_eager);

    let a = alertsim_sim::run(&accurate)
        .expect("the scenario has a plan")
        .report;
    let e = alertsim_sim::run(&eager)
        .expect("the scenario has a plan")
        .report;
    let jobs =
        |r: &alertsim_reports::Report| (r.jobs.created, r.jobs.max_running, r.jobs.max_pending);
    let all = |n: i64| (n as u64, n as u64, n as u64);
    assert_eq!(jobs(&a), all(expected_accurate), "accurate {:?}", a.jobs);
    assert_eq!(jobs(&e), all(expected_eager), "eager {:?}", e.jobs);
    // Accurate's pending Jobs never exceed the queue length it saw.
    assert_eq!(a.jobs.max_pending, max_scale as u64);
    // Fewer Jobs, the same alerts: every one delivered either way.
    for r in [&a, &e] {
        assert_eq!(r.alerts.produced, 1000);
        assert_eq!(r.alerts.delivered, r.alerts.produced);
        assert_eq!(r.failed_visits, 0);
    }
}
