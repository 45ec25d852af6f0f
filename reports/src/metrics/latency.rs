//! Latency histograms (HdrHistogram) recorded in microseconds and read back
//! in seconds. They serialise as HdrHistogram V2 in hex (see `persist`).

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::number::micros;

/// Largest recordable latency: one day (larger values saturate).
pub(crate) const HIGHEST_US: u64 = 86_400 * 1_000_000;

/// A latency histogram with 3 significant digits (per-visit ones use 2).
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    histogram: Histogram<u64>,
}

impl LatencyHistogram {
    /// A histogram with 3 significant digits.
    pub fn new() -> Self {
        Self::with_precision(3)
    }

    /// A histogram with the given significant digits (1 to 5).
    pub fn with_precision(sigfig: u8) -> Self {
        let sigfig = sigfig.clamp(1, 5);
        // Constant bounds and a clamped precision: this cannot fail.
        let histogram = Histogram::new_with_bounds(1, HIGHEST_US, sigfig)
            .unwrap_or_else(|e| panic!("HdrHistogram rejected constant bounds: {e}"));
        Self { histogram }
    }

    /// Wraps a histogram read back from a file (bounds already checked).
    pub(crate) fn from_histogram(histogram: Histogram<u64>) -> Self {
        Self { histogram }
    }

    /// The underlying histogram, for serialisation.
    pub(crate) fn histogram(&self) -> &Histogram<u64> {
        &self.histogram
    }

    /// Adds all of `other`'s values (another shard's); counts add exactly,
    /// also across precisions. Never fails: should `other` hold values
    /// beyond this histogram's range, they are re-recorded saturating, as
    /// [`LatencyHistogram::record_s`] does.
    pub fn add(&mut self, other: &LatencyHistogram) {
        // `add` checks the range before changing anything, so on error
        // `self` is untouched and the value-by-value path starts clean.
        if self.histogram.add(&other.histogram).is_err() {
            for v in other.histogram.iter_recorded() {
                self.histogram
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
    }

    /// Records one latency in seconds (negative values count as 0).
    pub fn record_s(&mut self, latency_s: f64) {
        self.histogram.saturating_record(to_us(latency_s));
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The latency in seconds below which `quantile` of the values fall
    /// (0 when empty).
    pub fn quantile_s(&self, quantile: f64) -> f64 {
        if self.histogram.is_empty() {
            return 0.0;
        }
        self.histogram.value_at_quantile(quantile) as f64 / 1e6
    }

    /// Values at or below `limit_s`.
    pub fn count_at_or_below_s(&self, limit_s: f64) -> u64 {
        self.histogram.count_between(0, to_us(limit_s))
    }

    /// The largest value in seconds (0 when empty).
    pub fn max_s(&self) -> f64 {
        if self.histogram.is_empty() {
            0.0
        } else {
            self.histogram.max() as f64 / 1e6
        }
    }

    /// The usual summary.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50: micros(self.quantile_s(0.50)),
            p90: micros(self.quantile_s(0.90)),
            p98: micros(self.quantile_s(0.98)),
            p99: micros(self.quantile_s(0.99)),
            max: micros(self.max_s()),
        }
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Latency percentiles in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 98th percentile (Rubin's OTT1 figure).
    pub p98: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

fn to_us(latency_s: f64) -> u64 {
    if latency_s.is_finite() && latency_s > 0.0 {
        let us = (latency_s * 1e6).round();
        if us >= HIGHEST_US as f64 {
            HIGHEST_US
        } else {
            us as u64
        }
    } else if latency_s == f64::INFINITY {
        HIGHEST_US
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_uniform_spread() {
        let mut h = LatencyHistogram::new();
        for i in 1..=1000 {
            h.record_s(f64::from(i) / 100.0); // 0.01 .. 10 s
        }
        let p = h.percentiles();
        assert!((p.p50 - 5.0).abs() < 0.01, "{p:?}");
        assert!((p.p98 - 9.8).abs() < 0.01, "{p:?}");
        assert!((p.max - 10.0).abs() < 0.01, "{p:?}");
        assert_eq!(h.count(), 1000);
        assert_eq!(h.count_at_or_below_s(2.0), 200);
    }

    #[test]
    fn add_sums_counts_even_across_precisions() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        let mut all = LatencyHistogram::new();
        for i in 1..=1000 {
            let x = f64::from(i) / 100.0;
            if i % 3 == 0 {
                a.record_s(x);
            } else {
                b.record_s(x);
            }
            all.record_s(x);
        }
        a.add(&b);
        assert_eq!(a.count(), 1000);
        assert_eq!(a.percentiles(), all.percentiles());

        let mut coarse = LatencyHistogram::with_precision(1);
        coarse.record_s(86_400.0);
        let mut fine = LatencyHistogram::with_precision(5);
        fine.add(&coarse);
        fine.add(&all);
        assert_eq!(fine.count(), 1001);
        assert!(fine.max_s() <= 86_400.0 * 1.01);
    }

    #[test]
    fn empty_and_extreme_values_stay_finite() {
        let mut h = LatencyHistogram::with_precision(2);
        assert_eq!(h.percentiles(), Percentiles::default());
        h.record_s(f64::NAN);
        h.record_s(-3.0);
        h.record_s(1e12);
        assert_eq!(h.count(), 3);
        assert!(h.max_s() <= 86_400.0 * 1.01);
    }
}
