//! `alertsim sweep`: a scenario run over a grid of settings in parallel
//! (sweep.json, sweep.md, sweep.svg, sweep.html), or, with `--find`
//! (find.json, find.html), the bisection for
//! the smallest value of one setting whose run passes the gates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::shell::quote;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use alertsim_sim::sweep::{
    FORMAT_VERSION, Grid, PointResult, Sweep, SweepError, SweepResult, VARY_FORM, chart, describe,
    find, page, table,
};
use anyhow::Context;
use serde::Serialize;

use super::exit::{GATE_FAILED, bad_input};

/// Run a scenario over a grid of settings, or search for the smallest passing value.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// A catalogue name (see `alertsim scenarios list`) or a path to a
    /// scenario .toml file.
    #[arg(value_name = "SCENARIO")]
    pub scenario: String,
    /// A range of one setting, `key=FROM..TO:STEP` (integers or decimals);
    /// several `--vary` make a grid of every combination.
    #[arg(long, value_name = "KEY=FROM..TO:STEP")]
    pub vary: Vec<String>,
    /// Seed of every point's run (overrides the scenario's `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario field at every point: `--set gates.p98_latency_s=30`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Directory for sweep.json, sweep.md, sweep.svg and sweep.html (or
    /// find.json and find.html)
    /// (default `out/<scenario name>-sweep`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Threads running points (default: every core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Bisect this key (the single `--vary` range) for the smallest value
    /// that meets `--until`; assumes more is never worse.
    #[arg(long, value_name = "KEY", requires = "until")]
    pub find: Option<String>,
    /// The condition `--find` searches for.
    #[arg(long, value_name = "CONDITION", requires = "find")]
    pub until: Option<Until>,
}

/// What `--find` searches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Until {
    /// Every gate of the scenario passes.
    GatesPass,
}

/// Runs the command.
pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let grid = Grid::parse(&args.vary).map_err(|e| bad_input(e.to_string()))?;
    if let Some(key) = &args.find {
        let single = matches!(grid.ranges.as_slice(), [r] if &r.key == key);
        if !single {
            return Err(bad_input(format!(
                "--find {key}: needs exactly one --vary {key}=FROM..TO:STEP (expected {VARY_FORM})"
            )));
        }
    }
    let threads = match args.jobs {
        Some(0) => {
            return Err(bad_input(
                "--jobs 0: expected a number of threads, 1 or more",
            ));
        }
        Some(n) => {
            super::limits::at_most(
                "--jobs",
                n as u64,
                super::limits::SWEEP_THREADS,
                "threads",
                0,
                "",
            )?;
            n
        }
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let sweep = Sweep::prepare(&args.scenario, &args.set, args.seed, grid).map_err(sweep_error)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("{}-sweep", sweep.scenario)));
    match &args.find {
        Some(key) => run_find(&args, &sweep, key, threads, &out),
        None => run_grid(&args, &sweep, threads, &out),
    }
}

