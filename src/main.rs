//! The `alertsim` command-line tool.
//!
//! Exit codes: 0 success (and all gates pass), 1 a gate failed or a
//! comparison regressed, 2 bad input (files, flags, scenarios), 101 a bug
//! (a panic: reported as one, see `cli/bug_report.rs`).

mod cli;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::bug_report::install();
    cli::broken_pipe::exit_quietly_on_broken_pipe();
    let args = cli::Cli::parse();
    cli::init_tracing();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        cli::bug_report::panic_if_asked();
        cli::run(args)
    }));
    let code = match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => cli::report_error(&err),
        Err(_) => ExitCode::from(cli::bug_report::PANIC_EXIT),
    };
    if cli::bug_report::panicked() {
        ExitCode::from(cli::bug_report::PANIC_EXIT)
    } else {
        code
    }
}
