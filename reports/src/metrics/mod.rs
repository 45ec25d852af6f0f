//! Metrics recorded during a run: latency histograms, per-visit records,
//! time series and the recorder that feeds them, which can be saved,
//! loaded and merged across load-generator shards; the summary of a run
//! and the recovery figures of its faults, computed from them.
//!
//! The bottom floor of the crate: nothing here imports the report, the
//! gates, the outputs or the comparison (see the crate's layering).

pub mod archive;
pub mod budget;
pub mod capacity;
pub mod error;
pub(crate) mod float;
pub mod latency;
pub mod live;
mod merge;
pub mod persist;
pub mod recorder;
pub mod recovery;
pub mod series;
pub mod summary;
pub mod visit;
