//! Positions on the sky: visit pointings, LSSTCam's detector layout,
//! source coordinates, and the ecliptic and galactic frames.

use rand::{Rng, RngExt};

/// LSSTCam pixel scale, arcseconds per pixel.
pub const PIXEL_SCALE_ARCSEC: f64 = 0.2;
/// Detector size in pixels (columns, rows).
pub const DETECTOR_PIXELS: (f64, f64) = (4072.0, 4000.0);
const SENSOR_PITCH_DEG: f64 = 4072.0 * PIXEL_SCALE_ARCSEC / 3600.0;
/// Northernmost pointing Rubin observes (declination, degrees).
const MAX_POINTING_DEC: f64 = 30.0;

/// A point on the sky, degrees: ra in [0, 360), dec in [-90, 90].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sky {
    /// Right ascension.
    pub ra: f64,
    /// Declination.
    pub dec: f64,
}

impl Sky {
    /// Normalises any (ra, dec): ra wrapped into [0, 360), dec clamped.
    pub fn new(ra: f64, dec: f64) -> Self {
        let ra = ra.rem_euclid(360.0);
        Self {
            ra: if ra >= 360.0 { 0.0 } else { ra },
            dec: dec.clamp(-90.0, 90.0),
        }
    }

    /// The point offset by (east, north) degrees in the local tangent plane.
    pub fn offset(self, east_deg: f64, north_deg: f64) -> Self {
        let dec = self.dec + north_deg;
        let cos_dec = dec.to_radians().cos().abs().max(1e-3);
        Self::new(self.ra + east_deg / cos_dec, dec)
    }
}

/// A random visit pointing, uniform on the sphere south of +30 degrees.
pub fn random_pointing<R: Rng + ?Sized>(rng: &mut R) -> Sky {
    let max_sin = MAX_POINTING_DEC.to_radians().sin();
    let sin_dec = rng.random_range(-1.0..max_sin);
    Sky::new(rng.random_range(0.0..360.0), sin_dec.asin().to_degrees())
}

/// Focal-plane offset (east, north) of a detector's centre, degrees:
/// LSSTCam's 21 science rafts (a 5x5 grid without corners) of 3x3 sensors.
pub fn detector_offset(detector: i32) -> (f64, f64) {
    const RAFTS: [(i32, i32); 21] = [
        (-1, -2),
        (0, -2),
        (1, -2),
        (-2, -1),
        (-1, -1),
        (0, -1),
        (1, -1),
        (2, -1),
        (-2, 0),
        (-1, 0),
        (0, 0),
        (1, 0),
        (2, 0),
        (-2, 1),
        (-1, 1),
        (0, 1),
        (1, 1),
        (2, 1),
        (-1, 2),
        (0, 2),
        (1, 2),
    ];
    let detector = detector.rem_euclid(189);
    let (rx, ry) = RAFTS[(detector / 9) as usize % RAFTS.len()];
    let sensor = detector % 9;
    let (sx, sy) = (sensor % 3 - 1, sensor / 3 - 1);
    (
        f64::from(rx * 3 + sx) * SENSOR_PITCH_DEG,
        f64::from(ry * 3 + sy) * SENSOR_PITCH_DEG,
    )
}

/// Sky position of pixel (x, y) of a detector in a visit.
pub fn pixel_to_sky(pointing: Sky, detector: i32, x: f64, y: f64) -> Sky {
    let (de, dn) = detector_offset(detector);
    let scale = PIXEL_SCALE_ARCSEC / 3600.0;
    pointing.offset(
        de - (x - DETECTOR_PIXELS.0 / 2.0) * scale,
        dn + (y - DETECTOR_PIXELS.1 / 2.0) * scale,
    )
}

/// Mean obliquity of the ecliptic at J2000, degrees.
const OBLIQUITY_DEG: f64 = 23.439_291_1;

/// Ecliptic (longitude, latitude) of an ICRS position, degrees.
pub fn ecliptic(sky: Sky) -> (f64, f64) {
    let v = unit(sky);
    let (s, c) = OBLIQUITY_DEG.to_radians().sin_cos();
    spherical([v[0], c * v[1] + s * v[2], -s * v[1] + c * v[2]])
}

/// Galactic (longitude, latitude) of an ICRS position, degrees.
pub fn galactic(sky: Sky) -> (f64, f64) {
    // Rows: ICRS to galactic rotation (Hipparcos definition).
    const M: [[f64; 3]; 3] = [
        [-0.054_875_560_416, -0.873_437_090_235, -0.483_835_015_549],
        [0.494_109_427_875, -0.444_829_629_960, 0.746_982_244_497],
        [-0.867_666_149_019, -0.198_076_373_431, 0.455_983_776_175],
    ];
    let v = unit(sky);
    let r = M.map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
    spherical(r)
}

fn unit(sky: Sky) -> [f64; 3] {
    let (ra, dec) = (sky.ra.to_radians(), sky.dec.to_radians());
    [dec.cos() * ra.cos(), dec.cos() * ra.sin(), dec.sin()]
}

fn spherical(v: [f64; 3]) -> (f64, f64) {
    let lon = v[1].atan2(v[0]).to_degrees();
    let lat = v[2].clamp(-1.0, 1.0).asin().to_degrees();
    let sky = Sky::new(lon, lat);
    (sky.ra, sky.dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_ra_in_range() {
        assert_eq!(Sky::new(-1e-17, 0.0).ra, 0.0);
        assert_eq!(Sky::new(361.0, 95.0), Sky { ra: 1.0, dec: 90.0 });
        let near_pole = Sky::new(10.0, -89.999).offset(0.5, -0.01);
        assert!((0.0..360.0).contains(&near_pole.ra));
        assert_eq!(near_pole.dec, -90.0);
    }

    #[test]
    fn galactic_centre_and_ecliptic_pole() {
        let (l, b) = galactic(Sky::new(266.404_996_2, -28.936_172_4));
        assert!(!(0.01..=359.99).contains(&l), "l = {l}");
        assert!(b.abs() < 0.01, "b = {b}");
        let (_, beta) = ecliptic(Sky::new(270.0, 90.0 - OBLIQUITY_DEG));
        assert!((beta - 90.0).abs() < 1e-6, "beta = {beta}");
    }

    #[test]
    fn detectors_tile_the_focal_plane() {
        let mut offsets: Vec<_> = (0..189)
            .map(detector_offset)
            .map(|(e, n)| ((e * 1000.0).round() as i64, (n * 1000.0).round() as i64))
            .collect();
        offsets.sort();
        offsets.dedup();
        assert_eq!(offsets.len(), 189);
    }
}
