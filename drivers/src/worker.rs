//! The worker loop on a real Redis: [`driver::run_worker`] feeds the core's
//! worker state machine (`alertsim_core::worker::machine`) with real stream
//! replies and carries out its actions with tokio; [`reply`] decodes the
//! `XREADGROUP` and `XAUTOCLAIM` replies into the machine's entries.

pub mod driver;
pub mod reply;

pub use driver::{Processor, WorkerReport, WorkerSettings, run_worker, run_worker_until};
