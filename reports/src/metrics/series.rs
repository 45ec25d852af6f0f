//! Time series sampled at fixed virtual intervals: stream lag, Jobs, pods,
//! delivery throughput and (from the simulator's Redis CPU model) Redis
//! utilisation.
//!
//! The builder keeps raw samples (gauges and the alerts and bytes delivered
//! over the preceding interval) and turns them into rates only in
//! `SeriesBuilder::finish`, so that the samples of several shards can be
//! added up before the rates are computed.

use serde::{Deserialize, Serialize};

use crate::metrics::float;
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
    /// Share of its CPU limit Redis was busy over the preceding interval,
    /// in [0, 1]; only runs that model Redis's CPU (the simulator) have it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redis_utilisation: Vec<f64>,
}

/// One raw sample: the gauges at `t_s` and what was delivered since the
/// previous sample.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sample {
    /// Virtual time of the sample, seconds, as given (not rounded).
    #[serde(with = "float")]
    t_s: f64,
    lag: u64,
    jobs_running: u64,
    jobs_pending: u64,
    pods_busy: u64,
    /// Alerts held by the publisher.
    #[serde(default)]
    publisher_backlog: u64,
    /// Alerts delivered over the preceding interval.
    delivered: u64,
    /// Bytes delivered over the preceding interval.
    bytes: u64,
    /// Microseconds Redis was busy (of its CPU limit) over the preceding
    /// interval, when the run models it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redis_busy_us: Option<u64>,
}

impl Sample {
    /// Adds a sample of another shard taken at the same index. Gauges and
    /// deliveries add up; the time is the later of the two (shards sample
    /// on the same schedule, so the two normally agree). Sums saturate.
    fn merge(&mut self, other: &Sample) {
        self.t_s = self.t_s.max(other.t_s);
        self.lag = self.lag.saturating_add(other.lag);
        self.jobs_running = self.jobs_running.saturating_add(other.jobs_running);
        self.jobs_pending = self.jobs_pending.saturating_add(other.jobs_pending);
        self.pods_busy = self.pods_busy.saturating_add(other.pods_busy);
        self.publisher_backlog = self
            .publisher_backlog
            .saturating_add(other.publisher_backlog);
        self.delivered = self.delivered.saturating_add(other.delivered);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.redis_busy_us = add_busy(self.redis_busy_us, other.redis_busy_us);
    }
}

/// Busy times added up; absent only when both are.
fn add_busy(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// Accumulates samples and the deliveries between them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesBuilder {
    samples: Vec<Sample>,
    /// Alerts delivered since the last sample.
    delivered_since: u64,
    /// Bytes delivered since the last sample.
    bytes_since: u64,
    /// Microseconds Redis was busy since the last sample, when modelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redis_busy_since: Option<u64>,
}

impl SeriesBuilder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn delivered(&mut self, bytes: u64) {
        self.delivered_since += 1;
        self.bytes_since += bytes;
    }

    /// Redis was busy `us` microseconds of its CPU limit (the simulator's
    /// Redis CPU model), counted into the next sample.
    pub(crate) fn redis_busy(&mut self, us: u64) {
        self.redis_busy_since = add_busy(self.redis_busy_since, Some(us));
    }

    pub(crate) fn sample(&mut self, t_s: f64, g: Gauges) {
        self.samples.push(Sample {
            t_s,
            lag: g.lag,
            jobs_running: g.jobs_running,
            jobs_pending: g.jobs_pending,
            pods_busy: g.pods_busy,
            publisher_backlog: g.publisher_backlog,
            delivered: self.delivered_since,
            bytes: self.bytes_since,
            redis_busy_us: self.redis_busy_since.take(),
        });
        self.delivered_since = 0;
        self.bytes_since = 0;
    }

    /// The gauges of the latest sample, if any.
    pub(crate) fn latest_gauges(&self) -> Option<Gauges> {
        self.samples.last().map(|x| Gauges {
            lag: x.lag,
            jobs_running: x.jobs_running,
            jobs_pending: x.jobs_pending,
            pods_busy: x.pods_busy,
            publisher_backlog: x.publisher_backlog,
        })
    }

    /// Adds another shard's series sample by sample (by index); the shorter
    /// series counts as zeros past its end (that shard had finished).
    pub(crate) fn merge(&mut self, other: &SeriesBuilder) {
        for (mine, theirs) in self.samples.iter_mut().zip(&other.samples) {
            mine.merge(theirs);
        }
        if let Some(rest) = other.samples.get(self.samples.len()..) {
            self.samples.extend_from_slice(rest);
        }
        self.delivered_since = self.delivered_since.saturating_add(other.delivered_since);
        self.bytes_since = self.bytes_since.saturating_add(other.bytes_since);
        self.redis_busy_since = add_busy(self.redis_busy_since, other.redis_busy_since);
    }

    /// The columns of the report; rates are over the time since the previous
    /// sample (since 0 for the first).
    pub(crate) fn finish(self, interval_s: f64) -> Series {
        let n = self.samples.len();
        let mut s = Series {
            interval_s: micros(interval_s),
            t_s: Vec::with_capacity(n),
            lag: Vec::with_capacity(n),
            jobs_running: Vec::with_capacity(n),
            jobs_pending: Vec::with_capacity(n),
            pods_busy: Vec::with_capacity(n),
            publisher_backlog: Vec::with_capacity(n),
            delivered_per_s: Vec::with_capacity(n),
            mbit_per_s: Vec::with_capacity(n),
            redis_utilisation: Vec::new(),
        };
        let modelled = self.samples.iter().any(|x| x.redis_busy_us.is_some());
        let mut last_t_s = 0.0;
        for x in &self.samples {
            let dt = x.t_s - last_t_s;
            s.t_s.push(micros(x.t_s));
            s.lag.push(x.lag);
            s.jobs_running.push(x.jobs_running);
            s.jobs_pending.push(x.jobs_pending);
            s.pods_busy.push(x.pods_busy);
            s.publisher_backlog.push(x.publisher_backlog);
            s.delivered_per_s
                .push(millis(ratio(x.delivered as f64, dt)));
            s.mbit_per_s
                .push(millis(ratio(x.bytes as f64 * 8.0 / 1e6, dt)));
            if modelled {
                let busy_s = x.redis_busy_us.unwrap_or(0) as f64 / 1e6;
                s.redis_utilisation.push(millis(ratio(busy_s, dt)));
            }
            last_t_s = x.t_s;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_utilisation_is_the_busy_share_of_each_interval_and_only_when_modelled() {
        let mut b = SeriesBuilder::new();
        b.redis_busy(2_500_000);
        b.sample(10.0, Gauges::default());
        b.sample(20.0, Gauges::default());
        b.redis_busy(4_000_000);
        b.redis_busy(6_000_000);
        b.sample(30.0, Gauges::default());
        let s = b.finish(10.0);
        assert_eq!(s.redis_utilisation, vec![0.25, 0.0, 1.0]);
        let mut plain = SeriesBuilder::new();
        plain.sample(10.0, Gauges::default());
        let s = plain.finish(10.0);
        assert!(s.redis_utilisation.is_empty());
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(!json.contains("redis_utilisation"), "{json}");
    }
}
