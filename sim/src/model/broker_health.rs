//! How faults degrade the brokers as the producers see them: extra latency,
//! lower bandwidth, and writes rejected (disk full, network cut). Overlapping
//! faults add up and undo exactly when each ends.

use crate::time::SimDuration;

/// The brokers' current degradation (none by default).
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerHealth {
    added_latency_s: f64,
    bandwidth_factor: f64,
    write_blockers: u32,
}

impl Default for BrokerHealth {
    fn default() -> Self {
        BrokerHealth {
            added_latency_s: 0.0,
            bandwidth_factor: 1.0,
            write_blockers: 0,
        }
    }
}

impl BrokerHealth {
    /// A `broker_slow` fault begins: `added_latency_ms` more per produce
    /// round trip, bandwidth times `bandwidth_factor`.
    pub fn slow_down(&mut self, added_latency_ms: f64, bandwidth_factor: f64) {
        let (latency, factor) = slowness(added_latency_ms, bandwidth_factor);
        self.added_latency_s += latency;
        self.bandwidth_factor *= factor;
    }

    /// The `broker_slow` fault begun with the same figures ends.
    pub fn speed_up(&mut self, added_latency_ms: f64, bandwidth_factor: f64) {
        let (latency, factor) = slowness(added_latency_ms, bandwidth_factor);
        self.added_latency_s = (self.added_latency_s - latency).max(0.0);
        self.bandwidth_factor /= factor;
    }

    /// A fault that rejects every write (disk full, partition) begins.
    pub fn block_writes(&mut self) {
        self.write_blockers += 1;
    }

    /// A fault that rejects every write ends.
    pub fn unblock_writes(&mut self) {
        self.write_blockers = self.write_blockers.saturating_sub(1);
    }

    /// Whether writes are rejected.
    pub fn writes_blocked(&self) -> bool {
        self.write_blockers > 0
    }

    /// The extra produce round trip.
    pub fn added_latency(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.added_latency_s)
    }

    /// Multiplier of the brokers' bandwidth.
    pub fn bandwidth_factor(&self) -> f64 {
        self.bandwidth_factor
    }
}

/// A slow-down's added latency in seconds and its bandwidth factor (a
/// factor that is not positive and finite changes nothing).
fn slowness(added_latency_ms: f64, bandwidth_factor: f64) -> (f64, f64) {
    let latency = added_latency_ms.max(0.0) / 1000.0;
    let factor = if bandwidth_factor > 0.0 && bandwidth_factor.is_finite() {
        bandwidth_factor
    } else {
        1.0
    };
    (latency, factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_faults_undo_to_healthy() {
        let mut h = BrokerHealth::default();
        h.slow_down(100.0, 0.5);
        h.slow_down(50.0, 0.5);
        h.block_writes();
        assert!((h.bandwidth_factor() - 0.25).abs() < 1e-12);
        assert_eq!(h.added_latency(), SimDuration::from_secs_f64(0.15));
        assert!(h.writes_blocked());
        h.speed_up(100.0, 0.5);
        h.speed_up(50.0, 0.5);
        h.unblock_writes();
        assert!(!h.writes_blocked());
        assert!((h.bandwidth_factor() - 1.0).abs() < 1e-12);
        assert_eq!(h.added_latency(), SimDuration::ZERO);
    }
}
