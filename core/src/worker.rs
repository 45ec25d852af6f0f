//! The worker loop: read an event, process a detector, package, publish.
//!
//! [`machine::Worker`] is the sans-IO state machine of one worker pod (one
//! Job): it is fed [`machine::Input`]s stamped with the current time and
//! answers with [`machine::Action`]s to carry out. [`driver::run_worker`]
//! carries them out on a real Redis with tokio; the simulator carries them
//! out against its modelled stream under virtual time. The "process one
//! detector" step is the caller's [`driver::Processor`] (the load generator
//! packages and publishes alerts there).
//!
//! Two acknowledgement modes ([`AckMode`]): Rubin's ack-before-processing
//! (at-most-once: a worker that dies mid-detector loses it) and
//! ack-after-processing, which first reclaims entries left pending by dead
//! consumers with `XAUTOCLAIM` (at-least-once).

pub mod entry_id;
pub mod machine;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use entry_id::{EntryId, EntryIdError};
pub use machine::{Action, Delivery, Entry, ExitReason, Input, SkipReason, Worker, WorkerStats};

/// When the worker acknowledges an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    /// Rubin's behaviour: `XACK` right after the read, then process
    /// (at-most-once).
    BeforeProcessing,
    /// `XACK` after processing; stale pending entries of dead consumers are
    /// reclaimed with `XAUTOCLAIM` before each read (at-least-once).
    AfterProcessing,
}

/// The worker's settings (Rubin's environment variables in brackets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerConfig {
    /// Acknowledgement mode.
    pub ack_mode: AckMode,
    /// Exit normally after this many messages (`WORKER_RESTART_FREQ`;
    /// prod 10; 0 = unlimited).
    pub restart_after: u32,
    /// Exit normally after this long without a message
    /// (`FANNED_OUT_MSG_LISTEN_TIMEOUT`, 900 s).
    pub listen_timeout: Duration,
    /// Skip visits sent longer ago than this (`MESSAGE_EXPIRATION`, 3600 s),
    /// judged from the event's `private_sndStamp`.
    pub message_expiration: Duration,
    /// Ack-after mode: an entry pending this long with another consumer is
    /// taken to be abandoned and reclaimed.
    pub claim_min_idle: Duration,
    /// Pause after an empty read before reading again. Rubin reads again at
    /// once (0); a simulator under virtual time needs a positive value (or
    /// latency in its Redis model) so that an idle worker lets time pass.
    pub empty_read_pause: Duration,
    /// Wait after a failed Redis command before sending it again
    /// (`REDIS_RETRY_DELAY`, 30 s: redis-py's `ConstantBackoff` in
    /// `driver_keda.py`).
    pub redis_retry: Duration,
    /// Retries of one failed Redis command before the worker exits 1
    /// (redis-py `Retry(..., 1, ...)` in `driver_keda.py`: one).
    pub redis_retries: u32,
}

impl WorkerConfig {
    /// Rubin's production settings: ack before processing, restart after
    /// 10 messages, 900 s listen timeout, 3600 s expiration, one retry of a
    /// failed Redis command after 30 s.
    pub fn rubin() -> Self {
        Self {
            ack_mode: AckMode::BeforeProcessing,
            restart_after: 10,
            listen_timeout: Duration::from_secs(900),
            message_expiration: Duration::from_secs(3600),
            claim_min_idle: Duration::from_secs(60),
            empty_read_pause: Duration::ZERO,
            redis_retry: Duration::from_secs(30),
            redis_retries: 1,
        }
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self::rubin()
    }
}
