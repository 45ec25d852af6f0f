//! The observing night: the visit schedule (nextVisit announced ahead of the
//! exposure, gaps for slews, filter changes and weather) and the alerts of
//! each visit split across its active detectors.

use alertsim_scenarios::Night;
use rand_chacha::ChaCha8Rng;

use crate::rng::unit;
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
    /// A crowded galactic-plane field.
    pub galactic_plane: bool,
    /// Alerts of each active detector (index = detector number); all zero
    /// when the visit is not [`VisitKind::Science`].
    pub detector_alerts: Vec<u32>,
    /// Whether its detectors are processed, skipped, or wait for images
    /// that never come.
    pub kind: VisitKind,
}

/// What the workers find when they take a visit's detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// Pipelines configured and images arrive: processed, alerts sent.
    Science,
    /// A survey with no pipelines: skipped cheaply, no alerts.
    NoPipelines,
    /// The raws never arrive: each worker waits out the image timeout, no
    /// alerts.
    ImagesMissing,
}

/// Draws each visit's kind from the `visit-kinds` stream (one draw per
/// visit, so no other stream shifts) with the `night` fractions; the
/// visits that are not science visits plan no alerts.
pub fn assign_kinds(visits: &mut [Visit], night: &Night, rng: &mut ChaCha8Rng) {
    for visit in visits {
        let u = unit(rng);
        visit.kind = if u < night.no_pipelines_fraction {
            VisitKind::NoPipelines
        } else if u < night.no_pipelines_fraction + night.images_missing_fraction {
            VisitKind::ImagesMissing
        } else {
            VisitKind::Science
        };
        if visit.kind != VisitKind::Science {
            visit.detector_alerts.iter_mut().for_each(|a| *a = 0);
        }
    }
}

impl Visit {
    /// Alerts of the whole visit.
    pub fn alerts(&self) -> u64 {
        self.detector_alerts.iter().map(|&a| u64::from(a)).sum()
    }
}

/// Builds the night's visits: the `visits` stream draws the random gaps and
/// picks galactic-plane fields, the `alerts` stream draws the counts and
/// their split.
pub fn schedule(
    night: &Night,
    visits_rng: &mut ChaCha8Rng,
    alerts_rng: &mut ChaCha8Rng,
) -> Vec<Visit> {
    let lead = SimDuration::from_secs_f64(night.next_visit_lead_s);
    let interval = SimDuration::from_secs_f64(night.visit_interval_s);
    let exposure_and_readout = SimDuration::from_secs_f64(night.exposure_s + night.readout_s);
    let mut out = Vec::with_capacity(night.visits as usize);
    let mut start = SimTime::ZERO + lead;
    for index in 0..night.visits {
        if index > 0 {
            start = start + interval;
            let gap_s: f64 = night
                .gaps
                .iter()
                .filter(|g| g.after_visit.checked_add(1) == Some(index))
                .map(|g| g.duration_s)
                .sum();
            start = start + SimDuration::from_secs_f64(gap_s);
            if night.gap_probability > 0.0 && unit(visits_rng) < night.gap_probability {
                start = start + SimDuration::from_secs_f64(night.gap_duration_s);
            }
        }
        let galactic_plane =
            night.galactic_plane_fraction > 0.0 && unit(visits_rng) < night.galactic_plane_fraction;
        let distribution = if galactic_plane {
            &night.galactic_plane_alerts_per_visit
        } else {
            &night.alerts_per_visit
        };
        let total = distribution.sample(alerts_rng).round().max(0.0);
        let total = if total.is_finite() { total as u64 } else { 0 };
        let weights: Vec<f64> = (0..night.active_detectors)
            .map(|_| night.alerts_per_detector.sample(alerts_rng).max(0.0))
            .collect();
        out.push(Visit {
            index,
            announced: start - lead,
            exposure_start: start,
            readout_end: start + exposure_and_readout,
            galactic_plane,
            detector_alerts: split_by_weights(total, &weights),
            kind: VisitKind::Science,
        });
    }
    out
}

