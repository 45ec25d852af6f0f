//! Time series sampled at fixed virtual intervals: stream lag, Jobs, pods
//! and delivery throughput.

use serde::{Deserialize, Serialize};

use crate::number::{micros, millis, ratio};

/// Instantaneous values the simulator reads at each sample time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gauges {
    /// Consumer-group lag of the stream (entries not yet delivered).
    pub lag: u64,
    /// Jobs not Complete/Failed.
    pub jobs_running: u64,
    /// Jobs whose pod is not running yet.
    pub jobs_pending: u64,
    /// Pods processing a detector at this instant.
    pub pods_busy: u64,
    /// Alerts the publisher holds for a later attempt (spooled or queued
    /// for replay) at this instant.
    pub publisher_backlog: u64,
}

/// Columns of samples; index `i` of every column is the same instant.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Sampling interval in virtual seconds.
    pub interval_s: f64,
    /// Virtual time of each sample, seconds from the start of the run.
    pub t_s: Vec<f64>,
    /// Stream lag at each sample.
    pub lag: Vec<u64>,
    /// Jobs running (including pending) at each sample.
    pub jobs_running: Vec<u64>,
    /// Jobs pending at each sample.
    pub jobs_pending: Vec<u64>,
    /// Busy pods at each sample.
    pub pods_busy: Vec<u64>,
    /// Alerts held by the publisher (spooled or queued for replay) at each
    /// sample; absent in reports written before it existed.
    #[serde(default)]
    pub publisher_backlog: Vec<u64>,
    /// Alerts acknowledged by Kafka per second over the preceding interval.
    pub delivered_per_s: Vec<f64>,
    /// Delivered megabits per second over the preceding interval.
    pub mbit_per_s: Vec<f64>,
}

/// Accumulates samples and the deliveries between them.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeriesBuilder {
    series: Series,
    last_t_s: f64,
    delivered_since: u64,
    bytes_since: u64,
}

impl SeriesBuilder {
    pub(crate) fn new(interval_s: f64) -> Self {
        Self {
            series: Series {
                interval_s: micros(interval_s),
                ..Series::default()
            },
            ..Self::default()
        }
    }

    pub(crate) fn delivered(&mut self, bytes: u64) {
        self.delivered_since += 1;
        self.bytes_since += bytes;
    }

    pub(crate) fn sample(&mut self, t_s: f64, g: Gauges) {
        let dt = t_s - self.last_t_s;
        let s = &mut self.series;
        s.t_s.push(micros(t_s));
        s.lag.push(g.lag);
        s.jobs_running.push(g.jobs_running);
        s.jobs_pending.push(g.jobs_pending);
        s.pods_busy.push(g.pods_busy);
        s.publisher_backlog.push(g.publisher_backlog);
        s.delivered_per_s
            .push(millis(ratio(self.delivered_since as f64, dt)));
        s.mbit_per_s
            .push(millis(ratio(self.bytes_since as f64 * 8.0 / 1e6, dt)));
        self.last_t_s = t_s;
        self.delivered_since = 0;
        self.bytes_since = 0;
    }

    pub(crate) fn finish(self) -> Series {
        self.series
    }
}
