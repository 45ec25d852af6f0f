//! Builds `diaSource` and `diaForcedSource` records: every field set from
//! one description of the detection and the image's noise model.

use rand::{Rng, RngExt};

use super::photometry::{BANDS, NoiseModel, gauss};
use super::sky::{PIXEL_SCALE_ARCSEC, Sky};
use crate::alert::records::{DiaForcedSource, DiaSource};

/// Seconds from a visit's mid-point until its sources are processed.
const PROCESSING_DELAY_S: f64 = 90.0;

/// What was detected, where and when: the true values before measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Identifier of this source.
    pub dia_source_id: i64,
    /// Visit of the image.
    pub visit: i64,
    /// Detector of the image.
    pub detector: i32,
    /// `Some(id)` for an object; `Some(0)` for a solar-system source.
    pub dia_object_id: Option<i64>,
    /// The solar-system object, if any.
    pub ss_object_id: Option<i64>,
    /// Visit mid-point, MJD TAI.
    pub midpoint_mjd_tai: f64,
    /// True position.
    pub sky: Sky,
    /// Pixel position on the detector.
    pub pixel: (f64, f64),
    /// Band index into [`BANDS`].
    pub band: usize,
    /// True difference flux, nJy (negative: the source faded).
    pub flux_njy: f64,
    /// Flux of the static scene at the position (template), nJy.
    pub template_flux_njy: f64,
    /// Footprint bounding-box side, pixels.
    pub bbox_size: i32,
    /// Whether the source is trailed (a fast mover).
    pub trailed: bool,
}

/// Mid-point plus the processing delay.
pub fn processing_time(midpoint_mjd_tai: f64) -> f64 {
    midpoint_mjd_tai + PROCESSING_DELAY_S / 86_400.0
}

fn small<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    rng.random_bool(p)
}

/// Measures a detection: a `diaSource` with every field filled.
pub fn dia_source<R: Rng + ?Sized>(d: &Detection, noise: &NoiseModel, rng: &mut R) -> DiaSource {
    let flux_err = noise.psf_flux_err(d.flux_njy);
    let psf_flux = d.flux_njy + gauss(rng) * flux_err;
    let snr = (psf_flux.abs() / flux_err).max(5.0);
    let centroid_err_px = (noise.psf_sigma_px / snr).max(0.01);
    let pos_err_deg = centroid_err_px * PIXEL_SCALE_ARCSEC / 3600.0;
    let measured = d.sky.offset(
        gauss(rng) * pos_err_deg * 0.5,
        gauss(rng) * pos_err_deg * 0.5,
    );
    let ap_flux_err = flux_err * 1.3;
    let science_flux = d.template_flux_njy + d.flux_njy;
    let science_err = noise.science_flux_err(science_flux);
    let template_err = noise.template_flux_err(d.template_flux_njy);
    let psf_var_arcsec2 = (noise.psf_sigma_px * PIXEL_SCALE_ARCSEC).powi(2);
    let moment_flux = psf_flux.abs();
    let trail_length = if d.trailed {
        rng.random_range(1.5..15.0)
    } else {
        rng.random_range(0.0..0.4)
    };
    let trail_angle: f64 = rng.random_range(-180.0..180.0);
    let dipole_flux = psf_flux.abs() * rng.random_range(0.05..0.3);
    let npix = |side: i32| side.max(3).pow(2);
    let is_negative = psf_flux < 0.0;
    let processed = processing_time(d.midpoint_mjd_tai);
    let f = |x: f64| Some(x as f32);
    DiaSource {
        dia_source_id: d.dia_source_id,
        visit: d.visit,
        detector: d.detector,
        dia_object_id: d.dia_object_id,
        ss_object_id: d.ss_object_id,
        parent_dia_source_id: None,
        midpoint_mjd_tai: d.midpoint_mjd_tai,
        ra: measured.ra,
        ra_err: f(pos_err_deg),
        dec: measured.dec,
        dec_err: f(pos_err_deg),
        ra_dec_cov: f(pos_err_deg * pos_err_deg * rng.random_range(-0.2..0.2)),
        x: (d.pixel.0 + gauss(rng) * centroid_err_px * 0.5) as f32,
        x_err: f(centroid_err_px),
        y: (d.pixel.1 + gauss(rng) * centroid_err_px * 0.5) as f32,
        y_err: f(centroid_err_px),
        centroid_flag: Some(small(rng, 0.01)),
        ap_flux: f(d.flux_njy + gauss(rng) * ap_flux_err),
        ap_flux_err: f(ap_flux_err),
        ap_flux_flag: Some(small(rng, 0.01)),
        ap_flux_flag_aperture_truncated: Some(small(rng, 0.02)),
        is_negative: Some(is_negative),
        snr: f(snr),
        psf_flux: f(psf_flux),
        psf_flux_err: f(flux_err),
        psf_ln_l: f(-0.5 * f64::from(npix(d.bbox_size)) * rng.random_range(0.9..1.3)),
        psf_chi2: f(f64::from(npix(d.bbox_size)) * rng.random_range(0.8..1.4)),
        psf_ndata: npix(d.bbox_size),
        psf_flux_flag: Some(small(rng, 0.005)),
        psf_flux_flag_edge: Some(small(rng, 0.01)),
        psf_flux_flag_no_good_pixels: Some(false),
        trail_flux: f(psf_flux * rng.random_range(0.95..1.1)),
        trail_flux_err: f(flux_err * 1.1),
        trail_ra: Some(measured.ra),
        trail_ra_err: f(pos_err_deg * 1.5),
        trail_dec: Some(measured.dec),
        trail_dec_err: f(pos_err_deg * 1.5),
        trail_length: f(trail_length),
        trail_length_err: f(0.1 + trail_length * 0.05),
        trail_angle: f(trail_angle),
        trail_angle_err: f(rng.random_range(0.5..10.0)),
        trail_chi2: f(f64::from(npix(d.bbox_size)) * rng.random_range(0.8..1.5)),
        trail_ndata: npix(d.bbox_size),
        trail_flag_edge: Some(small(rng, 0.01)),
        dipole_mean_flux: f(dipole_flux),
        dipole_mean_flux_err: f(flux_err),
        dipole_flux_diff: f(dipole_flux * rng.random_range(-0.5..0.5)),
        dipole_flux_diff_err: f(flux_err * 1.4),
        dipole_length: f(rng.random_range(0.0..1.0)),
        dipole_angle: f(rng.random_range(-180.0..180.0)),
        dipole_chi2: f(f64::from(npix(d.bbox_size)) * rng.random_range(0.8..1.6)),
        dipole_ndata: npix(d.bbox_size),
        science_flux: f(science_flux + gauss(rng) * science_err),
        science_flux_err: f(science_err),
        forced_psf_flux_flag: Some(small(rng, 0.005)),
        forced_psf_flux_flag_edge: Some(small(rng, 0.01)),
        forced_psf_flux_flag_no_good_pixels: Some(false),
        template_flux: f(d.template_flux_njy + gauss(rng) * template_err),
        template_flux_err: f(template_err),
        ixx: f(moment_flux * psf_var_arcsec2 * rng.random_range(0.9..1.3)),
        iyy: f(moment_flux * psf_var_arcsec2 * rng.random_range(0.9..1.3)),
        ixy: f(moment_flux * psf_var_arcsec2 * rng.random_range(-0.1..0.1)),
        ixx_psf: f(moment_flux * psf_var_arcsec2),
        iyy_psf: f(moment_flux * psf_var_arcsec2),
        ixy_psf: f(0.0),
        shape_flag: Some(small(rng, 0.02)),
        shape_flag_no_pixels: Some(false),
        shape_flag_not_contained: Some(small(rng, 0.005)),
        shape_flag_parent_source: Some(false),
        extendedness: f(rng.random_range(0.0..0.3)),
        reliability: f(rng.random_range(0.5..1.0)),
        band: Some(BANDS[d.band % BANDS.len()].to_owned()),
        is_dipole: Some(small(rng, 0.03)),
        dipole_fit_attempted: Some(true),
        time_processed_mjd_tai: processed,
        time_withdrawn_mjd_tai: None,
        bbox_size: d.bbox_size,
        pixel_flags: Some(small(rng, 0.01)),
        pixel_flags_bad: Some(small(rng, 0.01)),
        pixel_flags_cr: Some(small(rng, 0.02)),
        pixel_flags_cr_center: Some(small(rng, 0.005)),
        pixel_flags_edge: Some(small(rng, 0.01)),
        pixel_flags_nodata: Some(false),
        pixel_flags_nodata_center: Some(false),
        pixel_flags_interpolated: Some(small(rng, 0.03)),
        pixel_flags_interpolated_center: Some(small(rng, 0.01)),
        pixel_flags_offimage: Some(false),
        pixel_flags_saturated: Some(small(rng, 0.01)),
        pixel_flags_saturated_center: Some(small(rng, 0.005)),
        pixel_flags_suspect: Some(small(rng, 0.01)),
        pixel_flags_suspect_center: Some(small(rng, 0.005)),
        pixel_flags_streak: Some(small(rng, 0.005)),
        pixel_flags_streak_center: Some(small(rng, 0.002)),
        pixel_flags_injected: Some(false),
        pixel_flags_injected_center: Some(false),
        pixel_flags_injected_template: Some(false),
        pixel_flags_injected_template_center: Some(false),
        glint_trail: Some(small(rng, 0.002)),
    }
}

