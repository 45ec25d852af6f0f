//! Writes the reference alert's wire-format bytes to a file, for tools in
//! other languages (scripts/fastavro_bench.py) to decode and time.
//!
//! Usage: `write_reference_alert OUT.avro [--container BATCH.avro] [--bench N]`
//! (`cargo run --release -p alertsim-core --example write_reference_alert -- ...`).
//! `--container` also writes a visit-detector container file of three
//! reference alerts; `--bench N` then prints `alertsim_core::alert::bench::run(N)`
//! as one JSON line.

use alertsim_core::alert::container::visit_detector_container;
use alertsim_core::alert::{bench, reference::reference_alert, wire};
use std::ffi::OsString;
use std::process::ExitCode;

const USAGE: &str = "usage: write_reference_alert OUT_FILE [--container FILE] [--bench COUNT]";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut container: Option<OsString> = None;
    let mut bench_count: Option<usize> = None;
    while let Some(flag) = args.next() {
        let value = args.next();
        match (flag.to_str(), value) {
            (Some("--container"), Some(v)) => container = Some(v),
            (Some("--bench"), Some(v)) => match v.to_str().and_then(|s| s.parse().ok()) {
                Some(n) => bench_count = Some(n),
                None => {
                    eprintln!("--bench expects a count, got {v:?}\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("unexpected argument {flag:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let alert = reference_alert();
    let message = wire::alert_message(&alert);
    if let Err(e) = std::fs::write(&path, &message) {
        eprintln!("writing {}: {e}", path.to_string_lossy());
        return ExitCode::FAILURE;
    }
    eprintln!("{} bytes -> {}", message.len(), path.to_string_lossy());

    if let Some(container) = container {
        let batch: Vec<_> = (0..3)
            .map(|i| {
                let mut a = alert.clone();
                a.dia_source_id += i;
                a.dia_source.dia_source_id += i;
                a
            })
            .collect();
        let (_, file) =
            visit_detector_container(alert.dia_source.visit, alert.dia_source.detector, &batch);
        if let Err(e) = std::fs::write(&container, &file) {
            eprintln!("writing {}: {e}", container.to_string_lossy());
            return ExitCode::FAILURE;
        }
        eprintln!("{} bytes -> {}", file.len(), container.to_string_lossy());
    }

    if let Some(count) = bench_count {
        match serde_json::to_string(&bench::run(count)) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("serialising the bench result: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
