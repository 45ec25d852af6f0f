//! `[fanout]`: how the fan-out writes each detector's event and which
//! `nextVisit` messages it drops (Rubin's `next_visit_fan_out`).

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// Most retries of one detector's write (a bound on the fan-out's wait,
/// not a production figure).
pub const MAX_WRITE_RETRIES: u32 = 20;

/// The fan-out's per-detector writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fanout {
    /// `REDIS_RETRY_COUNT`: retries of one detector's `XADD` before the
    /// detector is dropped (default 3).
    pub write_retries: u32,
    /// `REDIS_RETRY_INITIAL_DELAY`: redis-py's backoff base in seconds
    /// (default 1; the n-th wait is `min(cap, base * 2^n)`).
    pub retry_base_s: f64,
    /// `REDIS_RETRY_DELAY_CAP`: the longest wait in seconds (default 5).
    pub retry_cap_s: f64,
    /// `MESSAGE_EXPIRATION`: a `nextVisit` older than this when the fan-out
    /// handles it is dropped (default 3,600 s).
    pub message_expiration_s: f64,
}

impl Default for Fanout {
    fn default() -> Self {
        Self {
            write_retries: 3,
            retry_base_s: 1.0,
            retry_cap_s: 5.0,
            message_expiration_s: 3600.0,
        }
    }
}

impl Fanout {
    pub(crate) fn check(&self, c: &mut Checker) {
        if self.write_retries > MAX_WRITE_RETRIES {
            c.fail(
                "fanout.write_retries",
                format!(
                    "must be at most {MAX_WRITE_RETRIES}, got {}",
                    self.write_retries
                ),
                &format!("an integer in [0, {MAX_WRITE_RETRIES}]"),
            );
        }
        c.non_negative("fanout.retry_base_s", self.retry_base_s);
        c.non_negative("fanout.retry_cap_s", self.retry_cap_s);
        c.positive("fanout.message_expiration_s", self.message_expiration_s);
    }
}
