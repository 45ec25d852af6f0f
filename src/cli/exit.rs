//! Exit codes and the error type that marks bad input (exit code 2).

use std::fmt;
use std::process::ExitCode;

/// Exit code for a failed gate or a regressed comparison.
pub const GATE_FAILED: u8 = 1;
/// Exit code for bad input: files, flags or scenarios that cannot be used.
pub const BAD_INPUT: u8 = 2;
/// Exit code for a load run whose figures measure the load generator
/// rather than the system (it could not keep up with its time scale): the
/// gates are inconclusive, neither passed nor failed.
pub const INCONCLUSIVE: u8 = 3;

/// Wraps an error caused by the user's input, so that `main` exits with 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Returns an `anyhow::Error` that exits with code 2.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// Prints the error chain to stderr and picks the exit code: 2 when any
/// error in the chain is [`BadInput`], otherwise 1 (an internal or service
/// failure, which is not the user's input).
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    eprintln!("error: {err:#}");
    if err.chain().any(|e| e.is::<BadInput>()) {
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::from(GATE_FAILED)
    }
}
