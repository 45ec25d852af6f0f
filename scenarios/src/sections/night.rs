//! `[night]`: the observing night, visit cadence and how many alerts each
//! visit and detector produce.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain};
use crate::validate::Checker;

/// The observing night.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Night {
    /// Number of visits in the night (default 1,000: DMTN-102).
    pub visits: u32,
    /// Seconds between the starts of consecutive visits (default 37).
    pub visit_interval_s: f64,
    /// Exposure time in seconds (default 30).
    pub exposure_s: f64,
    /// Camera readout after the exposure, in seconds (default 2). Alert
    /// latency is measured from the end of the readout.
    pub readout_s: f64,
    /// How long before the first exposure `nextVisit` is announced and the
    /// fan-out writes the detector events (default 20 s).
    pub next_visit_lead_s: f64,
    /// Pauses in the cadence (slews, filter changes, weather). Default none.
    pub gaps: Vec<Gap>,
    /// Probability that a random pause precedes a visit (default 0).
    pub gap_probability: f64,
    /// Length of a random pause in seconds (default 120).
    pub gap_duration_s: f64,
    /// How long after the last visit's readout the run may go on draining
    /// the backlog before it stops (default 14,400 s).
    pub drain_limit_s: f64,
    /// Alerts in an ordinary visit (default lognormal, mean 8,550, std dev
    /// 4,000, clamped to [500, 40,000]); together with the galactic-plane
    /// fields below the night's mean is about 10,000 per visit.
    pub alerts_per_visit: Distribution,
    /// Fraction of visits that point at crowded galactic-plane fields
    /// (default 0.05).
    pub galactic_plane_fraction: f64,
    /// Alerts in a galactic-plane visit (default uniform 30,000 to 45,000).
    pub galactic_plane_alerts_per_visit: Distribution,
    /// Spread of a visit's alerts over its detectors (default lognormal, mean
    /// 50, std dev 30, clamped to [10, 200]). Each detector draws a weight
    /// from this and the visit's total is divided in proportion.
    pub alerts_per_detector: Distribution,
    /// Fraction of visits of surveys with no pipelines configured: every
    /// worker skips them cheaply, no alerts (default 0.01: estimate).
    pub no_pipelines_fraction: f64,
    /// Fraction of visits whose raw images never arrive (an aborted
    /// exposure): every detector holds its worker for the image timeout,
    /// no alerts (default 0.002: estimate).
    pub images_missing_fraction: f64,
    /// Detectors in the camera (default 189).
    pub detectors: u32,
    /// Detectors that produce events (default 172, as LSSTCam in
    /// production).
    pub active_detectors: u32,
}

/// A pause after a given visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// The pause starts after this visit (0-based index).
    pub after_visit: u32,
    /// Length of the pause in seconds.
    pub duration_s: f64,
    /// Free text: slew, filter change, weather...
    #[serde(default)]
    pub reason: String,
}

impl Default for Night {
    fn default() -> Self {
        Self {
            visits: 1000,
            visit_interval_s: 37.0,
            exposure_s: 30.0,
            readout_s: 2.0,
            next_visit_lead_s: 20.0,
            gaps: Vec::new(),
            gap_probability: 0.0,
            gap_duration_s: 120.0,
            drain_limit_s: 4.0 * 3600.0,
            alerts_per_visit: Distribution::Lognormal {
                mean: 8550.0,
                std_dev: 4000.0,
                min: Some(500.0),
                max: Some(40_000.0),
            },
            galactic_plane_fraction: 0.05,
            galactic_plane_alerts_per_visit: Distribution::Uniform {
                min: 30_000.0,
                max: 45_000.0,
            },
            alerts_per_detector: Distribution::Lognormal {
                mean: 50.0,
                std_dev: 30.0,
                min: Some(10.0),
                max: Some(200.0),
            },
            no_pipelines_fraction: 0.01,
            images_missing_fraction: 0.002,
            detectors: 189,
            active_detectors: 172,
        }
    }
}

impl Night {
    /// Mean alerts per visit over the night, from the two distributions.
    pub fn mean_alerts_per_visit(&self) -> f64 {
        (1.0 - self.galactic_plane_fraction) * self.alerts_per_visit.mean()
            + self.galactic_plane_fraction * self.galactic_plane_alerts_per_visit.mean()
    }

    /// Nominal length of the night in seconds: visits times interval plus
    /// the listed gaps and the expected random ones.
    pub fn nominal_duration_s(&self) -> f64 {
        f64::from(self.visits)
            * (self.visit_interval_s + self.gap_probability * self.gap_duration_s)
            + self.gaps.iter().map(|g| g.duration_s).sum::<f64>()
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least("night.visits", u64::from(self.visits), 1);
        c.positive("night.visit_interval_s", self.visit_interval_s);
        c.positive("night.exposure_s", self.exposure_s);
        c.non_negative("night.readout_s", self.readout_s);
        c.non_negative("night.next_visit_lead_s", self.next_visit_lead_s);
        if self.exposure_s + self.readout_s > self.visit_interval_s {
            c.fail(
                "night.visit_interval_s",
                format!(
                    "visits every {} s cannot hold a {} s exposure plus a {} s readout",
                    self.visit_interval_s, self.exposure_s, self.readout_s
                ),
                "visit_interval_s >= exposure_s + readout_s",
            );
        }
        for (i, gap) in self.gaps.iter().enumerate() {
            c.non_negative(&format!("night.gaps.{i}.duration_s"), gap.duration_s);
            if gap.after_visit >= self.visits {
                c.fail(
                    &format!("night.gaps.{i}.after_visit"),
                    format!(
                        "gap after visit {} but the night has only {} visits",
                        gap.after_visit, self.visits
                    ),
                    &format!("a visit index below {}", self.visits),
                );
            }
        }
        c.fraction("night.gap_probability", self.gap_probability);
        c.non_negative("night.gap_duration_s", self.gap_duration_s);
        c.non_negative("night.drain_limit_s", self.drain_limit_s);
        self.alerts_per_visit
            .check(c, "night.alerts_per_visit", Domain::NonNegative);
        c.fraction(
            "night.galactic_plane_fraction",
            self.galactic_plane_fraction,
        );
        self.galactic_plane_alerts_per_visit.check(
            c,
            "night.galactic_plane_alerts_per_visit",
            Domain::NonNegative,
        );
        self.alerts_per_detector
            .check(c, "night.alerts_per_detector", Domain::NonNegative);
        if self.alerts_per_detector.upper_bound() <= 0.0 {
            c.fail(
                "night.alerts_per_detector",
                "every detector would get a weight of zero",
                "a distribution with positive values",
            );
        }
        c.fraction("night.no_pipelines_fraction", self.no_pipelines_fraction);
        c.fraction(
            "night.images_missing_fraction",
            self.images_missing_fraction,
        );
        if self.no_pipelines_fraction + self.images_missing_fraction > 1.0 {
            c.fail(
                "night.images_missing_fraction",
                format!(
                    "{} of visits without pipelines plus {} without images is more than every visit",
                    self.no_pipelines_fraction, self.images_missing_fraction
                ),
                "no_pipelines_fraction + images_missing_fraction <= 1",
            );
        }
        c.at_least("night.detectors", u64::from(self.detectors), 1);
        c.at_least(
            "night.active_detectors",
            u64::from(self.active_detectors),
            1,
        );
        if self.active_detectors > self.detectors {
            c.fail(
                "night.active_detectors",
                format!(
                    "{} active detectors but the camera has {}",
                    self.active_detectors, self.detectors
                ),
                &format!("at most {}", self.detectors),
            );
        }
    }
}
