//! Seeded generator of realistic synthetic alerts.
//!
//! [`AlertGenerator`] turns a seed and a [`GeneratorConfig`] into alerts for
//! any (visit, detector): identifiers consistent across the alert, positions
//! from LSSTCam's focal plane, photometry from one noise model shared with
//! the FITS cutouts, histories whose lengths follow configurable
//! distributions, a `diaObject` computed from those histories, and a
//! configurable fraction of solar-system sources. Every (visit, detector)
//! and every alert within it has its own ChaCha stream, so the alerts of a
//! detector do not depend on which other detectors were generated, and the
//! first `n` alerts of a detector are the same whatever the count asked for.

mod history;
pub mod ids;
mod object;
mod photometry;
pub mod sky;
mod solar;
mod source;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use self::history::{ObjectModel, draw_count, prv_dia_forced_sources, prv_dia_sources};
use self::ids::{MAX_DETECTOR, MAX_SOURCES_PER_DETECTOR, mix_seed, source_id, visit_midpoint};
use self::photometry::{BANDS, NoiseModel, flux_from_mag, gauss};
use self::sky::{DETECTOR_PIXELS, Sky, pixel_to_sky, random_pointing};
use self::source::{Detection, dia_source};
use super::fits::{FitsError, StampSpec, cutout_side, make_cutouts};
use super::records::Alert;

pub use self::photometry::BANDS as FILTER_BANDS;

/// What the generator produces. The defaults follow Rubin's reference
/// figures (history means 105 and 8, LSSTCam geometry, 50 alerts a detector).
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorConfig {
    /// Visit number of the first visit of [`AlertGenerator::layout`].
    pub first_visit: i64,
    /// Detectors per visit in [`AlertGenerator::layout`] (LSSTCam: 189).
    pub detectors_per_visit: i32,
    /// Alerts per detector in [`AlertGenerator::layout`].
    pub alerts_per_detector: usize,
    /// Fraction of alerts from solar-system objects (diaObjectId 0).
    pub solar_system_fraction: f64,
    /// Fraction of non-solar-system alerts from new objects (one source, no
    /// history).
    pub new_object_fraction: f64,
    /// Mean number of `prvDiaSources` over non-solar-system alerts.
    pub mean_prv_dia_sources: f64,
    /// Mean number of `prvDiaForcedSources` over non-solar-system alerts.
    pub mean_prv_dia_forced_sources: f64,
    /// Shape of the Gamma mixing the history lengths (smaller: wider).
    pub history_shape: f64,
    /// Longest history kept (both arrays).
    pub max_history: usize,
    /// How far back histories reach, days.
    pub history_days: f64,
    /// Median seeing (PSF FWHM), arcseconds.
    pub seeing_fwhm_arcsec: f64,
    /// Per-pixel background noise of science images, nJy.
    pub sky_noise_njy: f64,
    /// Whether to attach the three FITS cutouts.
    pub cutouts: bool,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            first_visit: 2025081600001,
            detectors_per_visit: 189,
            alerts_per_detector: 50,
            solar_system_fraction: 0.05,
            new_object_fraction: 0.05,
            mean_prv_dia_sources: 105.0,
            mean_prv_dia_forced_sources: 8.0,
            history_shape: 2.0,
            max_history: 2000,
            history_days: 365.0,
            seeing_fwhm_arcsec: 0.8,
            sky_noise_njy: 30.0,
            cutouts: true,
        }
    }
}

/// Why alerts could not be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// A configuration value out of its range.
    #[error("generator configuration: {0}")]
    Config(String),
    /// More alerts asked of one detector than identifiers can number.
    #[error("{count} alerts asked of one detector: at most {max} fit its identifiers")]
    TooManyAlerts {
        /// Alerts asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A detector number outside 0-255.
    #[error("detector {0} is outside 0..=255")]
    Detector(i32),
    /// The cutouts could not be written.
    #[error("cutout: {0}")]
    Fits(#[from] FitsError),
}

/// The alerts of one detector of one visit (one `{visit}_{detector}.avro`).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorAlerts {
    /// Visit number.
    pub visit: i64,
    /// Detector number.
    pub detector: i32,
    /// The alerts, in diaSourceId order.
    pub alerts: Vec<Alert>,
}

