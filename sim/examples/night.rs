//! Runs the default night with the built-in parameters and prints the
//! headline figures (a quick look without the command line).

use std::time::Instant;

fn main() {
    let mut params = alertsim_sim::SimParams::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "default" => params.scaler.strategy = alertsim_sim::params::Strategy::Default,
            "accurate" => params.scaler.strategy = alertsim_sim::params::Strategy::Accurate,
            "small" => params.night.visits = 20,
            _ => {}
        }
    }
    let started = Instant::now();
    let mut out = alertsim_sim::run(&params);
    let wall = started.elapsed().as_secs_f64();
    out.per_visit.truncate(3);
    out.series.truncate(5);
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    eprintln!(
        "wall {wall:.3} s, {} events, {:.0} events/s",
        out.events,
        out.events as f64 / wall
    );
}
