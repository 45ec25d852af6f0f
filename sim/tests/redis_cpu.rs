//! Redis as a resource (issue 15): many idle workers polling a Redis
//! limited to one CPU keep it busy and slow every other command down; a
//! large limit or few workers do not; the series is in the report and the
//! run stays deterministic.

use alertsim_scenarios::Scenario;
use alertsim_sim::SimRun;

fn smoke() -> Scenario {
    Scenario::resolve("smoke", &[]).expect("smoke loads")
}

/// The smoke night with `replicas` Jobs kept at all times (so nearly all
/// of them idle: 20 detectors a visit) on a cluster with room for them.
fn idle_workers(replicas: u32, cpu_limit: f64) -> Scenario {
    let mut s = smoke();
    s.scaler.min_replicas = replicas;
    s.scaler.max_replicas = replicas;
    s.cluster.nodes = 64;
    s.cluster.cpus_per_node = 32.0;
    s.cluster.memory_gib_per_node = 128.0;
    s.redis.cpu_limit = cpu_limit;
    s
}

fn run(s: &Scenario) -> SimRun {
    alertsim_sim::run(s).expect("the scenario has a plan")
}

/// Median and maximum utilisation of the samples after the pods are up
/// (they start in 10 s).
fn utilisation(r: &SimRun) -> (f64, f64) {
    let series = &r.report.series;
    assert_eq!(series.redis_utilisation.len(), series.t_s.len());
    let mut up: Vec<f64> = series
        .t_s
        .iter()
        .zip(&series.redis_utilisation)
        .filter(|(t, _)| **t > 20.0)
        .map(|(_, u)| *u)
        .collect();
    assert!(!up.is_empty());
    up.sort_by(f64::total_cmp);
    (up[(up.len() - 1) / 2], up[up.len() - 1])
}

#[test]
fn many_idle_workers_saturate_one_cpu_and_slow_every_command() {
    let busy = run(&idle_workers(1700, 1.0));
    let roomy = run(&idle_workers(1700, 1000.0));
    let (median, max) = utilisation(&busy);
    assert!(median > 0.95 && max <= 1.0, "utilisation {median} / {max}");
    let (roomy_median, _) = utilisation(&roomy);
    assert!(roomy_median < 0.2, "with 1,000 CPUs: {roomy_median}");
    // 1,700 pollers ahead of each command: about 1,700 x 10 µs.
    assert!(
        busy.redis_mean_response_ms > 5.0,
        "{} ms",
        busy.redis_mean_response_ms
    );
    assert!(
        busy.redis_mean_response_ms > 100.0 * roomy.redis_mean_response_ms,
        "{} ms vs {} ms",
        busy.redis_mean_response_ms,
        roomy.redis_mean_response_ms
    );
    // Slower, not lossy: every alert still gets out, a little later.
    for r in [&busy, &roomy] {
        assert_eq!(r.report.alerts.delivered, r.report.alerts.produced);
    }
    assert!(busy.report.latency_s.max >= roomy.report.latency_s.max);
}

#[test]
fn a_few_idle_workers_leave_redis_mostly_idle() {
    // Five Jobs, two detectors a visit: three to five workers poll.
    let mut s = idle_workers(5, 1.0);
    s.night.detectors = 2;
    s.night.active_detectors = 2;
    s.night.alerts_per_visit = alertsim_scenarios::Distribution::constant(100.0);
    let few = run(&s);
    let (median, max) = utilisation(&few);
    // Each poller is at Redis about 16.5 µs of every 216.5 µs loop.
    assert!(median > 0.1 && max < 0.5, "utilisation {median} / {max}");
    assert!(
        few.redis_mean_response_ms < 0.1,
        "{}",
        few.redis_mean_response_ms
    );
    assert_eq!(few.report.alerts.delivered, few.report.alerts.produced);
}

#[test]
fn the_utilisation_series_is_deterministic_and_in_report_json() {
    let s = idle_workers(1700, 1.0);
    let a = run(&s).report.to_json();
    let b = run(&s).report.to_json();
    assert_eq!(a, b);
    assert!(a.contains("\"redis_utilisation\""));
}