/// Conditions shared by all detectors of one visit.
#[derive(Debug, Clone, PartialEq)]
struct VisitConditions {
    midpoint_mjd_tai: f64,
    pointing: Sky,
    band: usize,
    noise: NoiseModel,
    observation_reason: &'static str,
    target_name: Option<&'static str>,
}

/// A deterministic alert generator: same seed and config, same alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertGenerator {
    config: GeneratorConfig,
    seed: u64,
}

impl AlertGenerator {
    /// A generator, after checking the configuration.
    pub fn new(config: GeneratorConfig, seed: u64) -> Result<Self, GenerateError> {
        let fraction = |name: &str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(GenerateError::Config(format!(
                    "{name} is {value}, expected a fraction in [0, 1]"
                )))
            }
        };
        fraction("solar_system_fraction", config.solar_system_fraction)?;
        fraction("new_object_fraction", config.new_object_fraction)?;
        let positive = |name: &str, value: f64, zero_ok: bool| {
            if value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0)) {
                Ok(())
            } else {
                Err(GenerateError::Config(format!(
                    "{name} is {value}, expected a positive number"
                )))
            }
        };
        positive("mean_prv_dia_sources", config.mean_prv_dia_sources, true)?;
        positive(
            "mean_prv_dia_forced_sources",
            config.mean_prv_dia_forced_sources,
            true,
        )?;
        positive("history_shape", config.history_shape, false)?;
        positive("history_days", config.history_days, false)?;
        positive("seeing_fwhm_arcsec", config.seeing_fwhm_arcsec, false)?;
        positive("sky_noise_njy", config.sky_noise_njy, false)?;
        if config.max_history >= MAX_SOURCES_PER_DETECTOR {
            return Err(GenerateError::Config(format!(
                "max_history is {}, expected below {MAX_SOURCES_PER_DETECTOR}",
                config.max_history
            )));
        }
        if !(1..=MAX_DETECTOR + 1).contains(&config.detectors_per_visit) {
            return Err(GenerateError::Config(format!(
                "detectors_per_visit is {}, expected 1..=256",
                config.detectors_per_visit
            )));
        }
        if config.alerts_per_detector == 0 || config.alerts_per_detector > MAX_SOURCES_PER_DETECTOR
        {
            return Err(GenerateError::Config(format!(
                "alerts_per_detector is {}, expected 1..={MAX_SOURCES_PER_DETECTOR}",
                config.alerts_per_detector
            )));
        }
        Ok(Self { config, seed })
    }

    /// The configuration in use.
    pub fn config(&self) -> &GeneratorConfig {
        &self.config
    }

    /// The seed in use.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How `count` alerts are spread over visits and detectors: successive
    /// visits from `first_visit`, detectors 0.. of each, `alerts_per_detector`
    /// each (the last detector takes the remainder).
    pub fn layout(&self, count: usize) -> impl Iterator<Item = (i64, i32, usize)> + use<> {
        let per_detector = self.config.alerts_per_detector.max(1);
        let detectors = i64::from(self.config.detectors_per_visit.max(1));
        let first_visit = self.config.first_visit;
        (0..count.div_ceil(per_detector)).map(move |slot| {
            let slot_i64 = i64::try_from(slot).unwrap_or(i64::MAX);
            let visit = first_visit.saturating_add(slot_i64 / detectors);
            let detector = i32::try_from(slot_i64 % detectors).unwrap_or(0);
            let n = per_detector.min(count - slot * per_detector);
            (visit, detector, n)
        })
    }

    /// The alerts of `count` sources on `detector` in `visit`.
    pub fn detector_alerts(
        &self,
        visit: i64,
        detector: i32,
        count: usize,
    ) -> Result<Vec<Alert>, GenerateError> {
        if !(0..=MAX_DETECTOR).contains(&detector) {
            return Err(GenerateError::Detector(detector));
        }
        if count > MAX_SOURCES_PER_DETECTOR {
            return Err(GenerateError::TooManyAlerts {
                count,
                max: MAX_SOURCES_PER_DETECTOR,
            });
        }
        let conditions = self.visit_conditions(visit);
        (0..count)
            .map(|index| self.alert(visit, detector, index, &conditions))
            .collect()
    }

    /// `count` alerts grouped by (visit, detector) as [`Self::layout`] says.
    pub fn batches(
        &self,
        count: usize,
    ) -> impl Iterator<Item = Result<DetectorAlerts, GenerateError>> + '_ {
        self.layout(count).map(|(visit, detector, n)| {
            Ok(DetectorAlerts {
                visit,
                detector,
                alerts: self.detector_alerts(visit, detector, n)?,
            })
        })
    }

    fn visit_conditions(&self, visit: i64) -> VisitConditions {
        let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(self.seed, &[visit as u64]));
        let midpoint_mjd_tai = visit_midpoint(visit).unwrap_or_else(|| {
            60_900.0 + visit.rem_euclid(1_000_000) as f64 * ids::VISIT_INTERVAL_S / 86_400.0
        });
        let seeing = self.config.seeing_fwhm_arcsec * (0.25 * gauss(&mut rng)).exp();
        let band = photometry::random_band(&mut rng);
        let deep_drilling = rng.random_bool(0.1);
        const DDF: [&str; 5] = ["COSMOS", "XMM_LSS", "ECDFS", "ELAISS1", "EDFS_a"];
        VisitConditions {
            midpoint_mjd_tai,
            pointing: random_pointing(&mut rng),
            band,
            noise: NoiseModel {
                sky_sigma_njy: self.config.sky_noise_njy * rng.random_range(0.8..1.25),
                template_sigma_njy: self.config.sky_noise_njy * 0.4,
                psf_sigma_px: seeing / 2.3548 / sky::PIXEL_SCALE_ARCSEC,
                njy_per_electron: 0.6,
            },
            observation_reason: if deep_drilling { "ddf" } else { "wfd" },
            target_name: deep_drilling.then(|| DDF[rng.random_range(0..DDF.len())]),
        }
    }

    fn alert(
        &self,
        visit: i64,
        detector: i32,
        index: usize,
        visit_conditions: &VisitConditions,
    ) -> Result<Alert, GenerateError> {
        let labels = [visit as u64, detector as u64, index as u64];
        let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(self.seed, &labels));
        let rng = &mut rng;
        let conditions = visit_conditions;
        let noise = &conditions.noise;
        let dia_source_id = source_id(visit, detector, index);
        let pixel = (
            rng.random_range(0.0..DETECTOR_PIXELS.0),
            rng.random_range(0.0..DETECTOR_PIXELS.1),
        );
        let sky = pixel_to_sky(conditions.pointing, detector, pixel.0, pixel.1);
        let solar = rng.random_bool(self.config.solar_system_fraction);
        let bbox_size = ((2.9 + 0.45 * gauss(rng)).exp().round() as i32).clamp(5, 250);
        let floor = 5.5 * noise.psf_flux_err(0.0);
        let magnitude = rng.random_range(17.5..24.0);
        let sign = if !solar && rng.random_bool(0.15) {
            -1.0
        } else {
            1.0
        };
        let flux = sign * flux_from_mag(magnitude).max(floor);
        let template_flux = if solar || rng.random_bool(0.5) {
            0.0
        } else {
            flux_from_mag(rng.random_range(19.0..25.0))
        };
        let ss_object_id = solar.then(|| rng.random_range(1..(1i64 << 62)));
        let mut object = None;
        let mut dia_object_id = Some(0);
        if !solar {
            let new_object = rng.random_bool(self.config.new_object_fraction);
            let keep = 1.0 - self.config.new_object_fraction;
            let mean = |m: f64| if keep > 0.0 { m / keep } else { 0.0 };
            let (n_prv, n_forced) = if new_object {
                (0, 0)
            } else {
                let max = self.config.max_history;
                let shape = self.config.history_shape;
                (
                    draw_count(rng, mean(self.config.mean_prv_dia_sources), shape, max),
                    draw_count(
                        rng,
                        mean(self.config.mean_prv_dia_forced_sources),
                        shape,
                        max,
                    ),
                )
            };
            let current_band = conditions.band;
            let mut band_flux = [0.0; 6];
            for (b, value) in band_flux.iter_mut().enumerate() {
                let colour = 0.15 * (b as f64 - current_band as f64) * gauss(rng);
                *value = flux * colour.exp();
            }
            object = Some((n_prv, n_forced, band_flux));
        }
        let trailed = solar && rng.random_bool(0.3);
        let detection = |dia_object_id| Detection {
            dia_source_id,
            visit,
            detector,
            dia_object_id,
            ss_object_id,
            midpoint_mjd_tai: conditions.midpoint_mjd_tai,
            sky,
            pixel,
            band: conditions.band,
            flux_njy: flux,
            template_flux_njy: template_flux,
            bbox_size,
            trailed,
        };
        let mut alert = Alert {
            dia_source_id,
            observation_reason: Some(conditions.observation_reason.to_owned()),
            target_name: conditions.target_name.map(str::to_owned),
            ..Alert::default()
        };
        match object {
            None => {
                let dia_source = dia_source(&detection(dia_object_id), noise, rng);
                let ss_object_id = ss_object_id.unwrap_or(1);
                let year = ids::visit_at(conditions.midpoint_mjd_tai) / 1_000_000_000;
                let (unpacked, packed) = solar::designation(rng, year);
                let orbit_id = rng.random_range(1..i32::MAX);
                let orbit = solar::mpc_orbits(
                    rng,
                    orbit_id,
                    &unpacked,
                    &packed,
                    conditions.midpoint_mjd_tai,
                );
                let measured = Sky::new(dia_source.ra, dia_source.dec);
                alert.ss_source = Some(solar::ss_source(
                    rng,
                    dia_source_id,
                    ss_object_id,
                    &unpacked,
                    measured,
                    &orbit,
                ));
                alert.mpc_orbits = Some(orbit);
                alert.dia_source = dia_source;
            }
            Some((n_prv, n_forced, band_flux)) => {
                let mut model = ObjectModel {
                    dia_object_id: dia_source_id,
                    sky,
                    band_flux_njy: band_flux,
                    variability: rng.random_range(0.05..0.5),
                    template_flux_njy: template_flux,
                    bbox_size,
                };
                let days = self.config.history_days;
                let before = conditions.midpoint_mjd_tai;
                // Draw the history first: the object takes the identifier of
                // its first detection (this one, for a new object).
                let mut history = prv_dia_sources(rng, &model, n_prv, before, days, noise);
                if let Some(first) = history.first() {
                    model.dia_object_id = first.dia_source_id;
                }
                dia_object_id = Some(model.dia_object_id);
                for source in &mut history {
                    source.dia_object_id = dia_object_id;
                }
                let forced = prv_dia_forced_sources(rng, &model, n_forced, before, days, noise);
                let dia_source = dia_source(&detection(dia_object_id), noise, rng);
                alert.dia_object = Some(object::dia_object(
                    model.dia_object_id,
                    &dia_source,
                    &history,
                    &forced,
                ));
                alert.prv_dia_sources = (!history.is_empty()).then_some(history);
                alert.prv_dia_forced_sources = (!forced.is_empty()).then_some(forced);
                alert.dia_source = dia_source;
            }
        }
        if self.config.cutouts {
            let source = &alert.dia_source;
            let mut stamp = StampSpec::new(
                cutout_side(source.bbox_size),
                source.ra,
                source.dec,
                source.midpoint_mjd_tai,
            );
            stamp.psf_sigma_px = noise.psf_sigma_px;
            stamp.offset_px = (
                f64::from(source.x) - f64::from(source.x).round(),
                f64::from(source.y) - f64::from(source.y).round(),
            );
            stamp.transient_flux_njy = flux;
            stamp.static_flux_njy = template_flux;
            stamp.science_noise_njy = noise.sky_sigma_njy;
            stamp.template_noise_njy = noise.template_sigma_njy;
            stamp.njy_per_electron = noise.njy_per_electron;
            stamp.band = Some(BANDS[conditions.band].to_owned());
            let cutouts = make_cutouts(&stamp, rng)?;
            alert.cutout_difference = Some(cutouts.difference);
            alert.cutout_science = Some(cutouts.science);
            alert.cutout_template = Some(cutouts.template);
        }
        Ok(alert)
    }
}

/// `count` alerts from the default configuration and `seed`, in
/// [`AlertGenerator::layout`] order.
pub fn generate(count: usize, seed: u64) -> Result<Vec<Alert>, GenerateError> {
    let generator = AlertGenerator::new(GeneratorConfig::default(), seed)?;
    let mut alerts = Vec::with_capacity(count);
    for batch in generator.batches(count) {
        alerts.extend(batch?.alerts);
    }
    Ok(alerts)
}
