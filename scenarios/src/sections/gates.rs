//! `[gates]`: the service levels a run must meet (defaults: Rubin's OTT1
//! and the late/failed visit limits of DMTN-102).

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// Pass/fail limits evaluated on the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gates {
    /// A visit is late when the 98th percentile of its alerts' latency
    /// (end of readout to broker acknowledgement) exceeds this (default 60 s).
    pub p98_latency_s: f64,
    /// The latency requirement (OTT1) covers visits with fewer alerts than
    /// this (default 40,000); larger visits may be late without failing
    /// the late-visit gate, and are counted separately.
    pub latency_scope_max_alerts: u64,
    /// Largest acceptable fraction of late visits (default 0.01).
    pub max_late_visit_fraction: f64,
    /// Largest acceptable fraction of failed visits (default 0.001).
    pub max_failed_visit_fraction: f64,
    /// Largest acceptable number of lost alerts (default 0).
    pub max_lost_alerts: u64,
    /// Largest acceptable recovery time of any fault, seconds: from the
    /// fault's start until visits are on time again (report.json's
    /// `recovery[].rto_s`; a fault never recovered from fails it). No limit
    /// by default.
    pub max_rto_s: Option<f64>,
    /// Largest acceptable number of alerts that consumers could not decode,
    /// added over consumers (report.json's `schema.consumers[].undecodable`;
    /// an unreadable alert is lost to that consumer). No limit by default.
    pub max_undecodable_alerts: Option<u64>,
    /// Largest acceptable number of alerts any one reader never got
    /// (report.json's `alerts.lost_to_readers`: deleted by retention
    /// before it read them, or skipped when it came back without an
    /// offset). Default 0: every community broker is promised every alert.
    pub max_lost_to_readers: u64,
    /// Most acknowledged alerts the archive may never get (report.json's
    /// `archive.gaps`). Default 0: the archive is meant to be complete.
    pub max_archive_gaps: u64,
}

impl Default for Gates {
    fn default() -> Self {
        Self {
            p98_latency_s: 60.0,
            latency_scope_max_alerts: 40_000,
            max_late_visit_fraction: 0.01,
            max_failed_visit_fraction: 0.001,
            max_lost_alerts: 0,
            max_rto_s: None,
            max_undecodable_alerts: None,
            max_lost_to_readers: 0,
            max_archive_gaps: 0,
        }
    }
}

impl Gates {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.positive("gates.p98_latency_s", self.p98_latency_s);
        c.fraction(
            "gates.max_late_visit_fraction",
            self.max_late_visit_fraction,
        );
        c.fraction(
            "gates.max_failed_visit_fraction",
            self.max_failed_visit_fraction,
        );
        if let Some(rto) = self.max_rto_s {
            c.positive("gates.max_rto_s", rto);
        }
    }
}
