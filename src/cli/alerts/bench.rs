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
    crate::cli::limits::at_most(
        "--count",
        args.count as u64,
        crate::cli::limits::BENCH_ALERTS,
        "alerts",
        0,
        "",
    )?;
    let result = alertsim_core::alert::bench::run(args.count);
    println!("{}", serde_json::to_string(&result)?);
    Ok(ExitCode::SUCCESS)
}
