//! Fuzz target: the scenario loader (TOML parser, `--set`-free typed
//! decoding, validation with its resource limits) must never panic, every
//! error must name the file and a position, and a scenario that validates
//! must simulate without a panic once cut down to a budget (a few visits
//! and detectors, a few hundred alerts each) so that one input runs in
//! milliseconds.
#![no_main]

use alertsim_scenarios::{Distribution, Fidelity, Scenario};
use libfuzzer_sys::fuzz_target;

/// The largest alert count of a visit in the budgeted run.
const ALERTS: f64 = 300.0;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Scenario::from_str(text, "fuzz.toml") {
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.starts_with("fuzz.toml:"), "{shown}");
        }
        Ok(scenario) => {
            // What validates can be shown and read back.
            let shown = scenario.to_toml();
            assert!(Scenario::from_str(&shown, "shown.toml").is_ok(), "{shown}");
            if let Some(small) = budget(scenario) {
                let run = alertsim_sim::run(&small).expect("a scenario that validates has a plan");
                assert!(
                    run.report.alerts.delivered
                        <= run.report.alerts.produced + run.report.alerts.duplicated
                );
            }
        }
    }
});

/// The scenario cut down to a short run, or `None` when the cuts make it
/// invalid (it is then not simulated).
fn budget(mut s: Scenario) -> Option<Scenario> {
    let night = &mut s.night;
    night.visits = night.visits.min(3);
    let visits = night.visits;
    night.gaps.retain(|g| g.after_visit < visits);
    night.gaps.truncate(4);
    night.detectors = night.detectors.min(16);
    night.active_detectors = night.active_detectors.min(night.detectors);
    night.visit_interval_s = night.visit_interval_s.min(600.0);
    night.exposure_s = night.exposure_s.min(night.visit_interval_s / 2.0);
    night.readout_s = night.readout_s.min(night.visit_interval_s / 2.0);
    night.gap_duration_s = night.gap_duration_s.min(600.0);
    for gap in &mut night.gaps {
        gap.duration_s = gap.duration_s.min(600.0);
    }
    night.drain_limit_s = night.drain_limit_s.min(3600.0);
    cap(&mut night.alerts_per_visit, ALERTS);
    cap(&mut night.galactic_plane_alerts_per_visit, ALERTS);
    s.workers.fidelity = Fidelity::Nominal;
    s.workers.listen_timeout_s = s.workers.listen_timeout_s.max(1.0);
    s.scaler.polling_interval_s = s.scaler.polling_interval_s.max(0.5);
    s.scaler.max_replicas = s.scaler.max_replicas.min(100);
    s.scaler.min_replicas = s.scaler.min_replicas.min(s.scaler.max_replicas);
    s.consumers.truncate(3);
    s.faults.truncate(6);
    s.chaos.faults_per_hour = s.chaos.faults_per_hour.min(30.0);
    s.validate().is_empty().then_some(s)
}

/// Lowers a distribution's largest value to `most`.
fn cap(d: &mut Distribution, most: f64) {
    match d {
        Distribution::Constant { value } => *value = value.min(most),
        Distribution::Uniform { min, max } => {
            *max = max.min(most);
            *min = min.min(*max);
        }
        Distribution::Normal { max, min, .. }
        | Distribution::Lognormal { max, min, .. }
        | Distribution::Exponential { max, min, .. } => {
            let top = max.unwrap_or(most).min(most);
            *max = Some(top);
            *min = min.map(|m| m.min(top));
        }
    }
}
