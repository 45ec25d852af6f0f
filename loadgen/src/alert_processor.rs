//! The worker's "process one detector" step for real runs: generate the
//! detector's alerts and publish them with the production publisher.
//!
//! The visit number comes from the event's `startTime` (TAI seconds) the way
//! Rubin numbers visits (day and slot of the night), so alerts of one visit
//! share identifiers whichever worker packages them; the detector's alerts
//! are the generator's, deterministic from the seed. Publishing errors (a
//! spool that cannot be written) are counted and logged: as in Rubin, the
//! entry still counts as handled.

use alertsim_core::alert::generate::AlertGenerator;
use alertsim_core::alert::generate::ids::visit_at;
use alertsim_core::worker::Delivery;
use alertsim_drivers::publish::kafka::AlertPublisher;
use alertsim_drivers::worker::Processor;

/// Seconds from the Unix epoch to MJD 0.
const UNIX_EPOCH_MJD: f64 = 40_587.0;

/// The Rubin-style visit number of an exposure starting at `start_time_tai`
/// (seconds since the Unix epoch, TAI).
pub fn visit_number(start_time_tai: f64) -> i64 {
    visit_at(UNIX_EPOCH_MJD + start_time_tai / 86_400.0)
}

/// What a processor has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProcessorStats {
    /// Detectors processed.
    pub detectors: u64,
    /// Alerts generated and handed to the publisher.
    pub alerts: u64,
    /// Detectors whose alerts could not be generated or published.
    pub errors: u64,
}

/// Generates and publishes each detector's alerts.
pub struct AlertProcessor {
    generator: AlertGenerator,
    publisher: AlertPublisher,
    alerts_per_detector: usize,
    stats: ProcessorStats,
}

impl AlertProcessor {
    /// `alerts_per_detector` alerts for every detector event.
    pub fn new(
        generator: AlertGenerator,
        publisher: AlertPublisher,
        alerts_per_detector: usize,
    ) -> Self {
        AlertProcessor {
            generator,
            publisher,
            alerts_per_detector,
            stats: ProcessorStats::default(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> ProcessorStats {
        self.stats
    }

    /// The publisher (its ledger, and `finish` at the end of the run).
    pub fn publisher_mut(&mut self) -> &mut AlertPublisher {
        &mut self.publisher
    }

    async fn package(&mut self, delivery: &Delivery) -> Result<u64, String> {
        let visit = visit_number(delivery.event.visit.start_time);
        let detector = i32::try_from(delivery.event.detector).map_err(|e| e.to_string())?;
        let alerts = self
            .generator
            .detector_alerts(visit, detector, self.alerts_per_detector)
            .map_err(|e| e.to_string())?;
        for alert in &alerts {
            self.publisher
                .publish(alert, visit, detector)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(alerts.len() as u64)
    }
}

impl Processor for &mut AlertProcessor {
    async fn process(&mut self, delivery: Delivery) {
        self.stats.detectors += 1;
        match self.package(&delivery).await {
            Ok(n) => self.stats.alerts += n,
            Err(error) => {
                self.stats.errors += 1;
                tracing::error!(entry = %delivery.id, %error, "detector not packaged");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_numbers_name_the_slot_the_start_time_falls_in() {
        use alertsim_core::alert::generate::ids::visit_midpoint;
        let start = (60_903.3 - UNIX_EPOCH_MJD) * 86_400.0;
        for k in 0..50 {
            let t = start + 13.0 * f64::from(k);
            let visit = visit_number(t);
            let midpoint = visit_midpoint(visit).unwrap_or(f64::NAN);
            let mjd = UNIX_EPOCH_MJD + t / 86_400.0;
            // The slot's nominal midpoint is within one 37 s slot of the time.
            assert!(
                ((midpoint - mjd) * 86_400.0).abs() < 37.0,
                "{visit} {midpoint} {mjd}"
            );
        }
        assert!(visit_number(start + 37.0) > visit_number(start));
    }
}