fn sweep_error(e: SweepError) -> anyhow::Error {
    if e.is_bad_input() {
        bad_input(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

fn run_grid(
    args: &SweepArgs,
    sweep: &Sweep,
    threads: usize,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    eprintln!(
        "sweep {}: {} points on {} threads",
        sweep.scenario,
        sweep.points.len(),
        threads.min(sweep.points.len().max(1))
    );
    let started = Instant::now();
    let total = sweep.points.len();
    let finished = AtomicUsize::new(0);
    let result = sweep
        .run_with_progress(threads, |p| {
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            eprintln!(
                "sweep: {n}/{total} done: #{} {}: {}",
                p.index,
                describe(&p.settings),
                if p.passed { "pass" } else { "FAIL" }
            );
        })
        .map_err(sweep_error)?;
    let wall_s = started.elapsed().as_secs_f64();

    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let json = serde_json::to_string_pretty(&result).context("serialising sweep.json")?;
    write(&out.join("sweep.json"), &(json + "\n"))?;
    let markdown = table::markdown(&result);
    let reproduce = reproduce_failures(args, &result);
    write(
        &out.join("sweep.md"),
        &format!("{markdown}{reproduce}\n![cost against p98 latency](sweep.svg)\n"),
    )?;
    write(&out.join("sweep.svg"), &chart::cost_latency_svg(&result))?;
    write(&out.join("sweep.html"), &page::html(&result))?;

    print!("{markdown}{reproduce}");
    let passed = result.points.iter().filter(|p| p.passed).count();
    println!(
        "\n{passed} of {} points pass the gates; {wall_s:.2} s wall time",
        result.points.len()
    );
    println!(
        "sweep.json, sweep.md, sweep.svg and sweep.html in {}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What find.json holds.
#[derive(Debug, Serialize)]
struct FindReport<'a> {
    format_version: u32,
    scenario: &'a str,
    seed: u64,
    set: &'a [String],
    vary: String,
    until: &'static str,
    answer: Option<&'a PointResult>,
    probes: &'a [PointResult],
}

fn run_find(
    args: &SweepArgs,
    sweep: &Sweep,
    key: &str,
    threads: usize,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let vary = sweep
        .grid
        .ranges
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    println!(
        "find the smallest {key} in {vary} whose run of {} passes the gates",
        sweep.scenario
    );
    let outcome = find::smallest_passing(sweep, threads, |p| {
        println!(
            "probe {}: {} (p98 {:.1} s, late visits {}, lost {}, {:.2} pod-h)",
            describe(&p.settings),
            if p.passed {
                "pass".to_owned()
            } else {
                format!("FAIL ({})", p.failed_gates.join(", "))
            },
            p.p98_latency_s,
            p.late_visits,
            p.lost_alerts,
            p.pod_h
        );
    })
    .map_err(sweep_error)?;

    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let report = FindReport {
        format_version: FORMAT_VERSION,
        scenario: &sweep.scenario,
        seed: sweep.seed,
        set: &sweep.set,
        vary: vary.clone(),
        until: "gates-pass",
        answer: outcome.answer.as_ref(),
        probes: &outcome.probes,
    };
    let json = serde_json::to_string_pretty(&report).context("serialising find.json")?;
    write(&out.join("find.json"), &(json + "\n"))?;
    // The probes on the sweep's chart, the answer marked.
    let mut probes = outcome.probes.clone();
    probes.sort_by_key(|p| p.index);
    probes.dedup_by_key(|p| p.index);
    let choice = outcome.answer.as_ref().map(|a| chart::Choice {
        index: a.index,
        reason: "smallest value that passes, found by --find",
    });
    write(
        &out.join("find.html"),
        &page::html_with(&sweep.result(probes), choice),
    )?;

    if outcome.runs > outcome.probes.len() {
        println!(
            "({} runs on {threads} threads, {} of them speculative)",
            outcome.runs,
            outcome.runs - outcome.probes.len()
        );
    }
    match &outcome.answer {
        Some(answer) => {
            let value = answer
                .settings
                .first()
                .map(|s| s.value.to_string())
                .unwrap_or_default();
            println!("answer: {key}={value} is the smallest value in {vary} that passes the gates");
            println!(
                "check:  alertsim sim {} --seed {}{} --set {key}={value}",
                quote(&args.scenario),
                sweep.seed,
                sets(&sweep.set)
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("no answer: even the largest value of {vary} fails the gates");
            Ok(ExitCode::from(GATE_FAILED))
        }
    }
}

/// One `alertsim sim` command line per failed point, under a heading
/// (empty when every point passed).
fn reproduce_failures(args: &SweepArgs, result: &SweepResult) -> String {
    let lines: Vec<String> = result
        .points
        .iter()
        .filter(|p| !p.passed)
        .map(|p| {
            let varied: String = p
                .settings
                .iter()
                .map(|s| format!(" --set {}", quote(&format!("{}={}", s.key, s.value))))
                .collect();
            format!(
                "- #{}: `alertsim sim {} --seed {}{}{varied}`",
                p.index,
                quote(&args.scenario),
                result.seed,
                sets(&result.set)
            )
        })
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "\nFailed points, reproduced one by one (alertsim {}):\n\n{}\n",
        env!("CARGO_PKG_VERSION"),
        lines.join("\n")
    )
}

fn sets(set: &[String]) -> String {
    set.iter().map(|s| format!(" --set {}", quote(s))).collect()
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
