//! TAI as Rubin's messages carry it: `private_sndStamp` is Unix seconds on
//! the TAI scale (astropy's `unix_tai`), 37 s ahead of UTC since 2017
//! (TAI - UTC = 37 s, IERS Bulletin C); Prompt Processing converts it to
//! UTC before judging a message's age (`activator.py`, `is_processable`).
//! Leap seconds before 2017 do not matter to a simulated night in 2026.

/// TAI - UTC in seconds (since 2017-01-01).
pub const TAI_MINUS_UTC_S: f64 = 37.0;

/// Unix seconds on the TAI scale of the UTC instant `utc_unix_s`.
pub fn unix_tai(utc_unix_s: f64) -> f64 {
    utc_unix_s + TAI_MINUS_UTC_S
}

/// The UTC Unix seconds of a TAI-scale stamp.
pub fn utc_from_unix_tai(tai_unix_s: f64) -> f64 {
    tai_unix_s - TAI_MINUS_UTC_S
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tai_is_37_seconds_ahead_and_round_trips() {
        assert_eq!(unix_tai(1_767_225_600.0), 1_767_225_637.0);
        assert_eq!(utc_from_unix_tai(unix_tai(12.5)), 12.5);
    }
}
