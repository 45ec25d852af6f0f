//! The closing lines every scenario run prints (`sim`, `load`, `merge`):
//! a warning when the run was cut at its drain limit, each gate's verdict,
//! and where the reports are.

use std::path::Path;

use alertsim_reports::Report;

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
