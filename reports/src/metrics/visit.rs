//! Per-visit counters and latency, and the per-visit record of the report.

use serde::{Deserialize, Serialize};

use crate::metrics::latency::LatencyHistogram;
use crate::metrics::persist::float;
use crate::number::micros;

/// What the recorder keeps for one visit while the run goes on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitMetrics {
    pub(crate) seen: bool,
    #[serde(with = "float")]
    pub(crate) readout_end_s: f64,
    pub(crate) planned: u64,
    pub(crate) produced: u64,
    pub(crate) delivered: u64,
    pub(crate) lost: u64,
    pub(crate) duplicated: u64,
    pub(crate) failed_detectors: u64,
    pub(crate) latency: Option<LatencyHistogram>,
}

impl VisitMetrics {
    pub(crate) fn latency_mut(&mut self) -> &mut LatencyHistogram {
        self.latency
            .get_or_insert_with(|| LatencyHistogram::with_precision(2))
    }

    /// Adds what another shard recorded for the same visit: counts add,
    /// histograms add. The readout end is the later of the two (shards
    /// plan the same schedule so they agree; a shard that saw the visit
    /// without planning it holds 0). Late and failed are not stored: the
    /// record judges them on the merged figures. Sums saturate.
    pub(crate) fn merge(&mut self, other: &VisitMetrics) {
        if !other.seen {
            return;
        }
        self.readout_end_s = if self.seen {
            self.readout_end_s.max(other.readout_end_s)
        } else {
            other.readout_end_s
        };
        self.seen = true;
        self.planned = self.planned.saturating_add(other.planned);
        self.produced = self.produced.saturating_add(other.produced);
        self.delivered = self.delivered.saturating_add(other.delivered);
        self.lost = self.lost.saturating_add(other.lost);
        self.duplicated = self.duplicated.saturating_add(other.duplicated);
        self.failed_detectors = self.failed_detectors.saturating_add(other.failed_detectors);
        if let Some(theirs) = &other.latency {
            match &mut self.latency {
                Some(mine) => mine.add(theirs),
                None => self.latency = Some(theirs.clone()),
            }
        }
    }

    /// The visit's record. Late: fewer than 98% of its produced alerts were
    /// acknowledged within `p98_limit_s`. Failed: a detector failed or an
    /// alert was lost.
    pub(crate) fn record(&self, visit: u32, p98_limit_s: f64) -> VisitRecord {
        let (p98, max, within) = match &self.latency {
            Some(h) => (
                h.quantile_s(0.98),
                h.max_s(),
                h.count_at_or_below_s(p98_limit_s),
            ),
            None => (0.0, 0.0, 0),
        };
        let expected = self.produced.max(self.planned);
        let late = expected > 0 && (within as f64) < 0.98 * expected as f64;
        VisitRecord {
            visit,
            readout_end_s: micros(self.readout_end_s),
            alerts: self.planned,
            produced: self.produced,
            delivered: self.delivered,
            lost: self.lost,
            duplicated: self.duplicated,
            failed_detectors: self.failed_detectors,
            p98_latency_s: micros(p98),
            max_latency_s: micros(max),
            late,
            failed: self.failed_detectors > 0 || self.lost > 0,
        }
    }
}

/// One visit in report.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitRecord {
    /// Visit index, from 0.
    pub visit: u32,
    /// Virtual time of the end of readout, seconds.
    pub readout_end_s: f64,
    /// Alerts the visit's sources call for.
    pub alerts: u64,
    /// Alerts handed to the producer.
    pub produced: u64,
    /// Alerts acknowledged by Kafka.
    pub delivered: u64,
    /// Alerts lost.
    pub lost: u64,
    /// Alerts delivered more than once (extra copies).
    pub duplicated: u64,
    /// Detectors whose processing failed or was skipped.
    pub failed_detectors: u64,
    /// 98th percentile latency of the delivered alerts, seconds.
    pub p98_latency_s: f64,
    /// Largest latency, seconds.
    pub max_latency_s: f64,
    /// Fewer than 98% of its alerts within the gate's latency limit.
    pub late: bool,
    /// A detector failed or an alert was lost.
    pub failed: bool,
}
