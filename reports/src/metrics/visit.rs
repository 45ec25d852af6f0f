//! Per-visit counters and latency, and the per-visit record of the report.

use serde::{Deserialize, Serialize};

use crate::metrics::budget::{LateCause, StageBudget, Trace, visit_budget};
use crate::metrics::float;
use crate::metrics::latency::LatencyHistogram;
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
    /// Of the failed detectors, those the fan-out never wrote.
    #[serde(default)]
    pub(crate) dropped_detectors: u64,
    pub(crate) latency: Option<LatencyHistogram>,
    /// Stamps of each processed detector (see `budget`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) traces: Vec<Trace>,
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
        self.dropped_detectors = self
            .dropped_detectors
            .saturating_add(other.dropped_detectors);
        self.traces.extend_from_slice(&other.traces);
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
            detectors_dropped: self.dropped_detectors,
            p98_latency_s: micros(p98),
            max_latency_s: micros(max),
            late,
            failed: self.failed_detectors > 0 || self.lost > 0,
            budget: visit_budget(&self.traces, expected),
            late_cause: None,
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
    /// Of those, the detectors the fan-out never wrote to the stream (its
    /// write retries spent, or the `nextVisit` expired).
    #[serde(default)]
    pub detectors_dropped: u64,
    /// 98th percentile latency of the delivered alerts, seconds.
    pub p98_latency_s: f64,
    /// Largest latency, seconds.
    pub max_latency_s: f64,
    /// Fewer than 98% of its alerts within the gate's latency limit.
    pub late: bool,
    /// A detector failed or an alert was lost.
    pub failed: bool,
    /// Where the latency went: the stages of the visit's deciding detector
    /// (see `metrics::budget`); absent when 98% of its alerts never arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<StageBudget>,
    /// For a late visit, the stage that made it late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_cause: Option<LateCause>,
}
