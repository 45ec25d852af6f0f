//! Builds the `diaObject` record from the object's sources: per-band flux
//! statistics, mean position and first/last detection times, so that the
//! object summary agrees with the histories in the same alert.

use super::photometry::BANDS;
use super::sky::Sky;
use crate::alert::records::{DiaForcedSource, DiaObject, DiaSource};

/// Flux statistics of one band.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct BandStats {
    psf_mean: Option<f32>,
    psf_mean_err: Option<f32>,
    psf_sigma: Option<f32>,
    psf_ndata: i32,
    psf_min: Option<f32>,
    psf_max: Option<f32>,
    psf_max_slope: Option<f32>,
    psf_err_mean: Option<f32>,
    fp_mean: Option<f32>,
    fp_mean_err: Option<f32>,
    science_mean: Option<f32>,
    science_mean_err: Option<f32>,
}

/// Inverse-variance weighted mean and its error of (value, error) pairs.
fn weighted_mean(points: impl Iterator<Item = (f64, f64)>) -> (Option<f32>, Option<f32>) {
    let (mut sum_w, mut sum_wx) = (0.0, 0.0);
    for (value, err) in points {
        if err > 0.0 && value.is_finite() {
            let w = 1.0 / (err * err);
            sum_w += w;
            sum_wx += w * value;
        }
    }
    if sum_w > 0.0 {
        (
            Some((sum_wx / sum_w) as f32),
            Some((1.0 / sum_w.sqrt()) as f32),
        )
    } else {
        (None, None)
    }
}

fn band_stats(band: &str, sources: &[&DiaSource], forced: &[DiaForcedSource]) -> BandStats {
    let in_band: Vec<&DiaSource> = sources
        .iter()
        .copied()
        .filter(|s| s.band.as_deref() == Some(band))
        .collect();
    let fluxes: Vec<(f64, f64, f64)> = in_band
        .iter()
        .filter_map(|s| {
            Some((
                s.midpoint_mjd_tai,
                f64::from(s.psf_flux?),
                f64::from(s.psf_flux_err?),
            ))
        })
        .collect();
    let mut stats = BandStats {
        psf_ndata: i32::try_from(in_band.len()).unwrap_or(i32::MAX),
        ..BandStats::default()
    };
    if !fluxes.is_empty() {
        let n = fluxes.len() as f64;
        (stats.psf_mean, stats.psf_mean_err) =
            weighted_mean(fluxes.iter().map(|(_, f, e)| (*f, *e)));
        let mean = fluxes.iter().map(|(_, f, _)| f).sum::<f64>() / n;
        if fluxes.len() > 1 {
            let var = fluxes
                .iter()
                .map(|(_, f, _)| (f - mean).powi(2))
                .sum::<f64>()
                / (n - 1.0);
            stats.psf_sigma = Some(var.sqrt() as f32);
            let mut by_time = fluxes.clone();
            by_time.sort_by(|a, b| a.0.total_cmp(&b.0));
            let slope = by_time
                .windows(2)
                .filter_map(|w| {
                    let dt = w[1].0 - w[0].0;
                    (dt > 0.0).then(|| ((w[1].1 - w[0].1) / dt).abs())
                })
                .fold(0.0f64, f64::max);
            stats.psf_max_slope = Some(slope as f32);
        }
        let min = fluxes
            .iter()
            .map(|(_, f, _)| *f)
            .fold(f64::INFINITY, f64::min);
        let max = fluxes
            .iter()
            .map(|(_, f, _)| *f)
            .fold(f64::NEG_INFINITY, f64::max);
        stats.psf_min = Some(min as f32);
        stats.psf_max = Some(max as f32);
        stats.psf_err_mean = Some((fluxes.iter().map(|(_, _, e)| e).sum::<f64>() / n) as f32);
    }
    (stats.fp_mean, stats.fp_mean_err) = weighted_mean(
        forced
            .iter()
            .filter(|f| f.band.as_deref() == Some(band))
            .filter_map(|f| Some((f64::from(f.psf_flux?), f64::from(f.psf_flux_err?)))),
    );
    (stats.science_mean, stats.science_mean_err) = weighted_mean(
        in_band
            .iter()
            .filter_map(|s| Some((f64::from(s.science_flux?), f64::from(s.science_flux_err?)))),
    );
    stats
}

