//! alertsim-core: the production path of Rubin's alert pipeline.
//!
//! Everything here is code that production runs. The decision logic (scaler,
//! worker loop, fan-out) is sans-IO: plain state machines and pure functions
//! that take the current time and an input and return what to do. Real
//! drivers (tokio, redis) and the simulator both feed them. No simulation code
//! lives in this crate.

pub mod alert;
pub mod fanout;
pub mod publish;
pub mod registry;
pub mod scaled_object;
pub mod scaler;
pub mod worker;