/// What forced photometry at an object's position measured in one visit.
#[derive(Debug, Clone, PartialEq)]
pub struct ForcedMeasurement {
    /// Identifier of this forced source.
    pub id: i64,
    /// The object measured.
    pub dia_object_id: i64,
    /// Position of the object.
    pub sky: Sky,
    /// Visit of the image.
    pub visit: i64,
    /// Detector of the image.
    pub detector: i32,
    /// Visit mid-point, MJD TAI.
    pub midpoint_mjd_tai: f64,
    /// Band index into [`BANDS`].
    pub band: usize,
    /// True difference flux, nJy.
    pub flux_njy: f64,
    /// Static flux at the position, nJy.
    pub template_flux_njy: f64,
}

/// Measures a forced source: a `diaForcedSource` with every field filled.
pub fn dia_forced_source<R: Rng + ?Sized>(
    m: &ForcedMeasurement,
    noise: &NoiseModel,
    rng: &mut R,
) -> DiaForcedSource {
    let flux_err = noise.psf_flux_err(m.flux_njy);
    let science = m.template_flux_njy + m.flux_njy;
    let science_err = noise.science_flux_err(science);
    DiaForcedSource {
        dia_forced_source_id: m.id,
        dia_object_id: m.dia_object_id,
        ra: m.sky.ra,
        dec: m.sky.dec,
        visit: m.visit,
        detector: m.detector,
        psf_flux: Some((m.flux_njy + gauss(rng) * flux_err) as f32),
        psf_flux_err: Some(flux_err as f32),
        midpoint_mjd_tai: m.midpoint_mjd_tai,
        science_flux: Some((science + gauss(rng) * science_err) as f32),
        science_flux_err: Some(science_err as f32),
        band: Some(BANDS[m.band % BANDS.len()].to_owned()),
        time_processed_mjd_tai: processing_time(m.midpoint_mjd_tai),
        time_withdrawn_mjd_tai: None,
    }
}
