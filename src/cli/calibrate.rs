//! `alertsim calibrate`: run a scenario for real (as `alertsim load`), then
//! simulate it with the same scenario and seed, fit the simulator's broker
//! to what the run measured, and say how far the simulator is from the run
//! before and after the fit.
//!
//! OUT holds `load/` (the run, as `load --out` writes it), `sim/` (the
//! simulator as configured) and `sim-fitted/` (with the fit), each
//! simulated report carrying its fidelity table on report.md and
//! report.html; `fidelity.md` and `fidelity.json` (both tables); and the
//! fit as two overlays for `sim --set-file`: `fit.toml` (the broker as
//! measured, for simulations at real time) and `fit-as-run.toml` (the same
//! stretched by the run's time scale: what the comparison used, since a
//! run at `--time-scale X` makes each real round trip X times longer in
//! scenario time).
//!
//! Exit 0 when the fitted simulator is within the tolerance on the judged
//! figures, 1 when not, 2 on bad input, 3 when the run could not keep up
//! (its figures measure the load generator: nothing is fitted).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alertsim_reports::fidelity::{FidelityTable, fidelity};
use alertsim_reports::{PageExtras, Report, human, read_report, write_reports_with};
use alertsim_scenarios::Scenario;
use alertsim_sim::calibration::{ProduceLatencyFit, fit_produce_latency, publish_mean_s};
use anyhow::Context;

use super::exit::{BAD_INPUT, GATE_FAILED, INCONCLUSIVE, bad_input};
use super::load::LoadArgs;

/// Run a scenario for real, simulate it, fit the simulator's broker to the
/// run and write the fidelity table.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Largest relative difference, percent, the fitted simulator may have
    /// from the run on p50 and p98 latency and mean throughput.
    #[arg(long, default_value_t = 15.0, value_name = "PCT")]
    pub tolerance: f64,
    /// The run: every `alertsim load` flag. `--out` is calibrate's
    /// directory (default `out/calibrate-<scenario>`); the run goes into
    /// its `load/`.
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Runs the command.
pub fn run(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    if !args.tolerance.is_finite() || args.tolerance <= 0.0 {
        return Err(bad_input(format!(
            "--tolerance {}: expected a positive number of percent",
            args.tolerance
        )));
    }
    if args.load.calibrate_speed {
        return Err(bad_input(
            "--calibrate-speed finds a time scale and runs nothing: give it to `alertsim load`",
        ));
    }
    let scenario = args.load.overrides.load(&args.load.scenario)?;
    let out = args
        .load
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("calibrate-{}", scenario.name)));
    let load_out = out.join("load");
    let mut load = args.load;
    load.out = Some(load_out.clone());
    eprintln!("calibrate: the run, into {}", load_out.display());
    let code = super::load::run(load)?;
    if code == ExitCode::from(INCONCLUSIVE) {
        eprintln!("calibrate: the run could not keep up; nothing fitted (exit {INCONCLUSIVE})");
        return Ok(code);
    }
    if code == ExitCode::from(BAD_INPUT) {
        return Ok(code);
    }
    let report_path = load_out.join("report.json");
    let measured: Report = serde_json::from_value(read_report(&report_path)?)
        .with_context(|| format!("{}: not a report of this version", report_path.display()))?;
    if measured.partial {
        eprintln!("calibrate: the run's report is partial; nothing fitted");
        return Ok(ExitCode::from(GATE_FAILED));
    }
    let time_scale = run_time_scale(&load_out)?;

    eprintln!(
        "calibrate: simulating {} with seed {}",
        scenario.name, scenario.seed
    );
    let sizes = alertsim_sim::fidelity::measure_sizes(&scenario.workers, scenario.seed)
        .context("encoding the alert sample for `workers.fidelity`")?;
    let fit = fit_produce_latency(&scenario, &sizes, publish_mean_s(&measured))
        .map_err(|e| anyhow::anyhow!("fitting the broker: {e}"))?;
    let tables = [
        fidelity(&fit.configured, &measured, args.tolerance),
        fidelity(&fit.report, &measured, args.tolerance),
    ];
    write_side(&out.join("sim"), &fit.configured, &tables[0])?;
    write_side(&out.join("sim-fitted"), &fit.report, &tables[1])?;
    let at_real_time = fit.produce_latency_ms.scaled(1.0 / time_scale);
    write_overlays(&out, &scenario, &fit, &at_real_time, time_scale, &measured)?;
    write_tables(&out, &tables, &fit, at_real_time.mean(), time_scale)?;

    println!("{}", summary_line("as configured", &tables[0]));
    println!("{}", summary_line("fitted", &tables[1]));
    println!(
        "fit: kafka.produce_latency_ms mean {} ms as run (x{}), {} ms at real time; written to {}",
        human::number(fit.produce_latency_ms.mean()),
        human::number(time_scale),
        human::number(at_real_time.mean()),
        out.join("fit.toml").display()
    );
    println!("fidelity: {}", out.join("fidelity.md").display());
    Ok(if tables[1].passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE_FAILED)
    })
}

