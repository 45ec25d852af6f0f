//! Writes a synthetic run's reports for a look by eye or an external
//! validator: report.json/md/html of the smoke scenario with a broker
//! outage and a ScaledJob spec change in it, and junit.xml of a failing run
//! (2 visits with a lost alert).
//! `cargo run -p alertsim-reports --example report_demo -- DIR`

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::ExitCode;

use alertsim_reports::{junit, write_reports};
use alertsim_scenarios::Fault;
use common::{smoke, synthetic_report};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: report_demo DIR (the reports and junit.xml are written there)");
        return ExitCode::from(2);
    };
    let mut s = smoke();
    s.faults.push(Fault::BrokerOutage {
        at_s: 60.0,
        duration_s: 25.0,
        brokers: 2,
    });
    s.faults.push(Fault::ScaledJobSpecChange { at_s: 130.0 });
    let report = synthetic_report(&s, 1.0, 2);
    if let Err(e) = write_reports(&report, &dir) {
        eprintln!("writing the reports to {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let failing = synthetic_report(&smoke(), 1.0, 2);
    let junit_path = dir.join("junit.xml");
    if let Err(e) = junit::write(&failing, &junit_path) {
        eprintln!("writing {}: {e}", junit_path.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote report.json, report.md, report.html and junit.xml to {}",
        dir.display()
    );
    ExitCode::SUCCESS
}
