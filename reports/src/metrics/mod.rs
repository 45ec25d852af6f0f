//! Metrics recorded during a run: latency histograms, per-visit records,
//! time series and the recorder that feeds them, which can be saved,
//! loaded and merged across load-generator shards.

pub mod error;
pub mod latency;
mod merge;
pub mod persist;
pub mod recorder;
pub mod recovery;
pub mod series;
pub mod visit;
