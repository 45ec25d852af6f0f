//! Photometry: filter bands, fluxes in nJy, and the noise model shared by
//! the catalogue values and the cutout pixels.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// The six LSST filter bands, in wavelength order.
pub const BANDS: [&str; 6] = ["u", "g", "r", "i", "z", "y"];
/// How often each band is used (survey cadence, roughly).
const BAND_WEIGHTS: [f64; 6] = [0.07, 0.10, 0.22, 0.22, 0.20, 0.19];

/// AB magnitude to flux in nJy.
pub fn flux_from_mag(mag: f64) -> f64 {
    3631e9 * 10f64.powf(-0.4 * mag)
}

/// A band index drawn with the survey's band weights.
pub fn random_band<R: Rng + ?Sized>(rng: &mut R) -> usize {
    let mut pick = rng.random_range(0.0..1.0) * BAND_WEIGHTS.iter().sum::<f64>();
    for (index, weight) in BAND_WEIGHTS.iter().enumerate() {
        if pick < *weight {
            return index;
        }
        pick -= weight;
    }
    BANDS.len() - 1
}

/// A standard normal deviate.
pub fn gauss<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

/// The image-quality and noise figures of one detector image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseModel {
    /// Per-pixel background noise of the science image, nJy.
    pub sky_sigma_njy: f64,
    /// Per-pixel background noise of the template, nJy.
    pub template_sigma_njy: f64,
    /// PSF width (Gaussian sigma), pixels.
    pub psf_sigma_px: f64,
    /// nJy per detected electron (source Poisson noise).
    pub njy_per_electron: f64,
}

impl NoiseModel {
    /// Effective number of pixels of a PSF (4 pi sigma^2).
    pub fn psf_area_px(&self) -> f64 {
        4.0 * std::f64::consts::PI * self.psf_sigma_px.powi(2)
    }

    /// 1-sigma uncertainty of a PSF flux measurement on the difference image.
    pub fn psf_flux_err(&self, flux_njy: f64) -> f64 {
        let background =
            (self.sky_sigma_njy.powi(2) + self.template_sigma_njy.powi(2)) * self.psf_area_px();
        (background + flux_njy.abs() * self.njy_per_electron).sqrt()
    }

    /// 1-sigma uncertainty of a flux measured on the science image alone.
    pub fn science_flux_err(&self, flux_njy: f64) -> f64 {
        (self.sky_sigma_njy.powi(2) * self.psf_area_px() + flux_njy.abs() * self.njy_per_electron)
            .sqrt()
    }

    /// 1-sigma uncertainty of a flux measured on the template.
    pub fn template_flux_err(&self, flux_njy: f64) -> f64 {
        (self.template_sigma_njy.powi(2) * self.psf_area_px()
            + flux_njy.abs() * self.njy_per_electron * 0.1)
            .sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_and_errors_are_plausible() {
        assert!((flux_from_mag(31.4) - 1.0).abs() < 0.01);
        let noise = NoiseModel {
            sky_sigma_njy: 30.0,
            template_sigma_njy: 12.0,
            psf_sigma_px: 1.7,
            njy_per_electron: 0.6,
        };
        let five_sigma = 5.0 * noise.psf_flux_err(0.0);
        let limit = 31.4 - 2.5 * five_sigma.log10();
        assert!((23.5..25.0).contains(&limit), "5-sigma limit {limit} mag");
        assert!(noise.psf_flux_err(1e6) > noise.psf_flux_err(0.0));
    }
}
