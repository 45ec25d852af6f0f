//! `alertsim merge`: combine the outputs of `alertsim load --shard I/N`
//! runs (each a directory with `recorder.json` and `report.json`) into one
//! report of the whole scenario: counts and Jobs add, histograms merge,
//! time series add sample by sample.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alertsim_reports::{Recorder, Report, junit, read_report, write_reports};
use anyhow::Context;

use super::exit::{GATE_FAILED, bad_input};
use super::merge_shards::{check_complete, read_shard as read_split_shard};

/// Merge shard outputs into one report.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output directories of `alertsim load --shard` runs.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Directory for the merged reports.
    #[arg(long, value_name = "DIR", default_value = "out/merged")]
    pub out: PathBuf,
    /// Also write the gates as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// One shard's output.
struct ShardOutput {
    dir: PathBuf,
    recorder: Recorder,
    report: Report,
}

fn read_shard(dir: &Path) -> anyhow::Result<ShardOutput> {
    let recorder = Recorder::load(&dir.join("recorder.json")).map_err(|e| {
        bad_input(format!(
            "{e} (expected the output directory of `alertsim load`)"
        ))
    })?;
    let path = dir.join("report.json");
    // Checks the JSON and its format_version, naming the file.
    let value = read_report(&path).map_err(|e| bad_input(e.to_string()))?;
    let report: Report = serde_json::from_value(value).map_err(|e| {
        bad_input(format!(
            "{}: {e} (expected a report.json written by alertsim)",
            path.display()
        ))
    })?;
    // The merged report is built from this scenario: it must be one
    // alertsim would run (within its limits).
    if let Some(issue) = report.config.validate().into_iter().next() {
        return Err(bad_input(format!(
            "{}: `config.{}`: {} (expected {})",
            path.display(),
            issue.path,
            issue.message,
            issue.expected
        )));
    }
    Ok(ShardOutput {
        dir: dir.to_owned(),
        recorder,
        report,
    })
}

/// Merges the shards in the order given: the merged recorder and its report.
fn merge(shards: Vec<ShardOutput>) -> anyhow::Result<(Recorder, Report)> {
    let mut shards = shards.into_iter();
    let Some(first) = shards.next() else {
        return Err(bad_input("no directories to merge"));
    };
    let scenario = first.report.config.clone();
    let mut simulated_s = first.report.simulated_s;
    let mut partial = first.report.partial;
    let mut merged = first.recorder;
    for shard in shards {
        let c = &shard.report.config;
        if c.name != scenario.name || c.seed != scenario.seed {
            return Err(bad_input(format!(
                "{}: scenario {} seed {} (expected {} seed {}, as in {})",
                shard.dir.display(),
                c.name,
                c.seed,
                scenario.name,
                scenario.seed,
                "the first directory"
            )));
        }
        merged
            .merge(&shard.recorder)
            .map_err(|e| bad_input(format!("{}: {e}", shard.dir.display())))?;
        simulated_s = simulated_s.max(shard.report.simulated_s);
        partial |= shard.report.partial;
    }
    let mut report = merged.clone().finish(&scenario, simulated_s);
    report.partial = partial;
    Ok((merged, report))
}

/// Runs the command: exit 0 when the merged gates pass, 1 when not, 2 when
/// an input cannot be read or does not belong with the others.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let split = args
        .dirs
        .iter()
        .map(|d| read_split_shard(d).map(|s| (d.clone(), s)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_input(e.to_string()))?;
    check_complete(&split).map_err(|e| bad_input(e.to_string()))?;
    let shards = args
        .dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (recorder, report) = merge(shards)?;
    write_reports(&report, &args.out)
        .with_context(|| format!("writing the reports to {}", args.out.display()))?;
    let path = args.out.join("recorder.json");
    recorder
        .save(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    if let Some(path) = &args.junit {
        junit::write(&report, path)
            .with_context(|| format!("writing JUnit XML to {}", path.display()))?;
    }
    println!(
        "{}: {} shards merged",
        report.scenario,
        alertsim_reports::human::count(args.dirs.len() as u64)
    );
    super::summary::print_alerts_latency_jobs(&report);
    super::summary::print_gates_and_reports(&report, false, &args.out);
    Ok(if report.gates.passed && !report.partial {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE_FAILED)
    })
}
