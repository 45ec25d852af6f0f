//! History lengths and the earlier detections and forced photometry of an
//! object: times spread over the past year, each with its own visit,
//! detector and band.

use rand::{Rng, RngExt};
use rand_distr::{Gamma, Poisson};

use super::ids::{source_id, visit_at, visit_midpoint};
use super::photometry::{NoiseModel, random_band};
use super::sky::{DETECTOR_PIXELS, Sky};
use super::source::{Detection, ForcedMeasurement, dia_forced_source, dia_source};
use crate::alert::records::{DiaForcedSource, DiaSource};

/// Draws a count with the given mean from a negative binomial (a Poisson
/// whose rate is Gamma-distributed with the given shape), capped at `max`.
pub fn draw_count<R: Rng + ?Sized>(rng: &mut R, mean: f64, shape: f64, max: usize) -> usize {
    if mean.is_nan() || shape.is_nan() || mean <= 0.0 || shape <= 0.0 {
        return 0;
    }
    let rate = Gamma::new(shape, mean / shape).map_or(mean, |gamma| rng.sample(gamma));
    let count = if rate > 0.0 {
        Poisson::new(rate.min(1e12)).map_or(rate, |poisson| rng.sample(poisson))
    } else {
        0.0
    };
    (count as usize).min(max)
}

/// The object whose history is being drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectModel {
    /// Its identifier.
    pub dia_object_id: i64,
    /// Its true position.
    pub sky: Sky,
    /// Typical difference flux per band, nJy (signed).
    pub band_flux_njy: [f64; 6],
    /// Fractional variability of the flux between epochs.
    pub variability: f64,
    /// Static flux at the position, nJy.
    pub template_flux_njy: f64,
    /// Footprint size of its detections, pixels.
    pub bbox_size: i32,
}

impl ObjectModel {
    /// The true difference flux at one epoch in `band`.
    pub fn epoch_flux<R: Rng + ?Sized>(&self, rng: &mut R, band: usize) -> f64 {
        let base = self.band_flux_njy[band % 6];
        base * (1.0 + self.variability * super::photometry::gauss(rng))
    }
}

/// Sorted epochs (MJD TAI, as visit mid-points) before `before_mjd`, within
/// `days`, with the visits they belong to.
fn epochs<R: Rng + ?Sized>(
    rng: &mut R,
    count: usize,
    before_mjd: f64,
    days: f64,
) -> Vec<(f64, i64)> {
    let mut times: Vec<f64> = (0..count)
        .map(|_| before_mjd - rng.random_range(0.5..days.max(1.0)))
        .collect();
    times.sort_by(f64::total_cmp);
    times
        .into_iter()
        .map(|t| {
            let visit = visit_at(t);
            (visit_midpoint(visit).unwrap_or(t), visit)
        })
        .collect()
}

/// Earlier detections of the object (oldest first); the `k`th carries the
/// index `k` in its identifier, so identifiers are distinct.
pub fn prv_dia_sources<R: Rng + ?Sized>(
    rng: &mut R,
    object: &ObjectModel,
    count: usize,
    before_mjd: f64,
    days: f64,
    noise: &NoiseModel,
) -> Vec<DiaSource> {
    let floor = 5.5 * noise.psf_flux_err(0.0);
    epochs(rng, count, before_mjd, days)
        .into_iter()
        .enumerate()
        .map(|(k, (midpoint, visit))| {
            let detector = rng.random_range(0..189);
            let band = random_band(rng);
            let flux = object.epoch_flux(rng, band);
            let detection = Detection {
                dia_source_id: source_id(visit, detector, k),
                visit,
                detector,
                dia_object_id: Some(object.dia_object_id),
                ss_object_id: None,
                midpoint_mjd_tai: midpoint,
                sky: object.sky,
                pixel: (
                    rng.random_range(0.0..DETECTOR_PIXELS.0),
                    rng.random_range(0.0..DETECTOR_PIXELS.1),
                ),
                band,
                flux_njy: flux.signum() * flux.abs().max(floor),
                template_flux_njy: object.template_flux_njy,
                bbox_size: object.bbox_size,
                trailed: false,
            };
            dia_source(&detection, noise, rng)
        })
        .collect()
}

/// Forced photometry of the object at earlier visits (oldest first).
pub fn prv_dia_forced_sources<R: Rng + ?Sized>(
    rng: &mut R,
    object: &ObjectModel,
    count: usize,
    before_mjd: f64,
    days: f64,
    noise: &NoiseModel,
) -> Vec<DiaForcedSource> {
    epochs(rng, count, before_mjd, days)
        .into_iter()
        .enumerate()
        .map(|(k, (midpoint, visit))| {
            let detector = rng.random_range(0..189);
            let band = random_band(rng);
            let measurement = ForcedMeasurement {
                id: source_id(visit, detector, k),
                dia_object_id: object.dia_object_id,
                sky: object.sky,
                visit,
                detector,
                midpoint_mjd_tai: midpoint,
                band,
                flux_njy: object.epoch_flux(rng, band) * 0.5,
                template_flux_njy: object.template_flux_njy,
            };
            dia_forced_source(&measurement, noise, rng)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn counts_have_the_requested_mean() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let n = 20_000;
        let total: usize = (0..n)
            .map(|_| draw_count(&mut rng, 105.0, 2.0, 100_000))
            .sum();
        let mean = total as f64 / f64::from(n);
        assert!((mean - 105.0).abs() < 3.0, "mean {mean}");
        assert_eq!(draw_count(&mut rng, 0.0, 2.0, 10), 0);
        assert!((0..100).all(|_| draw_count(&mut rng, 1e9, 2.0, 7) <= 7));
    }
}