/// Splits `total` in proportion to `weights` so that the parts sum to
/// `total` exactly (largest remainders get the leftovers, ties to the lower
/// index). All-zero or non-finite weights split evenly.
pub fn split_by_weights(total: u64, weights: &[f64]) -> Vec<u32> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let sum: f64 = weights.iter().sum();
    let even = !(sum.is_finite() && sum > 0.0);
    let mut counts = Vec::with_capacity(n);
    let mut remainders = Vec::with_capacity(n);
    let mut assigned: u64 = 0;
    for (i, w) in weights.iter().enumerate() {
        let share = if even { 1.0 / n as f64 } else { w / sum };
        let exact = total as f64 * share;
        let floor = exact.floor().max(0.0);
        counts.push(floor as u64);
        assigned += floor as u64;
        remainders.push((exact - floor, i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut leftover = total.saturating_sub(assigned);
    // Each pass gives at most one to every detector; float error leaves at
    // most a few alerts, so this ends quickly.
    while leftover > 0 {
        for (_, i) in &remainders {
            if leftover == 0 {
                break;
            }
            if let Some(c) = counts.get_mut(*i) {
                *c += 1;
            }
            leftover -= 1;
        }
    }
    counts
        .into_iter()
        .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};
    use alertsim_scenarios::{Distribution, Gap, Scenario};
    use proptest::prelude::*;

    fn night_of(name: &str) -> Night {
        Scenario::resolve(name, &[]).unwrap_or_default().night
    }

    #[test]
    fn visits_follow_the_cadence_and_the_gaps() {
        let mut night = night_of("rubin-night");
        night.gaps = vec![Gap {
            after_visit: 2,
            duration_s: 100.0,
            reason: String::new(),
        }];
        let v = schedule(
            &night,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        assert_eq!(v.len(), 1000);
        assert_eq!(v[0].announced, SimTime::ZERO);
        assert_eq!(v[1].exposure_start.0 - v[0].exposure_start.0, 37_000_000);
        assert_eq!(v[3].exposure_start.0 - v[2].exposure_start.0, 137_000_000);
        assert_eq!(v[0].readout_end.0 - v[0].exposure_start.0, 32_000_000);
        assert!(v.iter().all(|x| x.detector_alerts.len() == 172));
        let mean = v.iter().map(Visit::alerts).sum::<u64>() as f64 / 1000.0;
        assert!(
            (8_000.0..12_000.0).contains(&mean),
            "mean alerts per visit {mean}"
        );
        let gp = v.iter().filter(|x| x.galactic_plane).count();
        assert!((20..90).contains(&gp), "galactic-plane visits {gp}");
    }

    #[test]
    fn random_gaps_lengthen_the_night() {
        let mut night = night_of("smoke");
        night.visits = 200;
        night.gap_probability = 0.25;
        night.gap_duration_s = 100.0;
        let v = schedule(
            &night,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        let gaps = v
            .windows(2)
            .filter(|w| w[1].exposure_start.0 - w[0].exposure_start.0 == 137_000_000)
            .count();
        assert!((25..75).contains(&gaps), "{gaps} gaps in 199 intervals");
    }

    #[test]
    fn constant_distributions_split_evenly() {
        let mut night = night_of("smoke");
        night.alerts_per_visit = Distribution::constant(1000.0);
        let v = schedule(
            &night,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        assert!(v.iter().all(|x| x.detector_alerts.iter().all(|&a| a == 50)));
    }

    #[test]
    fn visit_kinds_follow_the_fractions_and_plan_no_alerts() {
        let mut night = night_of("smoke");
        night.visits = 2000;
        night.no_pipelines_fraction = 0.1;
        night.images_missing_fraction = 0.05;
        let mut v = schedule(
            &night,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        assign_kinds(&mut v, &night, &mut stream(1, Stream::VisitKinds));
        let count = |k| v.iter().filter(|x| x.kind == k).count();
        assert!((150..250).contains(&count(VisitKind::NoPipelines)));
        assert!((60..140).contains(&count(VisitKind::ImagesMissing)));
        assert!(
            v.iter()
                .filter(|x| x.kind != VisitKind::Science)
                .all(|x| x.alerts() == 0
                    && x.detector_alerts.len() == night.active_detectors as usize)
        );
    }

    proptest! {
        #[test]
        fn split_sums_to_total(total in 0u64..200_000, weights in proptest::collection::vec(0.0f64..500.0, 1..300)) {
            let counts = split_by_weights(total, &weights);
            prop_assert_eq!(counts.len(), weights.len());
            prop_assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), total);
        }
    }
}
