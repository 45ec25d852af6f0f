//! `alerts bench`: the encode/decode benchmark of the reference alert, as
//! one JSON line.

use std::process::ExitCode;

use super::BenchArgs;
use crate::cli::exit::bad_input;

/// Runs `alerts bench`.
pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    if args.count == 0 {
        return Err(bad_input("--count 0: expected at least 1 alert"));
    }
    Err(bad_input("the benchmark is not available yet"))
}
