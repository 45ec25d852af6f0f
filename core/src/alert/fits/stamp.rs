//! Synthetic cutout content: a PSF-like point source on noise, calibrated to
//! nJy, written as science, difference and template stamps with variance and
//! PSF extensions and a tangent-plane WCS centred on the source.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::FitsError;
use super::card::Card;
use super::date::iso_from_mjd;
use super::writer::{ImageHdu, write_fits};

/// Smallest and largest cutout side in pixels (Rubin's packager clamps the
/// detection's bounding box to this range).
pub const MIN_SIDE: usize = 30;
/// See [`MIN_SIDE`].
pub const MAX_SIDE: usize = 102;

/// Side of a cutout for a detection with this bounding-box size:
/// `clamp(bbox_size, 30, 102)`.
pub fn cutout_side(bbox_size: i32) -> usize {
    usize::try_from(bbox_size)
        .unwrap_or(MIN_SIDE)
        .clamp(MIN_SIDE, MAX_SIDE)
}

/// Which of the three stamps of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoutKind {
    /// The calibrated visit image.
    Science,
    /// Science minus the PSF-matched template: only the transient remains.
    Difference,
    /// The deep template: the static scene without the transient.
    Template,
}

impl CutoutKind {
    fn label(self) -> &'static str {
        match self {
            Self::Science => "science",
            Self::Difference => "difference",
            Self::Template => "template",
        }
    }
}

/// Everything that determines the content of an alert's three stamps.
#[derive(Debug, Clone, PartialEq)]
pub struct StampSpec {
    /// Side of the square stamps in pixels (use [`cutout_side`]).
    pub side: usize,
    /// Side of the square PSF image (odd; clipped to `side`).
    pub psf_side: usize,
    /// Right ascension of the source, degrees (WCS reference value).
    pub ra_deg: f64,
    /// Declination of the source, degrees (WCS reference value).
    pub dec_deg: f64,
    /// Pixel scale in arcseconds per pixel (LSSTCam: 0.2).
    pub pixel_scale_arcsec: f64,
    /// Gaussian PSF width (sigma) in pixels.
    pub psf_sigma_px: f64,
    /// Sub-pixel offset of the source from the stamp centre, pixels.
    pub offset_px: (f64, f64),
    /// Flux of the transient (difference flux), nJy; may be negative.
    pub transient_flux_njy: f64,
    /// Flux of the static source present in template and science, nJy.
    pub static_flux_njy: f64,
    /// Per-pixel background noise of the science image, nJy.
    pub science_noise_njy: f64,
    /// Per-pixel background noise of the template (a deeper coadd), nJy.
    pub template_noise_njy: f64,
    /// nJy per detected electron: adds source Poisson noise to the variance.
    pub njy_per_electron: f64,
    /// Observation time (MJD, TAI) written as `MJD-OBS`.
    pub mjd_tai: f64,
    /// Filter band, written as `FILTER` when known.
    pub band: Option<String>,
}

impl StampSpec {
    /// A sensible stamp for a source at (ra, dec): LSSTCam pixel scale,
    /// 0.8 arcsec seeing, r-band-like sky noise.
    pub fn new(side: usize, ra_deg: f64, dec_deg: f64, mjd_tai: f64) -> Self {
        Self {
            side,
            psf_side: 25,
            ra_deg,
            dec_deg,
            pixel_scale_arcsec: 0.2,
            psf_sigma_px: 0.8 / 2.3548 / 0.2,
            offset_px: (0.0, 0.0),
            transient_flux_njy: 5_000.0,
            static_flux_njy: 0.0,
            science_noise_njy: 30.0,
            template_noise_njy: 12.0,
            njy_per_electron: 0.6,
            mjd_tai,
            band: None,
        }
    }
}

/// The three FITS files of an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutouts {
    /// `cutoutScience`.
    pub science: Vec<u8>,
    /// `cutoutDifference`.
    pub difference: Vec<u8>,
    /// `cutoutTemplate`.
    pub template: Vec<u8>,
}

/// Synthesises the science, difference and template stamps of one alert.
///
/// The difference is exactly science minus template, pixel by pixel, so the
/// noise is consistent between the three images; each variance extension
/// holds the expected per-pixel variance of its image.
pub fn make_cutouts<R: Rng + ?Sized>(spec: &StampSpec, rng: &mut R) -> Result<Cutouts, FitsError> {
    let side = spec.side;
    if side == 0 || !spec.psf_sigma_px.is_finite() || spec.psf_sigma_px <= 0.0 {
        return Err(FitsError::BadStamp);
    }
    let profile = psf_profile(side, spec.psf_sigma_px, spec.offset_px);
    let science_var = spec.science_noise_njy.powi(2);
    let template_var = spec.template_noise_njy.powi(2);
    let pixels = side * side;
    let mut science = Vec::with_capacity(pixels);
    let mut template = Vec::with_capacity(pixels);
    let mut difference = Vec::with_capacity(pixels);
    let mut science_variance = Vec::with_capacity(pixels);
    let mut template_variance = Vec::with_capacity(pixels);
    let mut difference_variance = Vec::with_capacity(pixels);
    for weight in &profile {
        let static_part = spec.static_flux_njy * weight;
        let transient_part = spec.transient_flux_njy * weight;
        let science_model = static_part + transient_part;
        let sv = science_var + science_model.max(0.0) * spec.njy_per_electron;
        let tv = template_var + static_part.max(0.0) * spec.njy_per_electron * 0.1;
        let science_noise: f64 = rng.sample::<f64, _>(StandardNormal) * sv.sqrt();
        let template_noise: f64 = rng.sample::<f64, _>(StandardNormal) * tv.sqrt();
        let science_pixel = science_model + science_noise;
        let template_pixel = static_part + template_noise;
        science.push(science_pixel as f32);
        template.push(template_pixel as f32);
        difference.push((science_pixel - template_pixel) as f32);
        science_variance.push(sv as f32);
        template_variance.push(tv as f32);
        difference_variance.push((sv + tv) as f32);
    }
    let psf_side = spec.psf_side.min(side).max(1) | 1;
    let psf = psf_profile(psf_side, spec.psf_sigma_px, (0.0, 0.0))
        .into_iter()
        .map(|w| w as f32)
        .collect::<Vec<_>>();
    let write = |kind: CutoutKind, image: Vec<f32>, variance: Vec<f32>| {
        stamp_file(spec, kind, image, variance, psf.clone(), psf_side)
    };
    Ok(Cutouts {
        science: write(CutoutKind::Science, science, science_variance)?,
        difference: write(CutoutKind::Difference, difference, difference_variance)?,
        template: write(CutoutKind::Template, template, template_variance)?,
    })
}

