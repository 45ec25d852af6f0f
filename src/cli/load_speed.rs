//! Finding how fast this machine can play a scenario: `alertsim load
//! --calibrate-speed` (print it) and `--time-scale auto` (use it).
//!
//! A probe is a short load run of the scenario (its first
//! [`PROBE_VISITS`] visits, no reports written) at one time scale; the
//! generator's own verdict (`alertsim_loadgen::load::generator`) says
//! whether the probe kept up. The search starts at [`FIRST_PROBE`], climbs
//! by doubling while probes stay valid, and otherwise follows each
//! saturated probe's suggestion down, so it takes a handful of probes.

use alertsim_loadgen::load::{GeneratorSummary, LoadOptions, run_load};
use alertsim_scenarios::Scenario;
use anyhow::Context;

/// Visits a probe runs: the first visit's pods start one by one, so its
/// detectors publish staggered; from the second on, warm pods publish a
/// whole visit at once, which is where a busy machine's broker round trips
/// stretch. Three visits give two of those (measured here: two-visit
/// probes found x8.6 valid for `smoke` where the whole night at x8.6 was
/// saturated by its publishing).
pub const PROBE_VISITS: u32 = 3;
/// The first time scale tried.
pub const FIRST_PROBE: f64 = 20.0;
/// The highest time scale tried.
pub const MAX_PROBE: f64 = 80.0;
/// Most probes one search runs.
const MAX_PROBES: usize = 6;

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct SpeedFound {
    /// The highest valid time scale found; `None` when even the slowest
    /// probe was saturated.
    pub time_scale: Option<f64>,
    /// Probes run.
    pub probes: usize,
}

/// Runs probes of `scenario` with `options` (its time scale is replaced)
/// and returns the highest valid time scale found.
pub fn find_time_scale(scenario: &Scenario, options: &LoadOptions) -> anyhow::Result<SpeedFound> {
    let mut probe_scenario = scenario.clone();
    probe_scenario.night.visits = probe_scenario.night.visits.min(PROBE_VISITS);
    let mut probes = 0;
    let mut best: Option<f64> = None;
    let mut lowest_saturated = f64::INFINITY;
    let mut next = FIRST_PROBE;
    for _ in 0..MAX_PROBES {
        eprintln!("speed probe: {PROBE_VISITS} visits at --time-scale {next} ...");
        let summary = probe(&probe_scenario, options, next)?;
        eprintln!(
            "speed probe: x{next}: {} (lateness p99 {:.2} s, unmodelled work {:.1}%, publishing stretched by the time scale {:.1}%, {:.2} cores)",
            if summary.verdict.saturated {
                "saturated"
            } else {
                "valid"
            },
            summary.lateness_p99_s,
            summary.unmodelled_work_share * 100.0,
            summary.publish_inflation_share * 100.0,
            summary.cpu_cores_used
        );
        let saturated = summary.verdict.saturated;
        let suggested = summary.verdict.suggested_time_scale;
        probes += 1;
        if saturated {
            lowest_saturated = lowest_saturated.min(next);
            // Follow the suggestion down, but always below this probe.
            let down = suggested.min(next / 2.0);
            if down < 1.0 && next <= 1.0 {
                break;
            }
            next = down.max(1.0);
            if best.is_some_and(|b| next <= b) {
                break;
            }
        } else {
            best = Some(best.map_or(next, |b: f64| b.max(next)));
            let up = (next * 2.0).min(MAX_PROBE);
            if up <= next || up >= lowest_saturated {
                break;
            }
            next = up;
        }
    }
    Ok(SpeedFound {
        time_scale: best,
        probes,
    })
}

fn probe(
    scenario: &Scenario,
    options: &LoadOptions,
    time_scale: f64,
) -> anyhow::Result<GeneratorSummary> {
    let spool = tempfile::tempdir().context("creating a spool directory for a speed probe")?;
    let mut options = options.clone();
    options.time_scale = time_scale;
    options.spool_dir = spool.path().to_path_buf();
    let outcome = super::runtime()?
        .block_on(run_load(scenario, &options, |_| {}, std::future::pending()))
        .with_context(|| format!("speed probe at --time-scale {time_scale}"))?;
    Ok(outcome.generator)
}
