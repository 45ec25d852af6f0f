//! The fan-out's check of a `nextVisit` message's age (`is_handleable` in
//! `next_visit_fan_out/src/main.py`): a message published more than
//! `MESSAGE_EXPIRATION` seconds ago (phalanx `kafka.expiration`, 3,600 s;
//! no override in usdfprod) is dropped, its detectors never written. The
//! age is judged from `private_efdStamp`, UTC Unix seconds, rounded to the
//! second.

use std::time::Duration;

/// Rubin's `MESSAGE_EXPIRATION` of the fan-out (phalanx
/// `next-visit-fan-out` `values.yaml`: 3,600 s).
pub const RUBIN_EXPIRATION: Duration = Duration::from_secs(3600);

/// Whether a message published at `published_utc_s` is too old to fan out
/// at `now_utc_s` (both UTC Unix seconds).
pub fn expired(published_utc_s: f64, now_utc_s: f64, expiration: Duration) -> bool {
    let age = (now_utc_s - published_utc_s).round();
    age > expiration.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_older_than_the_expiration_is_dropped() {
        assert!(!expired(1000.0, 1000.0 + 3600.0, RUBIN_EXPIRATION));
        // The age is rounded to the second before the comparison.
        assert!(!expired(1000.0, 1000.0 + 3600.4, RUBIN_EXPIRATION));
        assert!(expired(1000.0, 1000.0 + 3600.6, RUBIN_EXPIRATION));
        // A stamp from the future is never expired.
        assert!(!expired(2000.0, 1000.0, RUBIN_EXPIRATION));
    }
}
