//! The `Recorder`: the one object the simulator (or the load generator)
//! feeds while a run goes on, summed up at the end ([`Recorder::summarise`])
//! into the figures the report is made of. `Recorder::finish`, which makes
//! the report, lives with the report (`report`), above the metrics.
//!
//! Recorders of the shards of one load test can be saved
//! ([`Recorder::save`], in `persist`), loaded back and merged
//! ([`Recorder::merge`], in `merge`) into one before the report is built.

use alertsim_scenarios::Scenario;
use serde::{Deserialize, Deserializer, Serialize};

use crate::metrics::archive::{ArchiveCounts, ArchiveMetrics};
use crate::metrics::budget::{DetectorStamps, Trace, night_budget};
use crate::metrics::capacity::BrokerBytes;
use crate::metrics::float;
use crate::metrics::latency::LatencyHistogram;
use crate::metrics::series::{Gauges, SeriesBuilder};
use crate::metrics::summary::{
    AlertTotals, ByteTotals, ConsumerReport, JobTotals, Summary, Throughput,
};
use crate::metrics::visit::VisitMetrics;
use crate::number::{micros, millis, ratio};

/// Default sampling interval of the time series, in virtual seconds.
pub const DEFAULT_SAMPLE_INTERVAL_S: f64 = 10.0;

/// Collects metrics during a run. All times are virtual seconds; latencies
/// are measured from the end of the visit's readout (the intended time), so
/// coordinated omission cannot occur.
///
/// Serialises (serde) to the body of a recorder file, see
/// [`Recorder::save`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorder {
    #[serde(deserialize_with = "positive_interval")]
    pub(super) sample_interval_s: f64,
    /// The scenario's visit count; only recorders of equal counts merge.
    pub(super) planned_visits: u32,
    pub(super) latency: LatencyHistogram,
    pub(super) visits: Vec<VisitMetrics>,
    pub(super) consumers: Vec<ConsumerMetrics>,
    pub(super) alerts: AlertTotals,
    pub(super) bytes_produced: u64,
    pub(super) bytes_delivered: u64,
    pub(super) jobs: JobCounters,
    pub(super) series: SeriesBuilder,
    /// Each broker's bytes as the simulator's placement measured them
    /// (empty when nothing measured them: the load generator, whose
    /// recorder files then read as before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) brokers: Vec<BrokerBytes>,
    /// The archive's ingester (the simulator's model; none in a load run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) archive: Option<ArchiveMetrics>,
}

/// Latency of the alerts one consumer received (by name, so that the
/// consumers of shards merge by name).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsumerMetrics {
    pub(super) name: String,
    pub(super) latency: LatencyHistogram,
    /// The receipt stage: from an alert's acknowledgement to this read.
    #[serde(default)]
    pub(super) receipt: LatencyHistogram,
    /// Acknowledged alerts it never read.
    #[serde(default)]
    pub(super) lost: u64,
}

/// Jobs created, their peak concurrency and pod time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JobCounters {
    pub(super) created: u64,
    pub(super) max_running: u64,
    pub(super) max_pending: u64,
    #[serde(with = "float")]
    pub(super) busy_pod_s: f64,
    #[serde(with = "float")]
    pub(super) idle_pod_s: f64,
    pub(super) pod_startups: u64,
    #[serde(with = "float")]
    pub(super) pod_startup_total_s: f64,
    #[serde(default)]
    pub(super) operator_crashes: u64,
}

/// Reads the sampling interval, refusing what [`Recorder::with_sample_interval`]
/// would never produce.
fn positive_interval<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let interval = f64::deserialize(deserializer)?;
    if interval.is_finite() && interval > 0.0 {
        Ok(interval)
    } else {
        Err(serde::de::Error::custom(format!(
            "sample_interval_s must be a positive number of seconds, found {interval}"
        )))
    }
}

impl Recorder {
    /// A recorder for this scenario's visits and consumers, sampling every
    /// [`DEFAULT_SAMPLE_INTERVAL_S`].
    pub fn new(scenario: &Scenario) -> Self {
        Self::with_sample_interval(scenario, DEFAULT_SAMPLE_INTERVAL_S)
    }

    /// Same, with another sampling interval (non-positive values fall back
    /// to the default).
    pub fn with_sample_interval(scenario: &Scenario, sample_interval_s: f64) -> Self {
        let interval = if sample_interval_s.is_finite() && sample_interval_s > 0.0 {
            sample_interval_s
        } else {
            DEFAULT_SAMPLE_INTERVAL_S
        };
        Self {
            sample_interval_s: interval,
            planned_visits: scenario.night.visits,
            latency: LatencyHistogram::new(),
            visits: Vec::with_capacity(scenario.night.visits as usize),
            consumers: scenario
                .consumers
                .iter()
                .map(|c| ConsumerMetrics {
                    name: c.name.clone(),
                    latency: LatencyHistogram::new(),
                    receipt: LatencyHistogram::new(),
                    lost: 0,
                })
                .collect(),
            alerts: AlertTotals::default(),
            bytes_produced: 0,
            bytes_delivered: 0,
            jobs: JobCounters::default(),
            series: SeriesBuilder::new(),
            brokers: Vec::new(),
            archive: None,
        }
    }

