//! run-info.json: the wall-clock figures of a run, kept out of report.json
//! because they differ from one run to the next.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::number::{micros, millis, ratio};
use crate::output::files::{ReportError, create_dir, write_file};

/// Wall-clock figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    /// Program and version.
    pub generator: String,
    /// Wall-clock seconds of the run.
    pub wall_s: f64,
    /// Virtual seconds simulated.
    pub simulated_s: f64,
    /// Events processed by the engine.
    pub events: u64,
    /// Events per wall-clock second.
    pub events_per_s: f64,
    /// Simulated seconds per wall-clock second.
    pub simulated_to_wall: f64,
    /// Peak resident memory in bytes (Linux `VmHWM`), when known.
    pub peak_memory_bytes: Option<u64>,
}

impl RunInfo {
    /// Derives the rates and reads the peak memory of this process.
    pub fn new(wall_s: f64, simulated_s: f64, events: u64) -> Self {
        Self {
            generator: format!("alertsim {}", env!("CARGO_PKG_VERSION")),
            wall_s: micros(wall_s),
            simulated_s: micros(simulated_s),
            events,
            events_per_s: millis(ratio(events as f64, wall_s)),
            simulated_to_wall: millis(ratio(simulated_s, wall_s)),
            peak_memory_bytes: peak_memory_bytes(),
        }
    }

    /// Writes run-info.json into `dir`.
    pub fn write(&self, dir: &Path) -> Result<std::path::PathBuf, ReportError> {
        create_dir(dir)?;
        let path = dir.join("run-info.json");
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        write_file(&path, &text)?;
        Ok(path)
    }
}

/// Peak resident set size of this process (`VmHWM` in /proc/self/status).
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_hwm() {
        assert_eq!(
            parse_vm_hwm("Name:\tx\nVmHWM:\t  2048 kB\n"),
            Some(2 * 1024 * 1024)
        );
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn rates_are_derived() {
        let info = RunInfo::new(2.0, 36_000.0, 1_000_000);
        assert_eq!(info.simulated_to_wall, 18_000.0);
        assert_eq!(info.events_per_s, 500_000.0);
    }
}
