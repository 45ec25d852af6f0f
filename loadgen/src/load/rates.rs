//! Wall-clock rates of the three stages of a load run, sampled with the
//! gauges: alerts handed to the producers, acknowledged by the broker, and
//! read by the first consumer, each per wall second. Their peaks side by
//! side say where a run is limited: producers that cannot hand alerts over
//! fast enough, a broker that acknowledges slower than it is fed, or
//! consumers that fall behind.

use serde::Serialize;

/// Peak and mean of one stage's rate, alerts per wall second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageRate {
    /// The highest rate over one sampling interval.
    pub peak_per_s: f64,
    /// Alerts over the wall seconds from the first to the last alert.
    pub mean_per_s: f64,
    /// Alerts counted.
    pub alerts: u64,
}

/// The three stages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WallRates {
    /// Alerts handed to a producer (`produce` accepted them).
    pub handed_to_producer: StageRate,
    /// Alerts acknowledged by the broker.
    pub acknowledged: StageRate,
    /// Distinct alerts read by the first consumer.
    pub consumed: StageRate,
}

/// Accumulates one stage from cumulative counts taken at wall times.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTracker {
    last_count: u64,
    last_wall_s: f64,
    first_wall_s: Option<f64>,
    active_until_s: f64,
    peak_per_s: f64,
}

impl StageTracker {
    /// Takes the stage's cumulative `count` at `wall_s` seconds into the run.
    pub fn observe(&mut self, wall_s: f64, count: u64) {
        let dt = wall_s - self.last_wall_s;
        let added = count.saturating_sub(self.last_count);
        if added > 0 {
            self.first_wall_s.get_or_insert(self.last_wall_s);
            self.active_until_s = wall_s;
            if dt > 0.0 {
                self.peak_per_s = self.peak_per_s.max(added as f64 / dt);
            }
        }
        self.last_count = count;
        self.last_wall_s = wall_s;
    }

    /// The rates so far.
    pub fn rate(&self) -> StageRate {
        let span = self.first_wall_s.map_or(0.0, |f| self.active_until_s - f);
        StageRate {
            peak_per_s: round3(self.peak_per_s),
            mean_per_s: round3(if span > 0.0 {
                self.last_count as f64 / span
            } else {
                0.0
            }),
            alerts: self.last_count,
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_and_mean_follow_the_counts() {
        let mut t = StageTracker::default();
        t.observe(1.0, 0);
        t.observe(2.0, 100); // 100/s
        t.observe(4.0, 500); // 200/s
        t.observe(5.0, 500); // idle
        let r = t.rate();
        assert_eq!(r.alerts, 500);
        assert_eq!(r.peak_per_s, 200.0);
        // Active from 1 s (the sample before the first alert) to 4 s.
        assert!((r.mean_per_s - 500.0 / 3.0).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn nothing_counted_is_all_zero() {
        let mut t = StageTracker::default();
        t.observe(1.0, 0);
        assert_eq!(t.rate(), StageRate::default());
    }
}
