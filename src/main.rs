//! The `alertsim` command-line tool.
//!
//! Exit codes: 0 success (and all gates pass), 1 a gate failed or a
//! comparison regressed, 2 bad input (files, flags, scenarios).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::broken_pipe::exit_quietly_on_broken_pipe();
    let args = cli::Cli::parse();
    cli::init_tracing();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => cli::report_error(&err),
    }
}
