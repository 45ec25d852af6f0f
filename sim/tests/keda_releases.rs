//! KEDA release by release in whole runs (the release table is
//! `alertsim_core::scaler::release`): what a scenario's `keda_version`
//! changes in a night.

use alertsim_reports::Report;
use alertsim_scenarios::{Scenario, parse_overrides};

fn smoke(overrides: &[&str]) -> Scenario {
    let args: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
    let parsed = parse_overrides(&args).expect("overrides parse");
    Scenario::resolve("smoke", &parsed).expect("smoke loads")
}

fn run(overrides: &[&str]) -> Report {
    alertsim_sim::run(&smoke(overrides))
        .expect("the scenario has a plan")
        .report
}

#[test]
fn activation_zero_stops_2_16_from_scaling_while_2_17_scales() {
    // KEDA 2.16.1's redis-streams scaler refuses activationLagCount 0 with
    // a consumer group and lagCount 1: the ScaledJob never gets a scale
    // loop, so not even the 3 minimum workers exist. 2.17 takes 0 as the
    // default and scales as usual.
    let refused = run(&[
        "scaler.keda_version=\"2.16\"",
        "scaler.activation_lag_count=0",
    ]);
    let scales = run(&[
        "scaler.keda_version=\"2.17\"",
        "scaler.activation_lag_count=0",
    ]);
    assert_eq!(refused.jobs.created, 0, "{:?}", refused.jobs);
    assert_eq!(refused.alerts.delivered, 0);
    assert!(scales.jobs.created >= 20, "{:?}", scales.jobs);
    assert_eq!(scales.alerts.delivered, scales.alerts.produced);
    assert!(scales.alerts.produced > 0);
    // The refusal is the activation's doing: 2.16 with activation 1 scales.
    let rubin = run(&["scaler.keda_version=\"2.16\""]);
    assert!(rubin.jobs.created >= 20, "{:?}", rubin.jobs);
    assert_eq!(rubin.alerts.delivered, rubin.alerts.produced);
}

#[test]
fn the_xpending_metric_builds_on_2_16_with_activation_zero() {
    // lagCount 0 reads XPENDING, where 2.16.1 asks for no activation.
    let r = run(&[
        "scaler.keda_version=\"2.16\"",
        "scaler.activation_lag_count=0",
        "scaler.lag_count=0",
    ]);
    assert!(r.jobs.created >= 3, "{:?}", r.jobs);
}

#[test]
fn every_release_runs_rubins_settings_where_its_crd_accepts_them() {
    for version in ["2.16", "2.17", "2.18", "2.19"] {
        let r = run(&[&format!("scaler.keda_version=\"{version}\"")]);
        assert_eq!(r.alerts.delivered, r.alerts.produced, "{version}");
    }
    for version in ["2.20", "2.20.2", "current"] {
        let r = run(&[
            &format!("scaler.keda_version=\"{version}\""),
            "scaler.rollout=immediate",
        ]);
        assert_eq!(r.alerts.delivered, r.alerts.produced, "{version}");
    }
}
