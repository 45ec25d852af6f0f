//! Solar-system content: a main-belt-like orbit (`mpc_orbits`) and the
//! observation geometry of the source (`ssSource`), mutually consistent.

use rand::{Rng, RngExt};

use super::photometry::gauss;
use super::sky::{Sky, ecliptic, galactic};
use crate::alert::records::{MpcOrbits, SsSource, TimestampMicros};

/// MJD of the Unix epoch.
const MJD_UNIX_EPOCH: f64 = 40_587.0;
/// Gaussian gravitational constant: mean motion of a 1 au orbit, degrees per day.
const DEG_PER_DAY_AT_1AU: f64 = 0.985_607_668_6;

/// A provisional designation such as `2025 QB17` and its packed form
/// `K25Q17B` (MPC packing for cycle counts below 100).
pub fn designation<R: Rng + ?Sized>(rng: &mut R, year: i64) -> (String, String) {
    const HALF_MONTHS: &[u8] = b"ABCDEFGHJKLMNOPQRSTUVWXY";
    const SECOND: &[u8] = b"ABCDEFGHJKLMNOPQRSTUVWXYZ";
    let half = HALF_MONTHS[rng.random_range(0..HALF_MONTHS.len())] as char;
    let second = SECOND[rng.random_range(0..SECOND.len())] as char;
    let cycle: u32 = rng.random_range(0..100);
    let year = year.clamp(1900, 2099);
    let century = if year >= 2000 { 'K' } else { 'J' };
    let unpacked = if cycle == 0 {
        format!("{year} {half}{second}")
    } else {
        format!("{year} {half}{second}{cycle}")
    };
    let packed = format!("{century}{:02}{half}{cycle:02}{second}", year % 100);
    (unpacked, packed)
}

fn micros_from_mjd(mjd: f64) -> TimestampMicros {
    TimestampMicros(((mjd - MJD_UNIX_EPOCH) * 86_400e6).round() as i64)
}

/// The orbit of a solar-system object, fitted a few days before `mjd_tai`.
pub fn mpc_orbits<R: Rng + ?Sized>(
    rng: &mut R,
    id: i32,
    unpacked: &str,
    packed: &str,
    mjd_tai: f64,
) -> MpcOrbits {
    let a: f64 = rng.random_range(2.1..3.4);
    let e: f64 = rng.random_range(0.0..0.3);
    let period = 360.0 / (DEG_PER_DAY_AT_1AU / a.powf(1.5));
    let mean_anomaly: f64 = rng.random_range(0.0..360.0);
    let epoch = (mjd_tai - rng.random_range(0.0..30.0)).floor();
    let fitted = mjd_tai - rng.random_range(0.5..10.0);
    let nobs: i32 = rng.random_range(20..3000);
    let unc = |value: f64, rng: &mut R| Some(value.abs().max(1e-6) * rng.random_range(1e-6..1e-4));
    MpcOrbits {
        id,
        designation: unpacked.to_owned(),
        packed_primary_provisional_designation: packed.to_owned(),
        unpacked_primary_provisional_designation: unpacked.to_owned(),
        mpc_orb_jsonb: None,
        created_at: Some(micros_from_mjd(fitted - rng.random_range(30.0..900.0))),
        updated_at: Some(micros_from_mjd(fitted)),
        orbit_type_int: Some(rng.random_range(0..10)),
        u_param: Some(rng.random_range(0..10)),
        nopp: Some(rng.random_range(1..20)),
        arc_length_total: Some(rng.random_range(5.0..9000.0)),
        arc_length_sel: Some(rng.random_range(5.0..5000.0)),
        nobs_total: Some(nobs),
        nobs_total_sel: Some(nobs - rng.random_range(0..nobs.min(20))),
        a: Some(a),
        q: Some(a * (1.0 - e)),
        e: Some(e),
        i: Some(rng.random_range(0.0..30.0)),
        node: Some(rng.random_range(0.0..360.0)),
        argperi: Some(rng.random_range(0.0..360.0)),
        peri_time: Some(-mean_anomaly / 360.0 * period),
        yarkovsky: None,
        srp: None,
        a1: None,
        a2: None,
        a3: None,
        dt: None,
        mean_anomaly: Some(mean_anomaly),
        period: Some(period),
        mean_motion: Some(360.0 / period),
        a_unc: unc(a, rng),
        q_unc: unc(a, rng),
        e_unc: unc(e, rng),
        i_unc: unc(1.0, rng),
        node_unc: unc(1.0, rng),
        argperi_unc: unc(1.0, rng),
        peri_time_unc: unc(period, rng),
        yarkovsky_unc: None,
        srp_unc: None,
        a1_unc: None,
        a2_unc: None,
        a3_unc: None,
        dt_unc: None,
        mean_anomaly_unc: unc(1.0, rng),
        period_unc: unc(period, rng),
        mean_motion_unc: unc(1.0, rng),
        epoch_mjd: Some(epoch),
        h: Some(rng.random_range(14.0..20.0)),
        g: Some(0.15),
        not_normalized_rms: Some(rng.random_range(0.2..0.8)),
        normalized_rms: Some(rng.random_range(0.5..1.5)),
        earth_moid: Some((a * (1.0 - e) - 1.0).max(0.0) + rng.random_range(0.0..0.1)),
        fitting_datetime: Some(micros_from_mjd(fitted)),
    }
}

