//! Runs a catalogue scenario (default `rubin-night`) and prints the
//! headline figures and the wall time (a quick look without the CLI).

use std::time::Instant;

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "rubin-night".to_owned());
    let overrides: Vec<String> = std::env::args().skip(2).collect();
    let parsed = alertsim_scenarios::parse_overrides(&overrides).unwrap_or_default();
    let Ok(scenario) = alertsim_scenarios::Scenario::resolve(&name, &parsed) else {
        eprintln!("unknown scenario {name}");
        return;
    };
    let started = Instant::now();
    let run = alertsim_sim::run(&scenario).expect("the scenario has a plan");
    let wall = started.elapsed().as_secs_f64();
    let r = &run.report;
    println!(
        "alerts {:?}\nlatency {:?}\njobs {:?}\nlate {} failed {}",
        r.alerts, r.latency_s, r.jobs, r.late_visits, r.failed_visits
    );
    eprintln!(
        "wall {wall:.3} s, {} events, {:.0} events/s, simulated {:.0} s",
        run.events,
        run.events as f64 / wall,
        run.simulated_s
    );
}
