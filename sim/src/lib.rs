//! alertsim-sim: a single-threaded discrete-event simulator that drives the
//! production code of alertsim-core under virtual time, with seeded
//! randomness, so that a whole night runs in seconds and reproducibly.
//!
//! [`run`] takes a scenario and returns a [`SimRun`] holding the report;
//! [`fidelity::measure_sizes`] encodes a sample of generated alerts with the
//! real encoder for [`run_with_sizes`].

pub mod config;
pub mod engine;
pub mod fidelity;
pub mod model;
pub mod queue;
pub mod rng;
pub mod sizes;
pub mod time;

pub use engine::{Progress, SimRun, run, run_with_sizes};
pub use sizes::AlertSizes;
