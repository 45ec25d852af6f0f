//! alertsim-sim: a single-threaded discrete-event simulator that drives the
//! production code of alertsim-core under virtual time, with seeded
//! randomness, so that a whole night runs in seconds and reproducibly.
//!
//! [`run`] takes a scenario and returns a [`SimRun`] holding the report;
//! [`fidelity::measure_sizes`] encodes a sample of generated alerts with the
//! real encoder for [`run_with_sizes`]; [`sweep`] runs a scenario over a
//! grid of settings in parallel and bisects for the smallest passing value.
//!
//! What runs as production code: the KEDA poll loop (decision, strategies,
//! API rate limit, history cleanup, rollout on a spec change), the
//! redis-streams trigger's reading of the lag, the fan-out's event fields
//! and the worker state machine of every pod (ack modes, restart frequency,
//! listen timeout, expiry, reclaiming), the alert generator and encoder.
//!
//! What is modelled (see `model/`): the night's schedule and alert counts;
//! a Redis stream with Redis 7's lag counters; the node pool with pods
//! waiting for room, start-up and teardown times; Kafka as a fluid queue
//! (the brokers' bandwidth divided by the replication factor, acks=all
//! failing below min.insync, delivery timeout) with the packager flushing
//! after every alert; community brokers reading at their own rate.
//!
//! Simplifications, chosen for speed: a detector's alerts are one batch
//! (they follow one another at encode + round-trip intervals, and each
//! alert's latency is recorded individually); partitions are not modelled
//! one by one; idle workers sleep until entries arrive instead of polling.

pub mod calibration;
pub mod engine;
pub mod fidelity;
pub mod model;
pub mod queue;
pub mod schema_evolution;
pub mod sizes;
pub mod sweep;

// Scenario time, the named random streams and the chaos expansion belong to
// the plan (both drivers use them); the engine's modules name them here.
pub use alertsim_plan::{chaos, rng, time};

pub use engine::{Progress, SimRun, run, run_plan};
pub use sizes::AlertSizes;
