//! The lines every scenario run prints (`sim`, `load`, `merge`): the
//! alerts, latency, Jobs and throughput of the report, a warning when the
//! run was cut at its drain limit, each gate's verdict, and where the
//! reports are. Figures are written as the pages write them
//! (`alertsim_reports::human`).

use std::path::Path;

use alertsim_reports::Report;
use alertsim_reports::human;

/// "alerts: 5,000 produced, 5,000 delivered, 0 lost, 0 duplicated".
pub fn alerts_line(r: &Report) -> String {
    format!(
        "alerts: {} produced, {} delivered, {} lost, {} duplicated",
        human::count(r.alerts.produced),
        human::count(r.alerts.delivered),
        human::count(r.alerts.lost),
        human::count(r.alerts.duplicated)
    )
}

/// Latency percentiles and the visits' outcomes.
pub fn latency_line(r: &Report) -> String {
    format!(
        "latency to broker ack: p50 {}, p98 {}, max {}; late visits {}, failed visits {}, detectors dropped by the fan-out {}",
        human::duration(r.latency_s.p50),
        human::duration(r.latency_s.p98),
        human::duration(r.latency_s.max),
        human::count(r.late_visits),
        human::count(r.failed_visits),
        human::count(r.detectors_dropped)
    )
}

/// Jobs and pod time.
pub fn jobs_line(r: &Report) -> String {
    format!(
        "jobs: {} created, max {} at once, pod time busy {} idle {} (idle {})",
        human::count(r.jobs.created),
        human::count(r.jobs.max_running),
        human::duration(r.jobs.busy_pod_s),
        human::duration(r.jobs.idle_pod_s),
        human::percent(r.jobs.idle_fraction)
    )
}

/// Delivery throughput, its peak over the report's samples as the pages
/// give it.
pub fn throughput_line(r: &Report) -> String {
    let t = &r.throughput;
    format!(
        "throughput: mean {}, peak {}, bandwidth peak {} (peaks over {} samples, as on the pages)",
        human::with_unit(t.mean_alerts_per_s, "alerts/s"),
        human::with_unit(t.peak_alerts_per_s, "alerts/s"),
        human::mbit_per_s(t.peak_mbit_per_s),
        human::duration(r.series.interval_s)
    )
}

/// Prints the alerts, latency, Jobs and throughput lines.
pub fn print_alerts_latency_jobs(r: &Report) {
    println!("{}", alerts_line(r));
    println!("{}", latency_line(r));
    println!("{}", jobs_line(r));
    println!("{}", throughput_line(r));
}

/// Prints the closing lines of a run's summary.
pub fn print_gates_and_reports(report: &Report, truncated: bool, out: &Path) {
    if truncated {
        println!("warning: the run stopped at its drain limit with work left");
    }
    for g in &report.gates.results {
        println!(
            "gate {}: {}",
            g.name,
            if g.passed { "pass" } else { "FAIL" }
        );
    }
    println!("reports in {}", out.display());
}
