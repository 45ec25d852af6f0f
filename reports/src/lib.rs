//! alertsim-reports: metrics (HdrHistogram), report.json / report.md /
//! report.html, gates and baseline comparison.
//!
//! During a run feed a [`Recorder`]; at the end call
//! [`Recorder::finish`] for a [`Report`] (gates evaluated), then
//! [`write_reports`] for the three report files, [`RunInfo::write`] for the
//! wall-clock figures and [`junit::write`] for CI. The recorders of several
//! load-generator shards are combined with [`Recorder::save`],
//! [`Recorder::load`] and [`Recorder::merge`].

pub mod compare;
pub mod fields;
pub mod gates;
pub mod metrics;
pub mod number;
pub mod output;
pub mod report;
pub mod schema;

pub use compare::{Comparison, compare, read_report};
pub use gates::{GateReport, GateResult};
pub use metrics::error::MergeError;
pub use metrics::latency::{LatencyHistogram, Percentiles};
pub use metrics::persist::{RECORDER_FORMAT, RECORDER_FORMAT_VERSION};
pub use metrics::recorder::{DEFAULT_SAMPLE_INTERVAL_S, Recorder};
pub use metrics::series::{Gauges, Series};
pub use metrics::visit::VisitRecord;
pub use output::run_info::RunInfo;
pub use output::{ReportError, Written, junit, write_reports, write_run};
pub use report::{
    AlertTotals, ByteTotals, ConsumerReport, FORMAT_VERSION, FaultWindow, JobTotals, Report,
    Throughput,
};
pub use schema::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};
