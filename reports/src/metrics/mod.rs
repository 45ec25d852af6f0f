//! Metrics recorded during a run: latency histograms, per-visit records,
//! time series and the recorder that feeds them.

pub mod latency;
pub mod recorder;
pub mod recovery;
pub mod series;
pub mod visit;
