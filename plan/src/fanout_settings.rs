//! The fan-out's settings from `[fanout]`: each detector's write retry
//! (redis-py's exponential backoff) and the age past which a `nextVisit`
//! is dropped, their durations on a [`Clock`].

use std::time::Duration;

use alertsim_core::fanout::retry::WriteRetry;
use alertsim_scenarios::Fanout;

use crate::settings::Clock;

/// How one detector's `XADD` is retried, on `clock`.
pub fn write_retry(fanout: &Fanout, clock: Clock) -> WriteRetry {
    WriteRetry {
        retries: fanout.write_retries,
        base: clock.duration(fanout.retry_base_s),
        cap: clock.duration(fanout.retry_cap_s),
    }
}

/// The fan-out's `MESSAGE_EXPIRATION`, on `clock`.
pub fn message_expiration(fanout: &Fanout, clock: Clock) -> Duration {
    clock.duration(fanout.message_expiration_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_rubins_and_scale_on_the_wall_clock() {
        let fanout = Fanout::default();
        assert_eq!(write_retry(&fanout, Clock::Virtual), WriteRetry::rubin());
        let wall = write_retry(&fanout, Clock::Wall { time_scale: 10.0 });
        assert_eq!(wall.base * 10, WriteRetry::rubin().base);
        assert_eq!(wall.cap * 10, WriteRetry::rubin().cap);
        assert_eq!(
            message_expiration(&fanout, Clock::Virtual),
            alertsim_core::fanout::expiry::RUBIN_EXPIRATION
        );
    }
}
