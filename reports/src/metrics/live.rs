//! What a running load's metrics endpoint reads of the recorder between two
//! samples: the gauges of the latest sample, and the latency histograms
//! (from the readout to the broker's acknowledgement, each stage of the
//! latency budget over the detectors published so far, and each reader's
//! receipt) cut into fixed buckets, as an exposition format wants them.
//!
//! Reading never changes the recorder, so the report is the same whether
//! or not anything looked at the run while it went.

use crate::metrics::budget::Stage;
use crate::metrics::latency::LatencyHistogram;
use crate::metrics::recorder::Recorder;
use crate::metrics::series::Gauges;

/// A latency histogram cut at fixed upper bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    /// Each bound (seconds, increasing) with the values above the previous
    /// bound and at or below it (not cumulative); the last bound is
    /// `f64::INFINITY` and takes the rest.
    pub counts: Vec<(f64, u64)>,
    /// Values recorded.
    pub count: u64,
    /// Their sum, seconds (at the histogram's precision).
    pub sum_s: f64,
}

/// One reader (a scenario consumer) as the endpoint shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderView {
    /// The consumer's name in the scenario.
    pub name: String,
    /// Alerts it read, counted once per read (a duplicate counts twice).
    pub read: u64,
    /// From the visit's readout to this reader's receipt.
    pub latency: Buckets,
    /// From the broker's acknowledgement (append) to this reader's receipt.
    pub receipt: Buckets,
}

impl LatencyHistogram {
    /// The histogram cut at `bounds_s` (increasing seconds; a last bucket
    /// for everything above them is added).
    pub fn buckets(&self, bounds_s: &[f64]) -> Buckets {
        let mut counts = Vec::with_capacity(bounds_s.len() + 1);
        let mut below = 0;
        for &bound in bounds_s {
            let at_or_below = self.count_at_or_below_s(bound).max(below);
            counts.push((bound, at_or_below - below));
            below = at_or_below;
        }
        let count = self.count();
        counts.push((f64::INFINITY, count.saturating_sub(below)));
        let sum_us: u128 = self
            .histogram()
            .iter_recorded()
            .map(|v| u128::from(v.value_iterated_to()) * u128::from(v.count_at_value()))
            .sum();
        Buckets {
            counts,
            count,
            sum_s: sum_us as f64 / 1e6,
        }
    }
}

impl Recorder {
    /// The gauges of the latest sample (none before the first).
    pub fn latest_gauges(&self) -> Option<Gauges> {
        self.series.latest_gauges()
    }

    /// Alerts acknowledged so far, their latency from the readout cut at
    /// `bounds_s`.
    pub fn latency_buckets(&self, bounds_s: &[f64]) -> Buckets {
        self.latency.buckets(bounds_s)
    }

    /// Each stage of the latency budget (`Stage::ALL`'s order) over every
    /// detector published so far: its seconds within the span from the
    /// visit's readout to the detector's last acknowledgement, cut at
    /// `bounds_s`. With Jobs in processes of their own, their detectors
    /// arrive when they hand in their recorders.
    pub fn stage_buckets(&self, bounds_s: &[f64]) -> Vec<(Stage, Buckets)> {
        let mut histograms: Vec<LatencyHistogram> =
            Stage::ALL.iter().map(|_| LatencyHistogram::new()).collect();
        for trace in self.visits.iter().flat_map(|v| &v.traces) {
            for (h, seconds) in histograms.iter_mut().zip(trace.clipped()) {
                h.record_s(seconds);
            }
        }
        Stage::ALL
            .iter()
            .zip(histograms)
            .map(|(&stage, h)| (stage, h.buckets(bounds_s)))
            .collect()
    }

    /// Each reader's reads and latencies so far, in the scenario's order.
    pub fn readers(&self, bounds_s: &[f64]) -> Vec<ReaderView> {
        self.consumers
            .iter()
            .map(|c| ReaderView {
                name: c.name.clone(),
                read: c.latency.count(),
                latency: c.latency.buckets(bounds_s),
                receipt: c.receipt.buckets(bounds_s),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_the_values_at_each_bound_and_keep_the_rest_last() {
        let mut h = LatencyHistogram::new();
        for s in [0.5, 1.0, 3.0, 3.0, 70.0] {
            h.record_s(s);
        }
        let b = h.buckets(&[1.0, 5.0, 60.0]);
        assert_eq!(
            b.counts,
            vec![(1.0, 2), (5.0, 2), (60.0, 0), (f64::INFINITY, 1)]
        );
        assert_eq!(b.count, 5);
        assert!((b.sum_s - 77.5).abs() < 0.1, "{}", b.sum_s);
        let empty = LatencyHistogram::new().buckets(&[1.0]);
        assert_eq!(empty.counts, vec![(1.0, 0), (f64::INFINITY, 0)]);
        assert_eq!(empty.sum_s, 0.0);
    }
}
