//! The observing night: the visit schedule (nextVisit announced ahead of the
//! exposure, optional gaps) and the alerts of each visit split across its
//! active detectors.

use rand_chacha::ChaCha8Rng;

use crate::params::{AlertParams, NightParams};
use crate::rng::{lognormal_median, unit};
use crate::time::{SimDuration, SimTime};

/// One visit of the night.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// Index in the night, from 0.
    pub index: u32,
    /// When nextVisit is announced and the fan-out writes its events.
    pub announced: SimTime,
    /// When the exposure starts.
    pub exposure_start: SimTime,
    /// End of readout: latency is measured from here.
    pub readout_end: SimTime,
    /// Alerts of each active detector (index = detector).
    pub detector_alerts: Vec<u32>,
}

impl Visit {
    /// Alerts of the whole visit.
    pub fn alerts(&self) -> u64 {
        self.detector_alerts.iter().map(|&a| u64::from(a)).sum()
    }
}

/// Builds the night's visits from the parameters and the `visits` and
/// `alerts` random streams.
pub fn schedule(
    night: &NightParams,
    alerts: &AlertParams,
    visits_rng: &mut ChaCha8Rng,
    alerts_rng: &mut ChaCha8Rng,
) -> Vec<Visit> {
    let lead = SimDuration::from_secs_f64(night.announce_lead_s);
    let interval = SimDuration::from_secs_f64(night.visit_interval_s);
    let gap = SimDuration::from_secs_f64(night.gap_s);
    let exposure_and_readout = SimDuration::from_secs_f64(night.exposure_s + night.readout_s);
    let mut out = Vec::with_capacity(night.visits as usize);
    let mut start = SimTime::ZERO + lead;
    for index in 0..night.visits {
        if index > 0 {
            start = start + interval;
            if night.gap_probability > 0.0 && unit(visits_rng) < night.gap_probability {
                start = start + gap;
            }
        }
        let total = alerts_in_visit(alerts, alerts_rng);
        out.push(Visit {
            index,
            announced: start - lead,
            exposure_start: start,
            readout_end: start + exposure_and_readout,
            detector_alerts: split_across_detectors(
                total,
                night.detectors,
                alerts.detector_sigma,
                alerts_rng,
            ),
        });
    }
    out
}

/// Alerts in one visit: log-normal with the configured mean, capped.
fn alerts_in_visit(p: &AlertParams, rng: &mut ChaCha8Rng) -> u64 {
    let sigma = p.per_visit_sigma.max(0.0);
    // A log-normal's mean is median * exp(sigma^2 / 2).
    let median = p.mean_per_visit.max(0.0) / (sigma * sigma / 2.0).exp();
    let draw = lognormal_median(rng, median, sigma).round();
    (draw.max(0.0) as u64).min(p.max_per_visit)
}

/// Splits `total` alerts over `detectors` with log-normal shares; the
/// counts always sum to `total` (largest remainders get the leftovers,
/// ties to the lower detector index).
pub fn split_across_detectors(
    total: u64,
    detectors: u32,
    sigma: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<u32> {
    let n = detectors as usize;
    if n == 0 {
        return Vec::new();
    }
    let weights: Vec<f64> = (0..n).map(|_| lognormal_median(rng, 1.0, sigma)).collect();
    let sum: f64 = weights.iter().sum();
    let mut counts = Vec::with_capacity(n);
    let mut remainders = Vec::with_capacity(n);
    let mut assigned: u64 = 0;
    for (i, w) in weights.iter().enumerate() {
        let exact = total as f64 * w / sum;
        let floor = exact.floor();
        counts.push(floor as u64);
        assigned += floor as u64;
        remainders.push((exact - floor, i));
    }
    let mut leftover = total.saturating_sub(assigned);
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().cycle() {
        if leftover == 0 {
            break;
        }
        if let Some(c) = counts.get_mut(*i) {
            *c += 1;
        }
        leftover -= 1;
    }
    counts
        .into_iter()
        .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SimParams;
    use crate::rng::{Stream, stream};
    use proptest::prelude::*;

    #[test]
    fn visits_follow_the_cadence_without_gaps() {
        let p = SimParams::default();
        let v = schedule(
            &p.night,
            &p.alerts,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        assert_eq!(v.len(), 1000);
        assert_eq!(v[0].announced, SimTime::ZERO);
        assert_eq!(v[1].exposure_start.0 - v[0].exposure_start.0, 37_000_000);
        assert_eq!(v[0].readout_end.0 - v[0].exposure_start.0, 32_000_000);
        assert!(v.iter().all(|x| x.detector_alerts.len() == 189));
        let mean = v.iter().map(Visit::alerts).sum::<u64>() as f64 / 1000.0;
        assert!(
            (mean - 10_000.0).abs() < 500.0,
            "mean alerts per visit {mean}"
        );
    }

    #[test]
    fn detector_counts_centre_near_fifty() {
        let mut rng = stream(2, Stream::Alerts);
        let mut counts = split_across_detectors(10_000, 189, 0.5, &mut rng);
        counts.sort_unstable();
        let median = counts[94];
        assert!((35..=65).contains(&median), "median {median}");
    }

    proptest! {
        #[test]
        fn split_sums_to_total(total in 0u64..200_000, detectors in 1u32..300, sigma in 0.0f64..2.0, seed: u64) {
            let mut rng = stream(seed, Stream::Alerts);
            let counts = split_across_detectors(total, detectors, sigma, &mut rng);
            prop_assert_eq!(counts.len(), detectors as usize);
            prop_assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), total);
        }
    }
}