    /// Each broker's bytes over the run, by broker id, as the partitions'
    /// placement measured them (the simulator, at the end of its run).
    pub fn set_broker_bytes(&mut self, brokers: Vec<BrokerBytes>) {
        self.brokers = brokers;
    }

    /// The interval at which [`Recorder::sample`] should be called.
    pub fn sample_interval_s(&self) -> f64 {
        self.sample_interval_s
    }

    fn visit(&mut self, visit: u32) -> &mut VisitMetrics {
        let i = visit as usize;
        if self.visits.len() <= i {
            self.visits.resize_with(i + 1, VisitMetrics::default);
        }
        let v = &mut self.visits[i];
        v.seen = true;
        v
    }

    /// A visit's readout ended at `readout_end_s` and its sources call for
    /// `alerts` alerts.
    pub fn visit_planned(&mut self, visit: u32, readout_end_s: f64, alerts: u64) {
        let v = self.visit(visit);
        v.readout_end_s = readout_end_s;
        v.planned = alerts;
    }

    /// An alert of `bytes` bytes was handed to the producer.
    pub fn alert_produced(&mut self, visit: u32, bytes: u64) {
        self.alerts.produced += 1;
        self.bytes_produced += bytes;
        self.visit(visit).produced += 1;
    }

    /// Kafka acknowledged an alert `latency_s` after its visit's readout ended.
    pub fn alert_delivered(&mut self, visit: u32, bytes: u64, latency_s: f64) {
        self.alerts.delivered += 1;
        self.bytes_delivered += bytes;
        self.latency.record_s(latency_s);
        self.series.delivered(bytes);
        let v = self.visit(visit);
        v.delivered += 1;
        v.latency_mut().record_s(latency_s);
    }

    /// An alert was lost (delivery failed and the policy dropped it).
    pub fn alert_lost(&mut self, visit: u32) {
        self.alerts.lost += 1;
        self.visit(visit).lost += 1;
    }

    /// An alert reached Kafka once more than intended (retry, replay).
    pub fn alert_duplicated(&mut self, visit: u32) {
        self.alerts.duplicated += 1;
        self.visit(visit).duplicated += 1;
    }

    /// A detector of the visit was not processed (worker failure, skipped
    /// message): the visit counts as failed.
    pub fn detector_failed(&mut self, visit: u32) {
        self.visit(visit).failed_detectors += 1;
    }

    /// The fan-out never wrote a detector of the visit (its write retries
    /// were spent, or the `nextVisit` had expired): the detector failed.
    pub fn detector_dropped(&mut self, visit: u32) {
        let v = self.visit(visit);
        v.failed_detectors += 1;
        v.dropped_detectors += 1;
    }

    /// A detector of `visit` was processed and published with these
    /// stamps (the latency budget's input; see `metrics::budget`).
    pub fn detector_stages(&mut self, visit: u32, stamps: &DetectorStamps) {
        let v = self.visit(visit);
        let trace = Trace::new(stamps, v.readout_end_s);
        v.traces.push(trace);
    }

