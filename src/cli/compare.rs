//! `alertsim compare`: what moved between two reports; exit 1 on a regression.

use std::path::PathBuf;
use std::process::ExitCode;

use alertsim_reports::{compare, read_report};

use super::exit::{GATE_FAILED, bad_input};

/// Compare a candidate report.json with a baseline.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The baseline report.json.
    pub baseline: PathBuf,
    /// The candidate report.json.
    pub candidate: PathBuf,
    /// Relative change (percent) a gating figure may move the wrong way
    /// before it counts as a regression. Figures that were 0 regress on any
    /// increase.
    #[arg(long, value_name = "PCT", default_value_t = 5.0, value_parser = parse_tolerance)]
    pub tolerance: f64,
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a percentage (expected a number >= 0, such as 5)"
        )),
    }
}

/// Runs the command: prints the table; exit 1 on a regression, 2 when a
/// file cannot be read as a report.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let baseline = read_report(&args.baseline).map_err(|e| bad_input(e.to_string()))?;
    let candidate = read_report(&args.candidate).map_err(|e| bad_input(e.to_string()))?;
    let comparison = compare(&baseline, &candidate, args.tolerance);
    print!("{}", comparison.render());
    Ok(if comparison.regressed() {
        ExitCode::from(GATE_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
