//! `alerts decode`: every file's alerts as JSON lines on stdout; files that
//! do not decode are listed on stderr afterwards and make the exit code 2.

use std::io::Write;
use std::process::ExitCode;

use super::DecodeArgs;
use super::files::{FileKind, decode_container, decode_wire, detect};
use super::summary::alert_json_line;
use crate::cli::exit::bad_input;

/// The largest alert file read: a container of a detector's alerts is a
/// few MB (16,384 alerts of 82 kB at the very most: 1.3 GB).
const MAX_ALERT_FILE_BYTES: u64 = 2 << 30;

/// Runs `alerts decode`.
pub fn run(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    match decode_all(args) {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}

fn decode_all(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failures = Vec::new();
    for path in &args.files {
        let alerts = alertsim_reports::bounded_read::read_bounded(path, MAX_ALERT_FILE_BYTES)
            .map_err(|err| format!("cannot read: {err}"))
            .and_then(|bytes| match detect(&bytes)? {
                FileKind::Wire => decode_wire(&bytes).map(|alert| vec![alert]),
                FileKind::Container => decode_container(&bytes),
            });
        match alerts {
            Ok(alerts) => {
                for alert in alerts {
                    let line = alert_json_line(alert)?;
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
            Err(reason) => failures.push(format!("{}: {reason}", path.display())),
        }
    }
    out.flush()?;
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(bad_input(format!(
            "{} of {} files did not decode:\n  {}",
            failures.len(),
            args.files.len(),
            failures.join("\n  ")
        )))
    }
}
