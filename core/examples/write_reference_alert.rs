//! Writes the reference alert's wire-format bytes to a file, for tools in
//! other languages (scripts/fastavro_bench.py) to decode and time.
//!
//! Usage: `cargo run --release -p alertsim-core --example write_reference_alert -- OUT.avro`

use alertsim_core::alert::{reference::reference_alert, wire};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: write_reference_alert OUT_FILE");
        return ExitCode::from(2);
    };
    let message = wire::alert_message(&reference_alert());
    match std::fs::write(&path, &message) {
        Ok(()) => {
            println!("{} bytes -> {}", message.len(), path.to_string_lossy());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("writing {}: {e}", path.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}
