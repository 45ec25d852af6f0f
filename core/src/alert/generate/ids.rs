//! Identifiers: Rubin-style visit numbers (`YYYYMMDD` day of observation
//! times 100,000 plus a sequence number), their mid-point times, and source
//! identifiers packed from (visit, detector, index).

use crate::alert::fits::date::{civil_from_mjd_day, mjd_day_from_civil};

/// Seconds between successive visits of a night.
pub const VISIT_INTERVAL_S: f64 = 37.0;
/// Offset of sequence number 0 from the start of the observing day (UTC):
/// about 23:00 UTC, early evening in Chile.
const NIGHT_START_DAY_FRACTION: f64 = 23.0 / 24.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

const INDEX_BITS: u32 = 14;
const DETECTOR_BITS: u32 = 8;
const VISIT_BITS: u32 = 63 - INDEX_BITS - DETECTOR_BITS;

/// Most sources one detector of one visit can number.
pub const MAX_SOURCES_PER_DETECTOR: usize = 1 << INDEX_BITS;
/// Highest detector number an identifier can hold.
pub const MAX_DETECTOR: i32 = (1 << DETECTOR_BITS) - 1;

/// Packs (visit, detector, index) into a positive 63-bit identifier:
/// 41 bits of visit, 8 of detector, 14 of index. Distinct for visits below
/// 2^41 (Rubin-style visit numbers until the year 2199), detectors 0-255
/// and indices below 16,384.
pub fn source_id(visit: i64, detector: i32, index: usize) -> i64 {
    let visit = (visit as u64) & ((1 << VISIT_BITS) - 1);
    let detector = (detector as u64) & ((1 << DETECTOR_BITS) - 1);
    let index = (index as u64) & ((1 << INDEX_BITS) - 1);
    let packed = (visit << (DETECTOR_BITS + INDEX_BITS)) | (detector << INDEX_BITS) | index;
    (packed & (i64::MAX as u64)) as i64
}

/// The visit number whose nominal time slot contains `mjd_tai`.
pub fn visit_at(mjd_tai: f64) -> i64 {
    let shifted = mjd_tai - NIGHT_START_DAY_FRACTION;
    let day = shifted.floor();
    let seq = ((shifted - day) * SECONDS_PER_DAY / VISIT_INTERVAL_S).floor() as i64;
    let (year, month, dom) = civil_from_mjd_day(day as i64);
    (year * 10_000 + i64::from(month) * 100 + i64::from(dom)) * 100_000 + seq
}

/// The nominal mid-point (MJD TAI) of a Rubin-style visit number, or `None`
/// when the number does not start with a valid date.
pub fn visit_midpoint(visit: i64) -> Option<f64> {
    let (day_obs, seq) = (visit.div_euclid(100_000), visit.rem_euclid(100_000));
    let (year, month, dom) = (day_obs / 10_000, day_obs / 100 % 100, day_obs % 100);
    if !(1900..=2199).contains(&year) {
        return None;
    }
    let day = mjd_day_from_civil(year, u32::try_from(month).ok()?, u32::try_from(dom).ok()?)?;
    Some(
        day as f64
            + NIGHT_START_DAY_FRACTION
            + (seq as f64 + 0.5) * VISIT_INTERVAL_S / SECONDS_PER_DAY,
    )
}

/// Mixes a seed with stream labels into a new 64-bit seed (SplitMix64
/// finaliser), so each (visit, detector) has its own random stream.
pub fn mix_seed(seed: u64, labels: &[u64]) -> u64 {
    labels.iter().fold(splitmix(seed), |acc, label| {
        splitmix(acc ^ splitmix(label.wrapping_add(0x9e37_79b9_7f4a_7c15)))
    })
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_numbers_and_times_agree() {
        let visit = 2025081600123;
        let mjd = visit_midpoint(visit).unwrap();
        assert!((60_903.0..60_905.0).contains(&mjd));
        assert_eq!(visit_at(mjd), visit);
        assert_eq!(visit_midpoint(42), None);
        assert_eq!(visit_midpoint(2025130100001), None);
    }

    #[test]
    fn source_ids_are_positive_and_distinct() {
        let a = source_id(2025081600123, 188, 0);
        let b = source_id(2025081600123, 188, 1);
        let c = source_id(2025081600123, 187, 0);
        let d = source_id(2025081600124, 188, 0);
        assert!(a > 0 && b > 0 && c > 0 && d > 0);
        assert_eq!(std::collections::BTreeSet::from([a, b, c, d]).len(), 4);
    }
}
