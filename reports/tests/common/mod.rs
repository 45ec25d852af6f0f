//! Shared helpers for the reports tests: a synthetic run fed to a Recorder.

#![allow(dead_code)]

use alertsim_reports::{Gauges, Recorder, Report};
use alertsim_scenarios::{Scenario, catalog};

/// The smoke scenario from the catalogue.
pub fn smoke() -> Scenario {
    catalog::get("smoke")
        .and_then(|e| e.load(&[]).ok())
        .unwrap_or_default()
}

/// Feeds a synthetic run: `visits` visits of `alerts` alerts each, latencies
/// `base_latency_s + k * step_s`, `lost` alerts lost in visit 0.
pub fn synthetic_report(scenario: &Scenario, base_latency_s: f64, lost: u64) -> Report {
    let mut rec = Recorder::with_sample_interval(scenario, 5.0);
    let visits = scenario.night.visits;
    let alerts = 100u64;
    let mut t = 0.0;
    for v in 0..visits {
        let readout_end = 37.0 * f64::from(v) + 32.0;
        rec.visit_planned(v, readout_end, alerts);
        for k in 0..alerts {
            rec.alert_produced(v, 80_000);
            if v == 0 && k < lost {
                rec.alert_lost(v);
            } else {
                rec.alert_delivered(v, 80_000, base_latency_s + k as f64 * 0.1);
            }
        }
        for i in 0..3 {
            rec.job_created();
            rec.pod_started(10.0 + f64::from(i));
        }
        rec.pod_time(100.0, 25.0);
        while t <= readout_end {
            rec.sample(
                t,
                Gauges {
                    lag: (t as u64) % 20,
                    jobs_running: 3 + (t as u64 / 5) % 5,
                    jobs_pending: 1,
                    pods_busy: 2,
                    publisher_backlog: 0,
                },
            );
            t += rec.sample_interval_s();
        }
    }
    rec.alert_received(0, 12.5);
    rec.alert_received(1, 20.0);
    rec.finish(scenario, t)
}
