//! `[workers]`: the worker loop's settings and its processing-time model.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain};
use crate::validate::Checker;

/// When a worker acknowledges a Redis message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    /// `XACK` right after the read, before processing: at-most-once (Rubin).
    BeforeProcessing,
    /// `XACK` after the alerts are published: at-least-once.
    AfterProcessing,
}

/// How alert sizes are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fidelity {
    /// Encode every alert with the real packager (slow, exact).
    Full,
    /// Encode `encode_sample` alerts and draw the other sizes from the
    /// measured ones (default).
    Sample,
    /// Use `nominal_alert_bytes` for every alert without encoding.
    Nominal,
}

/// Worker pods: the loop's limits and how long a detector takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workers {
    /// `WORKER_RESTART_FREQ`: the worker exits after this many messages
    /// (default 10; 0 = unlimited).
    pub restart_freq: u32,
    /// `FANNED_OUT_MSG_LISTEN_TIMEOUT`: exit after this long without a
    /// message (default 900 s).
    pub listen_timeout_s: f64,
    /// Messages older than this are skipped (default 3,600 s).
    pub max_message_age_s: f64,
    /// Acknowledgement mode (default `before_processing`, as Rubin runs it).
    pub ack_mode: AckMode,
    /// Seconds from reading an event to the start of processing (loading
    /// calibrations, preparing the pipeline; default 5).
    pub prep_s: f64,
    /// Fixed part of the processing time of one detector in seconds (default
    /// lognormal, mean 20, std dev 5, clamped to [5, 120]).
    pub processing_base_s: Distribution,
    /// Extra processing seconds per alert of the detector (default 0.05), so
    /// busy detectors take longer.
    pub processing_per_alert_s: f64,
    /// How alert sizes are obtained (default `sample`).
    pub fidelity: Fidelity,
    /// Alerts encoded for real when `fidelity = "sample"` (default 200).
    pub encode_sample: u32,
    /// Alert size in bytes when `fidelity = "nominal"` (default 82,000).
    pub nominal_alert_bytes: u64,
    /// Encoder throughput on one worker core in megabytes per second, used
    /// to charge packaging time (default 800).
    pub encode_mb_per_s: f64,
}

impl Default for Workers {
    fn default() -> Self {
        Self {
            restart_freq: 10,
            listen_timeout_s: 900.0,
            max_message_age_s: 3600.0,
            ack_mode: AckMode::BeforeProcessing,
            prep_s: 5.0,
            processing_base_s: Distribution::Lognormal {
                mean: 20.0,
                std_dev: 5.0,
                min: Some(5.0),
                max: Some(120.0),
            },
            processing_per_alert_s: 0.05,
            fidelity: Fidelity::Sample,
            encode_sample: 200,
            nominal_alert_bytes: 82_000,
            encode_mb_per_s: 800.0,
        }
    }
}

impl Workers {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.positive("workers.listen_timeout_s", self.listen_timeout_s);
        c.positive("workers.max_message_age_s", self.max_message_age_s);
        c.non_negative("workers.prep_s", self.prep_s);
        c.positive("workers.encode_mb_per_s", self.encode_mb_per_s);
        self.processing_base_s
            .check(c, "workers.processing_base_s", Domain::NonNegative);
        c.non_negative(
            "workers.processing_per_alert_s",
            self.processing_per_alert_s,
        );
        if self.fidelity == Fidelity::Sample {
            c.at_least("workers.encode_sample", u64::from(self.encode_sample), 1);
        }
        c.at_least("workers.nominal_alert_bytes", self.nominal_alert_bytes, 1);
    }
}
