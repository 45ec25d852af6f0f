//! Metrics recorded during a run: latency histograms, per-visit records,
//! time series and the recorder that feeds them, which can be saved
//! and loaded.

pub mod error;
pub mod latency;
pub mod persist;
pub mod recorder;
pub mod recovery;
pub mod series;
pub mod visit;
