//! `alertsim compare`: what moved between two reports; exit 1 on a regression.
//! With `--out DIR`, also compare.md and compare.html (both runs' series
//! overlaid on the same axes) in DIR.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alertsim_reports::compare::overlay::{RunKind, Side};
use alertsim_reports::compare::page;
use alertsim_reports::{Comparison, Report, compare, read_report};
use anyhow::Context;
use serde_json::Value;

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
    /// Also write compare.md and compare.html (both runs overlaid on the
    /// same axes, then the table of what moved) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
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
    if let Some(dir) = &args.out {
        write_pages(&args, &comparison, [&baseline, &candidate], dir)?;
    }
    Ok(if comparison.regressed() {
        ExitCode::from(GATE_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The run that wrote the report beside `file`: a load run leaves
/// load-info.json next to its report.json.
fn kind(file: &Path) -> RunKind {
    let beside = file
        .parent()
        .unwrap_or(Path::new("."))
        .join("load-info.json");
    if beside.is_file() {
        RunKind::Load
    } else {
        RunKind::Sim
    }
}

/// Writes DIR/compare.md and DIR/compare.html. A report that does not read
/// as the current layout is still in the table; its charts say it is missing.
fn write_pages(
    args: &CompareArgs,
    comparison: &Comparison,
    values: [&Value; 2],
    dir: &Path,
) -> anyhow::Result<()> {
    let typed: [Option<Report>; 2] = values.map(|v| serde_json::from_value(v.clone()).ok());
    let files = [
        args.baseline.display().to_string(),
        args.candidate.display().to_string(),
    ];
    let side = |i: usize, role: &'static str, path: &Path| Side {
        role,
        file: &files[i],
        kind: kind(path),
        report: typed[i].as_ref(),
    };
    let sides = [
        side(0, "baseline", &args.baseline),
        side(1, "candidate", &args.candidate),
    ];
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let md = page::markdown(comparison, &sides)?;
    let html = page::html(comparison, &sides)?;
    for (name, text) in [("compare.md", md), ("compare.html", html)] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("compare.md and compare.html in {}", dir.display());
    Ok(())
}
