//! The alert archive's ingester as a run measured it: how long alerts took
//! to be archived, and its completeness (alerts archived and the gaps, the
//! ones a redeploy that deleted the volumes caused among them), with what
//! its autoscaling did. The simulator's archive model feeds it
//! (`alertsim_sim::model::archive`); a load run has no archive.

use serde::{Deserialize, Serialize};

use crate::metrics::float;
use crate::metrics::latency::{LatencyHistogram, Percentiles};
use crate::number::millis;

/// What the recorder keeps of the archive during a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveMetrics {
    /// From the visit's readout to the alert archived.
    pub(crate) latency: LatencyHistogram,
    /// From the alert's acknowledgement to it archived.
    pub(crate) receipt: LatencyHistogram,
    /// The totals, set once at the end of the run.
    pub(crate) totals: ArchiveCounts,
}

/// The archive's counts at the end of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveCounts {
    /// Acknowledged alerts never archived, every cause.
    pub gaps: u64,
    /// Of the gaps, those a `kafka_redeploy` with `data_lost` caused.
    pub gaps_after_redeploy: u64,
    /// Alerts read again after a rebalance.
    pub rereads: u64,
    /// The most replicas it ran.
    pub max_replicas: u32,
    /// Replica-seconds.
    #[serde(with = "float")]
    pub replica_s: f64,
    /// HPA scale-ups.
    pub scale_ups: u32,
    /// HPA scale-downs.
    pub scale_downs: u32,
    /// The largest lag KEDA's trigger reported.
    pub max_lag: u64,
}

/// report.json's `archive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveReport {
    /// Alerts archived.
    pub alerts_archived: u64,
    /// Acknowledged alerts the archive never got, every cause.
    pub gaps: u64,
    /// Of the gaps, those after a redeploy that deleted the volumes: the
    /// alerts it had not archived, and with `offset_reset = "latest"` what
    /// was written before it rejoined.
    pub gaps_after_redeploy: u64,
    /// Alerts archived twice: read again after a rebalance, from the last
    /// committed offset.
    pub rereads: u64,
    /// From the visit's readout to the alert archived, seconds.
    pub latency_s: Percentiles,
    /// From the alert's acknowledgement to it archived, seconds.
    pub receipt_s: Percentiles,
    /// The most replicas the HPA ran.
    pub max_replicas: u32,
    /// Replica-hours over the run.
    pub replica_hours: f64,
    /// Times the HPA scaled it up.
    pub scale_ups: u32,
    /// Times the HPA scaled it down.
    pub scale_downs: u32,
    /// The largest consumer lag KEDA's trigger reported.
    pub max_lag: u64,
}

impl ArchiveMetrics {
    /// An alert archived `latency_s` after its visit's readout and
    /// `receipt_s` after its acknowledgement.
    pub(crate) fn archived(&mut self, latency_s: f64, receipt_s: f64) {
        self.latency.record_s(latency_s);
        self.receipt.record_s(receipt_s);
    }

    /// The report's block.
    pub(crate) fn report(&self) -> ArchiveReport {
        let t = &self.totals;
        ArchiveReport {
            alerts_archived: self.receipt.count(),
            gaps: t.gaps,
            gaps_after_redeploy: t.gaps_after_redeploy,
            rereads: t.rereads,
            latency_s: self.latency.percentiles(),
            receipt_s: self.receipt.percentiles(),
            max_replicas: t.max_replicas,
            replica_hours: millis(t.replica_s / 3600.0),
            scale_ups: t.scale_ups,
            scale_downs: t.scale_downs,
            max_lag: t.max_lag,
        }
    }
}