    /// Consumer number `consumer` (index in the scenario's list) received an
    /// alert `latency_s` after its visit's readout ended.
    pub fn alert_received(&mut self, consumer: usize, latency_s: f64) {
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.latency.record_s(latency_s);
        }
    }

    /// Consumer number `consumer` read an alert `receipt_s` after the
    /// broker acknowledged it (a load run: after the broker appended it to
    /// the log): the latency budget's last stage, the consumer's receipt.
    pub fn alert_receipt_stage(&mut self, consumer: usize, receipt_s: f64) {
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.receipt.record_s(receipt_s);
        }
    }

    /// Consumer number `consumer` never got `alerts` acknowledged alerts:
    /// the topic deleted them before it read them, or it skipped them.
    pub fn alerts_lost_to_reader(&mut self, consumer: usize, alerts: u64) {
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.lost = c.lost.saturating_add(alerts);
        }
    }

    /// The archive's ingester archived an alert `latency_s` after its
    /// visit's readout and `receipt_s` after its acknowledgement.
    pub fn alert_archived(&mut self, latency_s: f64, receipt_s: f64) {
        self.archive
            .get_or_insert_with(ArchiveMetrics::default)
            .archived(latency_s, receipt_s);
    }

    /// The archive's counts at the end of the run (a run with an archive
    /// calls this even when it archived nothing).
    pub fn set_archive_counts(&mut self, counts: ArchiveCounts) {
        self.archive
            .get_or_insert_with(ArchiveMetrics::default)
            .totals = counts;
    }

    /// The scaler created a Job.
    pub fn job_created(&mut self) {
        self.jobs.created += 1;
    }

    /// The KEDA operator crashed (and the kubelet will restart it).
    pub fn keda_operator_crashed(&mut self) {
        self.jobs.operator_crashes += 1;
    }

    /// A pod became ready `startup_s` after its Job was created.
    pub fn pod_started(&mut self, startup_s: f64) {
        self.jobs.pod_startups += 1;
        self.jobs.pod_startup_total_s += startup_s.max(0.0);
    }

    /// Adds pod time: seconds processing, and seconds running but idle
    /// (waiting for a message or starting up).
    pub fn pod_time(&mut self, busy_s: f64, idle_s: f64) {
        self.jobs.busy_pod_s += busy_s.max(0.0);
        self.jobs.idle_pod_s += idle_s.max(0.0);
    }

    /// Redis was busy `us` microseconds of its CPU limit since the last
    /// sample (the simulator's Redis CPU model); the next sample's
    /// `series.redis_utilisation` is that over the interval.
    pub fn redis_busy(&mut self, us: u64) {
        self.series.redis_busy(us);
    }

    /// Records the gauges at virtual time `t_s` (call every
    /// [`Recorder::sample_interval_s`]); also tracks the maxima of Jobs.
    pub fn sample(&mut self, t_s: f64, gauges: Gauges) {
        self.observe_jobs(gauges.jobs_running, gauges.jobs_pending);
        self.series.sample(t_s, gauges);
    }

    /// Tracks maxima of running and pending Jobs between samples.
    pub fn observe_jobs(&mut self, running: u64, pending: u64) {
        self.jobs.max_running = self.jobs.max_running.max(running);
        self.jobs.max_pending = self.jobs.max_pending.max(pending);
    }

    /// Sums up the run: totals, percentiles, per-visit records (a visit is
    /// late when its p98 latency exceeds `p98_limit_s`) and the series;
    /// rates are per second of `simulated_s`. [`Recorder::finish`] makes
    /// the report of it.
    pub fn summarise(self, p98_limit_s: f64, simulated_s: f64) -> Summary {
        let mut per_visit: Vec<_> = self
            .visits
            .iter()
            .enumerate()
            .filter(|(_, v)| v.seen)
            .map(|(i, v)| v.record(u32::try_from(i).unwrap_or(u32::MAX), p98_limit_s))
            .collect();
        let budgets: Vec<_> = per_visit.iter().map(|v| v.budget).collect();
        let late: Vec<bool> = per_visit.iter().map(|v| v.late).collect();
        let (latency_budget, causes) = night_budget(&budgets, &late);
        for (record, cause) in per_visit.iter_mut().zip(causes) {
            record.late_cause = cause;
        }
        let series = self.series.finish(self.sample_interval_s);
        let j = &self.jobs;
        let pod_s = j.busy_pod_s + j.idle_pod_s;
        let peak_alerts = series.delivered_per_s.iter().copied().fold(0.0, f64::max);
        let peak_mbit = series.mbit_per_s.iter().copied().fold(0.0, f64::max);
        Summary {
            alerts: AlertTotals {
                lost_to_readers: self
                    .consumers
                    .iter()
                    .map(|c| (c.name.clone(), c.lost))
                    .collect(),
                ..self.alerts.clone()
            },
            latency_s: self.latency.percentiles(),
            jobs: JobTotals {
                created: j.created,
                max_running: j.max_running,
                max_pending: j.max_pending,
                busy_pod_s: millis(j.busy_pod_s),
                idle_pod_s: millis(j.idle_pod_s),
                idle_fraction: micros(ratio(j.idle_pod_s, pod_s)),
                pod_startups: j.pod_startups,
                mean_pod_startup_s: millis(ratio(j.pod_startup_total_s, j.pod_startups as f64)),
                keda_operator_crashes: j.operator_crashes,
            },
            bytes: ByteTotals {
                produced: self.bytes_produced,
                delivered: self.bytes_delivered,
                mean_alert: millis(ratio(
                    self.bytes_produced as f64,
                    self.alerts.produced as f64,
                )),
            },
            throughput: Throughput {
                mean_alerts_per_s: millis(ratio(self.alerts.delivered as f64, simulated_s)),
                peak_alerts_per_s: peak_alerts,
                mean_mbit_per_s: millis(ratio(
                    self.bytes_delivered as f64 * 8.0 / 1e6,
                    simulated_s,
                )),
                peak_mbit_per_s: peak_mbit,
            },
            consumers: self
                .consumers
                .iter()
                .map(|c| ConsumerReport {
                    name: c.name.clone(),
                    received: c.latency.count(),
                    latency_s: c.latency.percentiles(),
                    receipt_s: c.receipt.percentiles(),
                })
                .collect(),
            per_visit,
            latency_budget,
            series,
            broker_bytes: self.brokers,
            archive: self.archive.as_ref().map(ArchiveMetrics::report),
        }
    }
}
