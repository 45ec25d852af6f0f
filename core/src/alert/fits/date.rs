//! Modified Julian Date and the proleptic Gregorian calendar: the ISO-8601
//! form of `DATE-OBS`, and the day conversions the alert generator uses to
//! build Rubin-style visit identifiers (`YYYYMMDD` day of observation).

/// MJD of 1970-01-01.
const MJD_UNIX_EPOCH: i64 = 40_587;

/// Formats an MJD as `YYYY-MM-DDThh:mm:ss.sss` in the same time scale,
/// or `None` for dates outside years 0-9999 or non-finite input.
pub fn iso_from_mjd(mjd: f64) -> Option<String> {
    if !mjd.is_finite() {
        return None;
    }
    let total_ms = (mjd * 86_400_000.0).round();
    if total_ms.abs() > 1e15 {
        return None;
    }
    let total_ms = total_ms as i64;
    let day = total_ms.div_euclid(86_400_000);
    let ms_of_day = total_ms.rem_euclid(86_400_000);
    let (year, month, dom) = civil_from_days(day - MJD_UNIX_EPOCH);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let (hours, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    Some(format!(
        "{year:04}-{month:02}-{dom:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}"
    ))
}

/// The calendar date (year, month, day) of an integer MJD.
pub fn civil_from_mjd_day(mjd_day: i64) -> (i64, u32, u32) {
    civil_from_days(mjd_day - MJD_UNIX_EPOCH)
}

/// The integer MJD of a calendar date, or `None` if the date does not exist.
pub fn mjd_day_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > 31 {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let mjd = era * 146_097 + doe - 719_468 + MJD_UNIX_EPOCH;
    // Reject dates such as 31 April that roll over into the next month.
    (civil_from_mjd_day(mjd) == (year, month, day)).then_some(mjd)
}

/// Proleptic Gregorian (year, month, day) of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            iso_from_mjd(0.0).as_deref(),
            Some("1858-11-17T00:00:00.000")
        );
        assert_eq!(
            iso_from_mjd(51_544.5).as_deref(),
            Some("2000-01-01T12:00:00.000")
        );
        assert_eq!(
            iso_from_mjd(60_903.25).as_deref(),
            Some("2025-08-16T06:00:00.000")
        );
        assert_eq!(iso_from_mjd(f64::NAN), None);
    }

    #[test]
    fn civil_dates_round_trip() {
        for mjd in [-700_000, -1, 0, 40_587, 51_544, 60_903, 2_000_000] {
            let (y, m, d) = civil_from_mjd_day(mjd);
            assert_eq!(mjd_day_from_civil(y, m, d), Some(mjd));
        }
        assert_eq!(mjd_day_from_civil(2025, 8, 16), Some(60_903));
        assert_eq!(mjd_day_from_civil(2025, 4, 31), None);
        assert_eq!(mjd_day_from_civil(2024, 2, 29), Some(60_369));
        assert_eq!(mjd_day_from_civil(2023, 2, 29), None);
    }
}