/// A normalised circular Gaussian sampled at pixel centres, centred on the
/// stamp centre plus `offset`.
fn psf_profile(side: usize, sigma: f64, offset: (f64, f64)) -> Vec<f64> {
    let centre = (side as f64 - 1.0) / 2.0;
    let (cx, cy) = (centre + offset.0, centre + offset.1);
    let norm = 1.0 / (2.0 * std::f64::consts::PI * sigma * sigma);
    let mut profile = Vec::with_capacity(side * side);
    for row in 0..side {
        for col in 0..side {
            let dx = col as f64 - cx;
            let dy = row as f64 - cy;
            profile.push(norm * (-(dx * dx + dy * dy) / (2.0 * sigma * sigma)).exp());
        }
    }
    profile
}

fn stamp_file(
    spec: &StampSpec,
    kind: CutoutKind,
    image: Vec<f32>,
    variance: Vec<f32>,
    psf: Vec<f32>,
    psf_side: usize,
) -> Result<Vec<u8>, FitsError> {
    let mut image_cards = vec![
        Card::text("EXTNAME", "IMAGE", "calibrated flux"),
        Card::text("BUNIT", "nJy", "physical unit of the pixels"),
        Card::text("STAMP", kind.label(), "which cutout of the alert"),
    ];
    image_cards.extend(observation_cards(spec));
    image_cards.extend(wcs_cards(spec));
    let mut variance_cards = vec![
        Card::text("EXTNAME", "VARIANCE", "per-pixel variance of IMAGE"),
        Card::text("BUNIT", "nJy**2", "physical unit of the pixels"),
    ];
    variance_cards.extend(wcs_cards(spec));
    let psf_cards = vec![
        Card::text("EXTNAME", "PSF", "point-spread function at the source"),
        Card::real("PSFSIGMA", spec.psf_sigma_px, "[pixel] Gaussian sigma"),
    ];
    write_fits(&[
        ImageHdu {
            width: spec.side,
            height: spec.side,
            pixels: image,
            cards: image_cards,
        },
        ImageHdu {
            width: spec.side,
            height: spec.side,
            pixels: variance,
            cards: variance_cards,
        },
        ImageHdu {
            width: psf_side,
            height: psf_side,
            pixels: psf,
            cards: psf_cards,
        },
    ])
}

fn observation_cards(spec: &StampSpec) -> Vec<Card> {
    let mut cards = vec![
        Card::text("TIMESYS", "TAI", "time scale of MJD-OBS"),
        Card::real("MJD-OBS", spec.mjd_tai, "[d] observation mid-point (MJD)"),
    ];
    if let Some(date) = iso_from_mjd(spec.mjd_tai) {
        cards.push(Card::text("DATE-OBS", &date, "observation mid-point (TAI)"));
    }
    if let Some(band) = &spec.band {
        cards.push(Card::text("FILTER", band, "filter band"));
    }
    cards
}

/// A gnomonic (TAN) WCS with the source at the reference pixel, north up and
/// east to the left.
fn wcs_cards(spec: &StampSpec) -> Vec<Card> {
    let centre = (spec.side as f64 + 1.0) / 2.0;
    let scale_deg = spec.pixel_scale_arcsec / 3600.0;
    vec![
        Card::integer("WCSAXES", 2, "number of WCS axes"),
        Card::text("CTYPE1", "RA---TAN", "gnomonic projection"),
        Card::text("CTYPE2", "DEC--TAN", "gnomonic projection"),
        Card::text("CUNIT1", "deg", ""),
        Card::text("CUNIT2", "deg", ""),
        Card::real("CRPIX1", centre + spec.offset_px.0, "reference pixel"),
        Card::real("CRPIX2", centre + spec.offset_px.1, "reference pixel"),
        Card::real("CRVAL1", spec.ra_deg, "[deg] RA of the source"),
        Card::real("CRVAL2", spec.dec_deg, "[deg] Dec of the source"),
        Card::real("CD1_1", -scale_deg, ""),
        Card::real("CD1_2", 0.0, ""),
        Card::real("CD2_1", 0.0, ""),
        Card::real("CD2_2", scale_deg, ""),
        Card::text("RADESYS", "ICRS", "reference frame"),
    ]
}