fn vector<R: Rng + ?Sized>(rng: &mut R, length: f64) -> [f64; 3] {
    let v = [gauss(rng), gauss(rng), gauss(rng)];
    let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-9);
    v.map(|c| c / norm * length)
}

fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// The `ssSource` of a detection at `sky` of an object with orbit `orbit`.
pub fn ss_source<R: Rng + ?Sized>(
    rng: &mut R,
    dia_source_id: i64,
    ss_object_id: i64,
    unpacked: &str,
    sky: Sky,
    orbit: &MpcOrbits,
) -> SsSource {
    let (ecl_lambda, ecl_beta) = ecliptic(sky);
    let (gal_lon, gal_lat) = galactic(sky);
    let helio_range = orbit.a.unwrap_or(2.5) * rng.random_range(0.9..1.1);
    let topo_range = (helio_range - rng.random_range(0.6..1.0)).max(0.05);
    let helio = vector(rng, helio_range);
    let helio_v = vector(rng, 0.0172 / helio_range.sqrt());
    let topo = vector(rng, topo_range);
    let topo_speed = rng.random_range(0.002..0.03);
    let topo_v = vector(rng, topo_speed);
    let eph_offset_ra = gauss(rng) * 0.05;
    let eph_offset_dec = gauss(rng) * 0.05;
    let eph = sky.offset(-eph_offset_ra / 3600.0, -eph_offset_dec / 3600.0);
    let rate_ra = gauss(rng) * 0.3;
    let rate_dec = gauss(rng) * 0.2;
    let f = |x: f64| Some(x as f32);
    SsSource {
        dia_source_id,
        ss_object_id,
        designation: Some(unpacked.to_owned()),
        ecl_lambda,
        ecl_beta,
        gal_lon,
        gal_lat,
        elongation: f(rng.random_range(60.0..180.0)),
        phase_angle: f(rng.random_range(0.5..30.0)),
        topo_range: f(topo_range),
        topo_range_rate: f(gauss(rng) * 0.01),
        helio_range: f(helio_range),
        helio_range_rate: f(gauss(rng) * 0.003),
        eph_ra: Some(eph.ra),
        eph_dec: Some(eph.dec),
        eph_vmag: f(orbit.h.unwrap_or(17.0) + 5.0 * (helio_range * topo_range).log10() + 0.5),
        eph_rate: f((rate_ra * rate_ra + rate_dec * rate_dec).sqrt()),
        eph_rate_ra: f(rate_ra),
        eph_rate_dec: f(rate_dec),
        eph_offset: f((eph_offset_ra * eph_offset_ra + eph_offset_dec * eph_offset_dec).sqrt()),
        eph_offset_ra: Some(eph_offset_ra),
        eph_offset_dec: Some(eph_offset_dec),
        eph_offset_along_track: f(eph_offset_ra * 0.8 + eph_offset_dec * 0.6),
        eph_offset_cross_track: f(-eph_offset_ra * 0.6 + eph_offset_dec * 0.8),
        helio_x: f(helio[0]),
        helio_y: f(helio[1]),
        helio_z: f(helio[2]),
        helio_vx: f(helio_v[0]),
        helio_vy: f(helio_v[1]),
        helio_vz: f(helio_v[2]),
        helio_vtot: f(norm(helio_v)),
        topo_x: f(topo[0]),
        topo_y: f(topo[1]),
        topo_z: f(topo[2]),
        topo_vx: f(topo_v[0]),
        topo_vy: f(topo_v[1]),
        topo_vz: f(topo_v[2]),
        topo_vtot: f(norm(topo_v)),
        dia_distance_rank: Some(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn packed_designations_follow_the_mpc_rule() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let (unpacked, packed) = designation(&mut rng, 2025);
            assert_eq!(packed.len(), 7);
            assert!(packed.starts_with("K25"));
            let (year, code) = unpacked.split_once(' ').unwrap();
            assert_eq!(year, "2025");
            assert_eq!(&packed[3..4], &code[0..1]);
            assert_eq!(&packed[6..7], &code[1..2]);
            let cycle: u32 = code[2..].parse().unwrap_or(0);
            assert_eq!(packed[4..6].parse::<u32>().unwrap(), cycle);
        }
    }
}
