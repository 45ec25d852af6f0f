//! Times the Recorder on a night's worth of alerts (10 million deliveries
//! over 1,000 visits) and the writing of the report files.
//! `cargo run --release -p alertsim-reports --example recorder_speed`

use std::time::Instant;

use alertsim_reports::{Gauges, Recorder, write_reports};
use alertsim_scenarios::catalog;

fn main() {
    let scenario = catalog::get("rubin-night")
        .and_then(|e| e.load(&[]).ok())
        .unwrap_or_default();
    let start = Instant::now();
    let mut rec = Recorder::new(&scenario);
    let per_visit = 10_000u64;
    let mut next_sample = 0.0;
    for v in 0..1000u32 {
        let readout_end = 37.0 * f64::from(v) + 32.0;
        rec.visit_planned(v, readout_end, per_visit);
        for k in 0..per_visit {
            rec.alert_produced(v, 82_000);
            rec.alert_delivered(v, 82_000, 5.0 + (k % 4000) as f64 * 0.01);
        }
        while next_sample <= readout_end {
            rec.sample(next_sample, Gauges::default());
            next_sample += rec.sample_interval_s();
        }
    }
    let recorded = start.elapsed();
    let report = rec.finish(&scenario, next_sample);
    let finished = start.elapsed();
    let dir = std::env::temp_dir().join("alertsim-recorder-speed");
    if let Err(e) = write_reports(&report, &dir) {
        eprintln!("{e}");
    }
    let written = start.elapsed();
    println!(
        "10M alerts recorded in {:.3} s ({:.1} ns/alert), report built in {:.3} s, files written in {:.3} s; peak memory {:?} bytes",
        recorded.as_secs_f64(),
        recorded.as_secs_f64() * 1e9 / 1e7,
        (finished - recorded).as_secs_f64(),
        (written - finished).as_secs_f64(),
        alertsim_reports::output::run_info::peak_memory_bytes(),
    );
}
