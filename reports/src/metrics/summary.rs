//! What a [`Recorder`] sums up at the end of a run, before any report
//! exists: alert, byte and Job totals, throughput, each consumer's latency,
//! the per-visit records and the time series ([`Summary`]). The report is
//! made of these figures (see `report`); they are measured here, below it.
//!
//! [`Recorder`]: crate::metrics::recorder::Recorder

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::budget::LatencyBudget;
use crate::metrics::latency::Percentiles;
use crate::metrics::series::Series;
use crate::metrics::visit::VisitRecord;

/// Everything a recorder measured, summed up: the figures of report.json
/// that do not depend on the gates or the faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Alert totals.
    pub alerts: AlertTotals,
    /// Latency from end of readout to Kafka acknowledgement, all alerts.
    pub latency_s: Percentiles,
    /// Jobs and pod time.
    pub jobs: JobTotals,
    /// Byte totals.
    pub bytes: ByteTotals,
    /// Delivery throughput.
    pub throughput: Throughput,
    /// Per community broker: alerts received and latency to receipt.
    pub consumers: Vec<ConsumerReport>,
    /// One record per visit seen, in visit order.
    pub per_visit: Vec<VisitRecord>,
    /// Where the visits' latency went, stage by stage.
    pub latency_budget: LatencyBudget,
    /// Time series.
    pub series: Series,
    /// Each broker's bytes as the placement measured them (empty: not
    /// measured, spread evenly in `capacity`).
    pub broker_bytes: Vec<crate::metrics::capacity::BrokerBytes>,
    /// The archive's ingester (none: not modelled in this run).
    pub archive: Option<crate::metrics::archive::ArchiveReport>,
}

/// Alert totals. `delivered + lost` equals `produced` once every alert is
/// settled; `duplicated` counts extra copies; `lost_to_readers` counts,
/// per reader, delivered alerts that reader never got.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTotals {
    /// Handed to the producer.
    pub produced: u64,
    /// Acknowledged by Kafka.
    pub delivered: u64,
    /// Dropped after a failed delivery.
    pub lost: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Per consumer, by name: acknowledged alerts it never read (the topic
    /// deleted them first, or it came back without a committed offset and
    /// skipped them). Every consumer is listed, 0 included; absent from
    /// reports written before it existed (read as none).
    #[serde(default)]
    pub lost_to_readers: BTreeMap<String, u64>,
}

impl AlertTotals {
    /// The most alerts any one reader never got (0 without readers).
    pub fn most_lost_to_a_reader(&self) -> u64 {
        self.lost_to_readers.values().copied().max().unwrap_or(0)
    }
}

/// Jobs created, concurrency and pod time.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobTotals {
    /// Jobs created by the scaler.
    pub created: u64,
    /// Largest number of Jobs not Complete/Failed at once.
    pub max_running: u64,
    /// Largest number of Jobs whose pod was not running yet.
    pub max_pending: u64,
    /// Pod-seconds spent processing.
    pub busy_pod_s: f64,
    /// Pod-seconds running without work (start-up, waiting for messages).
    pub idle_pod_s: f64,
    /// `idle_pod_s / (busy_pod_s + idle_pod_s)`: the over-provisioning.
    pub idle_fraction: f64,
    /// Pods that started.
    pub pod_startups: u64,
    /// Mean seconds from Job creation to a running pod.
    pub mean_pod_startup_s: f64,
    /// Times the KEDA operator crashed and was restarted (a poll whose
    /// decision panics: the custom strategy without a deduction, KEDA 2.16
    /// to 2.20.1). Absent from older reports: 0.
    #[serde(default)]
    pub keda_operator_crashes: u64,
}

/// Bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByteTotals {
    /// Bytes handed to the producer.
    pub produced: u64,
    /// Bytes acknowledged by Kafka.
    pub delivered: u64,
    /// Mean size of a produced alert.
    pub mean_alert: f64,
}

/// Delivery throughput.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    /// Delivered alerts per simulated second, whole run.
    pub mean_alerts_per_s: f64,
    /// Highest sampled interval's delivered alerts per second.
    pub peak_alerts_per_s: f64,
    /// Delivered megabits per second, whole run.
    pub mean_mbit_per_s: f64,
    /// Highest sampled interval's megabits per second.
    pub peak_mbit_per_s: f64,
}

/// One community broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerReport {
    /// Consumer name from the scenario.
    pub name: String,
    /// Alerts received.
    pub received: u64,
    /// Latency from end of readout to receipt.
    pub latency_s: Percentiles,
    /// The receipt stage: from an alert's acknowledgement by the broker
    /// (a load run: its log-append time) to this consumer's read. Reports
    /// written before it existed read as zeros.
    #[serde(default)]
    pub receipt_s: Percentiles,
}