/// The object summary of `current` and its earlier detections `history`,
/// with forced photometry `forced`.
pub fn dia_object(
    dia_object_id: i64,
    current: &DiaSource,
    history: &[DiaSource],
    forced: &[DiaForcedSource],
) -> DiaObject {
    let sources: Vec<&DiaSource> = history.iter().chain(std::iter::once(current)).collect();
    let n = sources.len() as f64;
    // Average offsets from the current position, so that ra wraps correctly.
    let (mut east, mut north) = (0.0, 0.0);
    for s in &sources {
        let mut dra = s.ra - current.ra;
        if dra > 180.0 {
            dra -= 360.0;
        } else if dra < -180.0 {
            dra += 360.0;
        }
        east += dra * current.dec.to_radians().cos();
        north += s.dec - current.dec;
    }
    let mean = Sky::new(current.ra, current.dec).offset(east / n, north / n);
    let pos_err = current.ra_err.map(|e| e / (n as f32).sqrt());
    let [u, g, r, i, z, y] = BANDS.map(|band| band_stats(band, &sources, forced));
    let first = sources
        .iter()
        .map(|s| s.midpoint_mjd_tai)
        .fold(f64::INFINITY, f64::min);
    let last = sources
        .iter()
        .map(|s| s.midpoint_mjd_tai)
        .fold(f64::NEG_INFINITY, f64::max);
    DiaObject {
        dia_object_id,
        validity_start_mjd_tai: current.time_processed_mjd_tai,
        ra: mean.ra,
        ra_err: pos_err,
        dec: mean.dec,
        dec_err: pos_err,
        ra_dec_cov: current.ra_dec_cov.map(|c| c / n as f32),
        u_psf_flux_mean: u.psf_mean,
        u_psf_flux_mean_err: u.psf_mean_err,
        u_psf_flux_sigma: u.psf_sigma,
        u_psf_flux_ndata: u.psf_ndata,
        u_fp_flux_mean: u.fp_mean,
        u_fp_flux_mean_err: u.fp_mean_err,
        g_psf_flux_mean: g.psf_mean,
        g_psf_flux_mean_err: g.psf_mean_err,
        g_psf_flux_sigma: g.psf_sigma,
        g_psf_flux_ndata: g.psf_ndata,
        g_fp_flux_mean: g.fp_mean,
        g_fp_flux_mean_err: g.fp_mean_err,
        r_psf_flux_mean: r.psf_mean,
        r_psf_flux_mean_err: r.psf_mean_err,
        r_psf_flux_sigma: r.psf_sigma,
        r_psf_flux_ndata: r.psf_ndata,
        r_fp_flux_mean: r.fp_mean,
        r_fp_flux_mean_err: r.fp_mean_err,
        i_psf_flux_mean: i.psf_mean,
        i_psf_flux_mean_err: i.psf_mean_err,
        i_psf_flux_sigma: i.psf_sigma,
        i_psf_flux_ndata: i.psf_ndata,
        i_fp_flux_mean: i.fp_mean,
        i_fp_flux_mean_err: i.fp_mean_err,
        z_psf_flux_mean: z.psf_mean,
        z_psf_flux_mean_err: z.psf_mean_err,
        z_psf_flux_sigma: z.psf_sigma,
        z_psf_flux_ndata: z.psf_ndata,
        z_fp_flux_mean: z.fp_mean,
        z_fp_flux_mean_err: z.fp_mean_err,
        y_psf_flux_mean: y.psf_mean,
        y_psf_flux_mean_err: y.psf_mean_err,
        y_psf_flux_sigma: y.psf_sigma,
        y_psf_flux_ndata: y.psf_ndata,
        y_fp_flux_mean: y.fp_mean,
        y_fp_flux_mean_err: y.fp_mean_err,
        u_science_flux_mean: u.science_mean,
        u_science_flux_mean_err: u.science_mean_err,
        g_science_flux_mean: g.science_mean,
        g_science_flux_mean_err: g.science_mean_err,
        r_science_flux_mean: r.science_mean,
        r_science_flux_mean_err: r.science_mean_err,
        i_science_flux_mean: i.science_mean,
        i_science_flux_mean_err: i.science_mean_err,
        z_science_flux_mean: z.science_mean,
        z_science_flux_mean_err: z.science_mean_err,
        y_science_flux_mean: y.science_mean,
        y_science_flux_mean_err: y.science_mean_err,
        u_psf_flux_min: u.psf_min,
        u_psf_flux_max: u.psf_max,
        u_psf_flux_max_slope: u.psf_max_slope,
        u_psf_flux_err_mean: u.psf_err_mean,
        g_psf_flux_min: g.psf_min,
        g_psf_flux_max: g.psf_max,
        g_psf_flux_max_slope: g.psf_max_slope,
        g_psf_flux_err_mean: g.psf_err_mean,
        r_psf_flux_min: r.psf_min,
        r_psf_flux_max: r.psf_max,
        r_psf_flux_max_slope: r.psf_max_slope,
        r_psf_flux_err_mean: r.psf_err_mean,
        i_psf_flux_min: i.psf_min,
        i_psf_flux_max: i.psf_max,
        i_psf_flux_max_slope: i.psf_max_slope,
        i_psf_flux_err_mean: i.psf_err_mean,
        z_psf_flux_min: z.psf_min,
        z_psf_flux_max: z.psf_max,
        z_psf_flux_max_slope: z.psf_max_slope,
        z_psf_flux_err_mean: z.psf_err_mean,
        y_psf_flux_min: y.psf_min,
        y_psf_flux_max: y.psf_max,
        y_psf_flux_max_slope: y.psf_max_slope,
        y_psf_flux_err_mean: y.psf_err_mean,
        first_dia_source_mjd_tai: Some(first),
        last_dia_source_mjd_tai: Some(last),
        n_dia_sources: i32::try_from(sources.len()).unwrap_or(i32::MAX),
    }
}
