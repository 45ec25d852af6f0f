//! Capacity sweeps: one scenario run over a grid of settings
//! (`--vary key=FROM..TO:STEP`), every point on its own thread-independent
//! run seeded by the scenario's seed, and the search for the smallest value
//! of a monotone setting whose run passes the gates.
//!
//! [`Sweep::prepare`] resolves every point's scenario up front (so a bad key
//! is reported before anything runs); [`Sweep::run`] runs the points on a
//! number of threads and returns them in grid order, so the result does not
//! depend on the thread count; [`find::smallest_passing`] bisects a single
//! range. [`table`], [`chart`] and [`page`] render the results as Markdown,
//! SVG and HTML;
//! writing files is the caller's business.

pub mod chart;
pub mod find;
pub mod grid;
pub mod page;
pub mod parallel;
pub mod point;
pub mod table;

use alertsim_core::alert::generate::GenerateError;
use alertsim_scenarios::{Override, Scenario, ScenarioError, parse_overrides};
use serde::Serialize;

pub use grid::{Grid, GridError, Number, Range, Setting, VARY_FORM};
pub use point::PointResult;

/// Version of the sweep.json layout.
pub const FORMAT_VERSION: u32 = 1;

/// Why a sweep cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--vary` argument is malformed.
    #[error(transparent)]
    Grid(#[from] GridError),
    /// The scenario, a `--set` or a grid point's setting is rejected.
    #[error("{context}: {source}")]
    Scenario {
        /// Which point or argument.
        context: String,
        /// The scenario's own message (file, key, expected value).
        source: ScenarioError,
    },
    /// The alert sample for `workers.fidelity` could not be encoded.
    #[error("encoding the alert sample for `workers.fidelity`: {0}")]
    Sizes(#[from] GenerateError),
    /// A point's scenario holds a value the core cannot run.
    #[error(transparent)]
    Plan(#[from] alertsim_plan::PlanError),
}

impl SweepError {
    /// True when the error comes from the user's input (arguments,
    /// scenario), false for an internal failure.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, SweepError::Sizes(_))
    }
}

/// One point of a prepared sweep.
#[derive(Debug, Clone)]
pub struct Point {
    /// Index in the grid.
    pub index: usize,
    /// The varied settings.
    pub settings: Vec<Setting>,
    /// The scenario with the base overrides and the settings applied.
    pub scenario: Scenario,
}

/// A sweep ready to run.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Scenario name (from the scenario file).
    pub scenario: String,
    /// Seed of every point's run.
    pub seed: u64,
    /// The `--set` arguments applied to every point.
    pub set: Vec<String>,
    /// The grid.
    pub grid: Grid,
    /// Every point, in grid order.
    pub points: Vec<Point>,
}

impl Sweep {
    /// Resolves the scenario (catalogue name or path) with the base `set`
    /// overrides, the optional seed and each grid point's settings.
    pub fn prepare(
        name_or_path: &str,
        set: &[String],
        seed: Option<u64>,
        grid: Grid,
    ) -> Result<Self, SweepError> {
        let base = parse_overrides(set).map_err(|source| SweepError::Scenario {
            context: "--set".to_owned(),
            source,
        })?;
        let base_scenario =
            Scenario::resolve(name_or_path, &base).map_err(|source| SweepError::Scenario {
                context: format!("scenario `{name_or_path}`"),
                source,
            })?;
        let seed = seed.unwrap_or(base_scenario.seed);
        let mut points = Vec::with_capacity(grid.len());
        for (index, settings) in grid.points().into_iter().enumerate() {
            let mut overrides: Vec<Override> = base.clone();
            for s in &settings {
                let argument = format!("{}={}", s.key, s.value);
                let o = Override::parse(&argument).map_err(|d| SweepError::Scenario {
                    context: format!("--vary {argument}"),
                    source: ScenarioError::from(d),
                })?;
                overrides.push(o);
            }
            let mut scenario = Scenario::resolve(name_or_path, &overrides).map_err(|source| {
                SweepError::Scenario {
                    context: format!(
                        "--vary {} at grid point {index} ({})",
                        grid.ranges
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" --vary "),
                        describe(&settings)
                    ),
                    source,
                }
            })?;
            scenario.seed = seed;
            points.push(Point {
                index,
                settings,
                scenario,
            });
        }
        Ok(Sweep {
            scenario: base_scenario.name,
            seed,
            set: set.to_vec(),
            grid,
            points,
        })
    }

    /// Runs every point on `threads` threads (at least one); the result is
    /// in grid order whatever the thread count.
    pub fn run(&self, threads: usize) -> Result<SweepResult, SweepError> {
        self.run_with_progress(threads, |_| {})
    }

    /// [`Sweep::run`], calling `on_done` as each point finishes (from the
    /// thread that ran it, so in no particular order).
    pub fn run_with_progress(
        &self,
        threads: usize,
        on_done: impl Fn(&PointResult) + Sync,
    ) -> Result<SweepResult, SweepError> {
        let results = parallel::map_ordered(&self.points, threads, |p| {
            let r = point::run_point(p.index, &p.settings, &p.scenario);
            if let Ok(done) = &r {
                on_done(done);
            }
            r
        });
        let points = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(self.result(points))
    }

    /// Wraps point results with the sweep's description.
    pub fn result(&self, points: Vec<PointResult>) -> SweepResult {
        SweepResult {
            format_version: FORMAT_VERSION,
            scenario: self.scenario.clone(),
            seed: self.seed,
            set: self.set.clone(),
            vary: self.grid.ranges.iter().map(ToString::to_string).collect(),
            points,
        }
    }
}

/// What sweep.json holds: no timings, so the same sweep gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Seed of every point's run.
    pub seed: u64,
    /// `--set` arguments applied to every point.
    pub set: Vec<String>,
    /// The ranges, as `key=FROM..TO:STEP`.
    pub vary: Vec<String>,
    /// One result per grid point, in grid order.
    pub points: Vec<PointResult>,
}

/// `key=value, key=value` for messages and tables.
pub fn describe(settings: &[Setting]) -> String {
    settings
        .iter()
        .map(|s| format!("{}={}", s.key, s.value))
        .collect::<Vec<_>>()
        .join(", ")
}
