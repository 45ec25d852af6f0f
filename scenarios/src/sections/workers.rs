//! `[workers]`: the worker loop's settings and its processing-time model.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain, number_or_distribution};
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
    /// `REDIS_RETRY_DELAY`: seconds a worker waits after a failed Redis
    /// command before sending it again (default 30, `driver_keda.py`).
    pub redis_retry_s: f64,
    /// Retries of one failed Redis command before the worker exits 1
    /// (default 1: redis-py's `Retry(..., 1, ...)` in `driver_keda.py`).
    pub redis_retries: u32,
    /// The preload (`prep_butler`: calibrations and templates copied for
    /// the detector), started when the worker reads the event; a number
    /// means a constant (default lognormal, mean 5, std dev 2, clamped to
    /// [1, 60]: estimate).
    #[serde(deserialize_with = "number_or_distribution")]
    pub prep_s: Distribution,
    /// When the raw images land after the end of readout (default
    /// lognormal, mean 3, std dev 1, clamped to [1, 30]: estimate).
    #[serde(deserialize_with = "number_or_distribution")]
    pub image_arrival_s: Distribution,
    /// `IMAGE_TIMEOUT`: the worker waits for the raws at most
    /// `night.exposure_s * 2 + image_timeout_s` after its preload (default
    /// 120, FACTS "Second reading"; the code's own default is 20).
    pub image_timeout_s: f64,
    /// `WORKER_TIMEOUT`: the alarm set when a detector's processing starts
    /// (read to APDB write); past it the detector fails (default 900).
    pub worker_timeout_s: f64,
    /// Fixed part of the pipelines' time for one detector in seconds
    /// (default lognormal, mean 20, std dev 5, clamped to [5, 120]).
    pub processing_base_s: Distribution,
    /// Extra processing seconds per alert of the detector (default 0.05), so
    /// busy detectors take longer.
    pub processing_per_alert_s: f64,
    /// The APDB write after the pipelines, before any alert is sent
    /// (default lognormal, mean 2, std dev 1, clamped to [0.2, 30]: estimate).
    #[serde(deserialize_with = "number_or_distribution")]
    pub apdb_write_s: Distribution,
    /// A visit of a survey with no pipelines is skipped after this long
    /// (subscribing, finding no pipeline; default 0.5: estimate).
    pub skip_s: f64,
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
            redis_retry_s: 30.0,
            redis_retries: 1,
            prep_s: Distribution::Lognormal {
                mean: 5.0,
                std_dev: 2.0,
                min: Some(1.0),
                max: Some(60.0),
            },
            image_arrival_s: Distribution::Lognormal {
                mean: 3.0,
                std_dev: 1.0,
                min: Some(1.0),
                max: Some(30.0),
            },
            image_timeout_s: 120.0,
            worker_timeout_s: 900.0,
            processing_base_s: Distribution::Lognormal {
                mean: 20.0,
                std_dev: 5.0,
                min: Some(5.0),
                max: Some(120.0),
            },
            processing_per_alert_s: 0.05,
            apdb_write_s: Distribution::Lognormal {
                mean: 2.0,
                std_dev: 1.0,
                min: Some(0.2),
                max: Some(30.0),
            },
            skip_s: 0.5,
            fidelity: Fidelity::Sample,
            encode_sample: 200,
            nominal_alert_bytes: 82_000,
            encode_mb_per_s: 800.0,
        }
    }
}

/// Most retries of one Redis command a worker may be given (a bound on a
/// worker's wait, not a production figure).
pub const MAX_REDIS_RETRIES: u32 = 100;

impl Workers {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.positive("workers.listen_timeout_s", self.listen_timeout_s);
        c.positive("workers.max_message_age_s", self.max_message_age_s);
        c.non_negative("workers.redis_retry_s", self.redis_retry_s);
        if self.redis_retries > MAX_REDIS_RETRIES {
            c.fail(
                "workers.redis_retries",
                format!(
                    "must be at most {MAX_REDIS_RETRIES}, got {}",
                    self.redis_retries
                ),
                &format!("an integer in [0, {MAX_REDIS_RETRIES}]"),
            );
        }
        self.prep_s.check(c, "workers.prep_s", Domain::NonNegative);
        self.image_arrival_s
            .check(c, "workers.image_arrival_s", Domain::NonNegative);
        c.non_negative("workers.image_timeout_s", self.image_timeout_s);
        c.positive("workers.worker_timeout_s", self.worker_timeout_s);
        self.apdb_write_s
            .check(c, "workers.apdb_write_s", Domain::NonNegative);
        c.non_negative("workers.skip_s", self.skip_s);
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
