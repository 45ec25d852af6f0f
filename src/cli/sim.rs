//! `alertsim sim`: simulate a scenario through the production core under
//! virtual time and write its reports (report.json, report.md, report.html,
//! run-info.json, optionally JUnit XML and a metrics file of the time
//! series); the exit code says whether the scenario's gates passed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::shell::quote;
use std::time::Instant;

use alertsim_plan::Plan;
use alertsim_reports::output::metrics_file::{self, MetricsFormat};
use alertsim_reports::{Report, RunInfo, human, junit, write_reports};
use alertsim_scenarios::{Scenario, catalog};
use alertsim_sim::{Progress, SimRun};
use anyhow::Context;

use super::exit::{GATE_FAILED, bad_input};
use super::overrides::ScenarioOverrides;

/// Simulate a scenario (default: the catalogue's `rubin-night`).
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// A catalogue name (see `alertsim scenarios list`) or a path to a
    /// scenario .toml file.
    #[arg(value_name = "SCENARIO", default_value = catalog::DEFAULT)]
    pub scenario: String,
    /// Simulate the scenario imported from rendered manifests (files or a
    /// directory, as `alertsim scenarios import` reads them) instead of SCENARIO.
    #[arg(long, value_name = "DIR", conflicts_with = "scenario")]
    pub from_manifests: Option<String>,
    #[command(flatten)]
    pub overrides: ScenarioOverrides,
    /// Directory for the reports (default `out/<scenario name>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the gates as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the night's time series to FILE, for a dashboard: stream
    /// lag, Jobs running and pending, busy pods, publisher backlog and
    /// delivery rates, one point per report sample, stamped in virtual time
    /// from the night's start (2026-01-01T00:00:00Z). Same scenario and
    /// seed, same bytes.
    #[arg(long, value_name = "FILE")]
    pub metrics_out: Option<PathBuf>,
    /// Format of --metrics-out: OpenMetrics text with timestamps (what
    /// `promtool tsdb create-blocks-from openmetrics` backfills Prometheus
    /// from), or InfluxDB line protocol (measurement `alertsim`, tags
    /// `scenario` and `seed`; what Sasquatch ingests).
    #[arg(long, value_enum, default_value_t = MetricsFormatArg::Openmetrics, value_name = "FORMAT")]
    pub metrics_format: MetricsFormatArg,
}

/// `--metrics-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricsFormatArg {
    /// OpenMetrics text exposition, every sample timestamped.
    Openmetrics,
    /// InfluxDB line protocol, nanosecond timestamps.
    Influx,
}

impl MetricsFormatArg {
    fn format(self) -> MetricsFormat {
        match self {
            MetricsFormatArg::Openmetrics => MetricsFormat::OpenMetrics,
            MetricsFormatArg::Influx => MetricsFormat::Influx,
        }
    }
}

/// Runs the command.
pub fn run(args: SimArgs) -> anyhow::Result<ExitCode> {
    let scenario = match &args.from_manifests {
        Some(dir) => super::scenarios_import::scenario_from_manifests(dir, &args.overrides)?,
        None => args.overrides.load(&args.scenario)?,
    };
    let plan = Plan::new(&scenario).map_err(|e| bad_input(e.to_string()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&scenario.name));

    let started = Instant::now();
    let sizes = alertsim_sim::fidelity::measure_sizes(&scenario.workers, scenario.seed)
        .context("encoding the alert sample for `workers.fidelity`")?;
    let mut progress = ProgressOutput::new(&scenario);
    let result = alertsim_sim::run_plan(&plan, sizes, |p| progress.update(p));
    progress.finish();
    let wall_s = started.elapsed().as_secs_f64();

    write_reports(&result.report, &out)
        .with_context(|| format!("writing the reports to {}", out.display()))?;
    let info = RunInfo::new(wall_s, result.simulated_s, result.events);
    info.write(&out)
        .with_context(|| format!("writing run-info.json to {}", out.display()))?;
    if let Some(path) = &args.junit {
        junit::write(&result.report, path)
            .with_context(|| format!("writing JUnit XML to {}", path.display()))?;
    }
    if let Some(path) = &args.metrics_out {
        metrics_file::write(
            &result.report,
            args.metrics_format.format(),
            alertsim_sim::engine::NIGHT_START_UNIX_S,
            path,
        )
        .with_context(|| format!("writing the metrics to {}", path.display()))?;
    }
    print_summary(&result, &info, &out);

    if result.report.gates.passed {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "gates failed; reproduce with:\n  {}",
            reproduce(&args, &scenario)
        );
        Ok(ExitCode::from(GATE_FAILED))
    }
}

/// The command line that reproduces this run exactly.
fn reproduce(args: &SimArgs, scenario: &Scenario) -> String {
    let what = match &args.from_manifests {
        Some(dir) => format!("--from-manifests {}", quote(dir)),
        None => quote(&args.scenario),
    };
    let mut line = format!("alertsim sim {what}{}", args.overrides.reproduce(scenario));
    line.push_str(&format!("   # alertsim {}", env!("CARGO_PKG_VERSION")));
    line
}

fn print_summary(result: &SimRun, info: &RunInfo, out: &std::path::Path) {
    let r: &Report = &result.report;
    println!(
        "{}: {} visits, {} simulated in {} ({}x real time, {} events/s)",
        r.scenario,
        human::count(r.visits),
        human::duration(r.simulated_s),
        human::duration(info.wall_s),
        human::sig(info.simulated_to_wall, 3),
        human::number(info.events_per_s)
    );
    super::summary::print_alerts_latency_jobs(r);
    super::summary::print_gates_and_reports(r, result.truncated, out);
}

/// A progress bar on a terminal, a few plain lines otherwise.
struct ProgressOutput {
    bar: Option<indicatif::ProgressBar>,
    last_tenth: u32,
}

impl ProgressOutput {
    fn new(scenario: &Scenario) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(u64::from(scenario.night.visits));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:40}] {pos}/{len} visits {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(scenario.name.clone());
            bar
        });
        ProgressOutput { bar, last_tenth: 0 }
    }

    fn update(&mut self, p: Progress) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::from(p.visits_announced));
                bar.set_message(format!("t={}", human::duration(p.simulated_s)));
            }
            None => {
                let total = p.visits_total.max(1);
                let tenth = p.visits_announced.saturating_mul(10) / total;
                if tenth > self.last_tenth {
                    self.last_tenth = tenth;
                    eprintln!(
                        "sim: {}/{} visits announced, t={}, {} events",
                        human::count(u64::from(p.visits_announced)),
                        human::count(u64::from(p.visits_total)),
                        human::duration(p.simulated_s),
                        human::count(p.events)
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
