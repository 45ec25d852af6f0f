//! alertsim-sim: a single-threaded discrete-event simulator that drives the
//! production code of alertsim-core under virtual time, with seeded
//! randomness, so that a whole night runs in seconds and reproducibly.
//!
//! [`run`] takes [`SimParams`] and returns a [`SimOutcome`]; the command
//! line maps a scenario onto the parameters and the outcome onto a report.

pub mod engine;
pub mod metrics;
pub mod model;
pub mod outcome;
pub mod params;
pub mod queue;
pub mod rng;
pub mod sizes;
pub mod summary;
pub mod time;

pub use engine::{Progress, run, run_with_progress, run_with_sizes};
pub use outcome::SimOutcome;
pub use params::SimParams;
pub use sizes::AlertSizes;
