//! alertsim-reports: metrics (HdrHistogram), report.json / report.md /
//! report.html, gates and baseline comparison.
//!
//! During a run feed a [`Recorder`]; at the end call
//! [`Recorder::finish`] for a [`Report`] (gates evaluated), then
//! [`write_reports`] for the three report files, [`RunInfo::write`] for the
//! wall-clock figures and [`junit::write`] for CI. The recorders of several
//! load-generator shards are combined with [`Recorder::save`],
//! [`Recorder::load`] and [`Recorder::merge`].
//!
//! # Layering
//!
//! The modules stand on floors; each imports only from the floors below it
//! (and, within `metrics` and `output`, files never import each other in a
//! loop). From the ground up:
//!
//! 0. `human` (figures as the pages and the terminal show them) imports
//!    nothing of the crate; every floor may use it.
//! 1. `number` (rounding), `bounded_read` (reading input files with a size
//!    limit), `schema` (the schema section's records), `fields` (the
//!    documentation of report.json's fields) and `chart` (line charts as
//!    SVG, for report.html and compare.html) import only `human`.
//! 2. `metrics`: what is measured during a run and summed up after it.
//!    `float`, `latency`, `series`, `visit` at the bottom; `summary` and
//!    `recovery` on them; the `recorder` that feeds them; `persist` and
//!    `merge` (saving, loading and merging recorders) and `live` (what a
//!    running load's metrics endpoint reads) on top. Metrics
//!    never import the gates, the report, the outputs or the comparison.
//! 3. `gates`: the scenario's limits judged on the metrics' figures.
//! 4. `report`: the [`Report`], built from the metrics (the recorder's
//!    [`Summary`], the faults' recovery) and the gates' verdict;
//!    [`Recorder::finish`] is defined here.
//! 5. `fidelity`: a real run's report beside the simulator's for the same
//!    scenario and seed (`alertsim calibrate`'s table).
//! 6. `output` (report.md, report.html, JUnit, run-info.json, the series
//!    as a metrics file, writing files; the fidelity table on the pages)
//!    and `compare` (two reports side by side) read the report.
//!
//! `tests/layering.rs` reads the sources and fails on an import that runs
//! up a floor or closes a loop between files.

pub mod bounded_read;
pub mod chart;
pub mod compare;
pub mod fidelity;
pub mod fields;
pub mod gates;
pub mod human;
pub mod metrics;
pub mod number;
pub mod output;
pub mod report;
pub mod schema;

pub use compare::{Comparison, compare, read_report, report_from_str};
pub use gates::{GateReport, GateResult};
pub use metrics::budget::{
    CauseCount, DetectorStamps, LateCause, LatencyBudget, Stage, StageBudget, StageFigures,
};
pub use metrics::error::MergeError;
pub use metrics::latency::{LatencyHistogram, Percentiles};
pub use metrics::persist::{RECORDER_FORMAT, RECORDER_FORMAT_VERSION};
pub use metrics::recorder::{DEFAULT_SAMPLE_INTERVAL_S, Recorder};
pub use metrics::recovery::{FaultWindow, RecoveryRecord};
pub use metrics::series::{Gauges, Series};
pub use metrics::summary::{
    AlertTotals, ByteTotals, ConsumerReport, JobTotals, Summary, Throughput,
};
pub use metrics::visit::VisitRecord;
pub use output::run_info::RunInfo;
pub use output::{
    LoadValidity, PageExtras, ReportError, Written, junit, write_reports, write_reports_with,
    write_run,
};
pub use report::{FORMAT_VERSION, Report};
pub use schema::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};
