//! The per-detector stages end to end on the smoke night: the preload is on
//! the latency path only for pods that start after the readout, and then
//! moves p98 by what the latency budget reports; visits without pipelines
//! or images and the worker timeout behave as production; every late visit
//! has a cause.

use alertsim_reports::{LateCause, Report, Stage};
use alertsim_scenarios::{Scenario, parse_overrides};

fn smoke(overrides: &[&str]) -> Scenario {
    let args: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
    let parsed = parse_overrides(&args).expect("overrides parse");
    Scenario::resolve("smoke", &parsed).expect("smoke loads")
}

fn run(s: &Scenario) -> alertsim_sim::SimRun {
    alertsim_sim::run(s).expect("the scenario has a plan")
}

fn stage_p98(r: &Report, stage: Stage) -> f64 {
    r.latency_budget
        .stages
        .iter()
        .find(|s| s.stage == stage)
        .map_or(f64::NAN, |s| s.p98_s)
}

/// Every detector needs a new pod (one message per pod, none kept), and
/// pods take 60 s to start: each starts after its visit's readout (52 s
/// after the announcement).
const COLD: &[&str] = &[
    "scaler.min_replicas=0",
    "workers.restart_freq=1",
    "cluster.pod_startup_s.value=60",
    "cluster.nodes=10",
];

#[test]
fn the_preload_moves_p98_by_what_the_budget_reports_when_pods_start_cold() {
    let with = |prep: &str| {
        let mut o = COLD.to_vec();
        o.push(prep);
        run(&smoke(&o)).report
    };
    let short = with("workers.prep_s=5");
    let long = with("workers.prep_s=15");
    let moved = long.latency_s.p98 - short.latency_s.p98;
    let budget_moved = stage_p98(&long, Stage::Preload) - stage_p98(&short, Stage::Preload);
    assert!(
        (budget_moved - 10.0).abs() < 0.01,
        "the budget's preload moved {budget_moved}"
    );
    // The whole-night histogram keeps 3 significant digits.
    assert!(
        (moved - budget_moved).abs() < 0.01 * long.latency_s.p98,
        "p98 moved {moved}, the budget's preload {budget_moved}"
    );
    assert!(stage_p98(&short, Stage::ColdStart) > 0.0);
}

#[test]
fn a_warm_pod_hides_the_preload() {
    let short = run(&smoke(&["workers.prep_s=5"])).report;
    let long = run(&smoke(&["workers.prep_s=30"])).report;
    assert_eq!(stage_p98(&long, Stage::Preload), 0.0);
    assert_eq!(short.latency_s, long.latency_s);
}

#[test]
fn every_late_visit_has_a_cause() {
    // Cold pods and a 15 s limit: every visit is late, by its cold start.
    let mut o = COLD.to_vec();
    o.push("gates.p98_latency_s=15");
    let r = run(&smoke(&o)).report;
    assert_eq!(r.late_visits, r.visits);
    assert!(r.per_visit.iter().all(|v| v.late_cause.is_some()));
    let counted: u64 = r
        .latency_budget
        .late_causes
        .iter()
        .map(|c| c.late_visits)
        .sum();
    assert_eq!(counted, r.late_visits);

    // Detectors failing on the worker timeout leave nothing to deliver.
    let r = run(&smoke(&["workers.worker_timeout_s=5"])).report;
    assert_eq!(r.failed_visits, r.visits);
    assert!(
        r.per_visit
            .iter()
            .all(|v| v.late && v.late_cause == Some(LateCause::Undelivered)),
        "{:?}",
        r.per_visit
    );
}

#[test]
fn visits_without_pipelines_are_skipped_and_without_images_hold_the_pod() {
    let detectors = 5.0 * 20.0;
    let skipped = run(&smoke(&["night.no_pipelines_fraction=1"]));
    assert_eq!(skipped.messages_processed, 100);
    let r = &skipped.report;
    assert_eq!(
        (r.alerts.produced, r.failed_visits, r.late_visits),
        (0, 0, 0)
    );
    assert!(
        (r.jobs.busy_pod_s - detectors * 0.5).abs() < 1.0,
        "{:?}",
        r.jobs
    );

    // Read at the announcement, 5 s preload, then 2 x 30 + 120 s for raws
    // that never come: each detector holds its pod 185 s.
    let imageless = run(&smoke(&["night.images_missing_fraction=1"]));
    let r = &imageless.report;
    assert_eq!(imageless.messages_processed, 100);
    assert_eq!((r.alerts.produced, r.failed_visits), (0, 0));
    assert!(
        (r.jobs.busy_pod_s - detectors * 185.0).abs() < detectors * 0.1,
        "{:?}",
        r.jobs
    );
}