/// The time scale the run went at (its load-info.json).
fn run_time_scale(load_out: &Path) -> anyhow::Result<f64> {
    let path = load_out.join("load-info.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let info: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    info["time_scale"]
        .as_f64()
        .filter(|x| *x > 0.0)
        .with_context(|| format!("{}: no positive `time_scale`", path.display()))
}

fn write_side(dir: &Path, report: &Report, table: &FidelityTable) -> anyhow::Result<()> {
    let extras = PageExtras {
        fidelity: Some(table),
        ..PageExtras::default()
    };
    write_reports_with(report, dir, extras)
        .with_context(|| format!("writing the reports to {}", dir.display()))?;
    Ok(())
}

/// `fit.toml` (real time) and `fit-as-run.toml` (the run's time scale).
fn write_overlays(
    out: &Path,
    scenario: &Scenario,
    fit: &ProduceLatencyFit,
    at_real_time: &alertsim_scenarios::Distribution,
    time_scale: f64,
    measured: &Report,
) -> anyhow::Result<()> {
    let header = |what: &str| {
        format!(
            "# alertsim calibrate {name} (seed {seed}), alertsim {version}: {what}\n\
             # Fitted: the produce round trip, scaled x{factor:.4} from the scenario's\n\
             # so that the simulated publish stage (mean {sim:.3} s) meets the run's ({real:.3} s).\n\
             # Not fitted: kafka.broker_bandwidth_mbps (the run peaked at {peak} Mbit/s;\n\
             # a run that does not fill a broker's link says nothing about its size).\n",
            name = scenario.name,
            seed = scenario.seed,
            version = env!("CARGO_PKG_VERSION"),
            factor = fit.factor,
            sim = fit.simulated_publish_s,
            real = fit.measured_publish_s,
            peak = human::number(measured.throughput.peak_mbit_per_s),
        )
    };
    let overlay = |latency: &alertsim_scenarios::Distribution| -> anyhow::Result<String> {
        let mut kafka = toml::Table::new();
        kafka.insert(
            "produce_latency_ms".to_owned(),
            toml::Value::try_from(latency).context("encoding the fitted distribution")?,
        );
        let mut root = toml::Table::new();
        root.insert("kafka".to_owned(), toml::Value::Table(kafka));
        toml::to_string(&root).context("encoding the overlay")
    };
    let files = [
        (
            "fit.toml",
            format!(
                "{}# The run went at --time-scale {time_scale}: its round trips are divided by it here.\n{}",
                header("the broker as measured, at real time"),
                overlay(at_real_time)?
            ),
        ),
        (
            "fit-as-run.toml",
            format!(
                "{}{}",
                header(&format!(
                    "the broker as the run at --time-scale {time_scale} saw it (what the comparison used)"
                )),
                overlay(&fit.produce_latency_ms)?
            ),
        ),
    ];
    for (name, text) in files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `fidelity.md` and `fidelity.json`: the tables before and after the fit.
fn write_tables(
    out: &Path,
    tables: &[FidelityTable; 2],
    fit: &ProduceLatencyFit,
    real_time_mean_ms: f64,
    time_scale: f64,
) -> anyhow::Result<()> {
    let json = serde_json::json!({
        "time_scale": time_scale,
        "fit": {
            "factor": fit.factor,
            "produce_latency_ms_as_run_mean": fit.produce_latency_ms.mean(),
            "produce_latency_ms_real_time_mean": real_time_mean_ms,
            "measured_publish_s": fit.measured_publish_s,
            "simulated_publish_s": fit.simulated_publish_s,
            "simulator_runs": fit.runs,
        },
        "as_configured": tables[0],
        "fitted": tables[1],
    });
    let path = out.join("fidelity.json");
    let mut text = serde_json::to_string_pretty(&json).context("encoding fidelity.json")?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    let md = format!(
        "# Fidelity: the simulator against the run\n\n\
         The run went at --time-scale {time_scale}. The fit scaled the produce round trip \
         x{factor:.4} (mean {as_run} ms in the run's scenario time, {real} ms at real time).\n\n\
         ## As configured (sim/)\n\n{before}\n## Fitted (sim-fitted/)\n\n{after}",
        factor = fit.factor,
        as_run = human::number(fit.produce_latency_ms.mean()),
        real = human::number(real_time_mean_ms),
        before = alertsim_reports::output::fidelity_section::markdown_body(&tables[0]),
        after = alertsim_reports::output::fidelity_section::markdown_body(&tables[1]),
    );
    let path = out.join("fidelity.md");
    std::fs::write(&path, md).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn summary_line(which: &str, table: &FidelityTable) -> String {
    let judged: Vec<String> = table
        .rows
        .iter()
        .filter(|r| r.within.is_some())
        .map(|r| {
            let ratio = r
                .ratio
                .map_or_else(|| "-".to_owned(), |x| format!("{x:.3}"));
            format!("{} {ratio}", r.figure)
        })
        .collect();
    let verdict = if table.passed() { "within" } else { "OUTSIDE" };
    format!(
        "{which}: {verdict} {}% (measured/simulated: {})",
        human::number(table.tolerance_pct),
        judged.join(", ")
    )
}
