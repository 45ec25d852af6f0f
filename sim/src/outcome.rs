//! The outcome of a run: every figure the reports need, computed from the
//! recorder and the models when the run ends. Deterministic: it holds only
//! virtual-time figures, never wall-clock ones.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latency percentiles in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 98th percentile (the OTT1 figure).
    pub p98: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

impl Percentiles {
    /// From a histogram of microseconds; zeros when empty.
    pub fn from_micros(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Percentiles {
                p50: 0.0,
                p90: 0.0,
                p98: 0.0,
                p99: 0.0,
                max: 0.0,
            };
        }
        let s = |q: f64| round_ms(h.value_at_quantile(q) as f64 / 1e6);
        Percentiles {
            p50: s(0.50),
            p90: s(0.90),
            p98: s(0.98),
            p99: s(0.99),
            max: round_ms(h.max() as f64 / 1e6),
        }
    }
}

/// Rounds seconds to the millisecond, for stable, readable output.
pub fn round_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// Alert totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertTotals {
    /// Alerts the night's visits hold (what should reach the brokers).
    pub produced: u64,
    /// Alerts acknowledged by the brokers.
    pub delivered: u64,
    /// Alerts never acknowledged: produced - delivered.
    pub lost: u64,
    /// Alerts acknowledged more than once.
    pub duplicated: u64,
    /// Deliveries that failed (delivery timeout, too few in-sync replicas).
    pub failed_deliveries: u64,
    /// Bytes acknowledged.
    pub bytes: u64,
}

/// One visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitOutcome {
    /// Index in the night.
    pub visit: u32,
    /// End of readout, seconds from the start.
    pub readout_end_s: f64,
    /// Alerts it holds.
    pub alerts: u64,
    /// Alerts acknowledged.
    pub delivered: u64,
    /// Alerts lost.
    pub lost: u64,
    /// 98th percentile of its alerts' latency (seconds).
    pub p98_s: f64,
    /// p98 over the limit.
    pub late: bool,
    /// Some alerts lost.
    pub failed: bool,
}

/// Jobs and pods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobTotals {
    /// Jobs created.
    pub created: u32,
    /// Most pods Running at once.
    pub max_running: u32,
    /// Most Jobs active (R) at once.
    pub max_active: u32,
    /// Pods that got to Running (start-ups).
    pub startups: u32,
    /// Pod-seconds spent holding a message.
    pub busy_pod_s: f64,
    /// Pod-seconds Running without a message (over-provisioning).
    pub idle_pod_s: f64,
    /// Pod-seconds spent starting.
    pub startup_pod_s: f64,
    /// Worker messages (detectors) fully processed.
    pub messages_processed: u64,
    /// Messages skipped as too old.
    pub messages_skipped: u64,
}

/// Receipt by one community broker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerOutcome {
    /// Its name.
    pub name: String,
    /// Alerts received.
    pub received: u64,
    /// Latency from end of readout to receipt.
    pub latency_s: Percentiles,
}

/// One bin of the time series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// Start of the bin, seconds.
    pub t_s: f64,
    /// Largest consumer-group lag polled in the bin.
    pub lag: i64,
    /// Largest number of active Jobs (R).
    pub jobs_active: u32,
    /// Largest number of pending Jobs (P).
    pub jobs_pending: u32,
    /// Largest number of Running pods.
    pub pods_running: u32,
    /// Jobs created in the bin.
    pub jobs_created: u32,
    /// Alerts acknowledged per second over the bin.
    pub alerts_per_s: f64,
    /// Bytes acknowledged per second over the bin.
    pub bytes_per_s: f64,
}

/// The whole outcome.
#[derive(Debug, Clone, Serialize)]
pub struct SimOutcome {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Virtual time simulated, seconds.
    pub simulated_s: f64,
    /// Visits in the night.
    pub visits: u32,
    /// Alert totals.
    pub alerts: AlertTotals,
    /// Latency to broker acknowledgement.
    pub latency_s: Percentiles,
    /// Visits whose p98 is over the limit.
    pub late_visits: u32,
    /// Visits with lost alerts.
    pub failed_visits: u32,
    /// Jobs and pods.
    pub jobs: JobTotals,
    /// Consumers.
    pub consumers: Vec<ConsumerOutcome>,
    /// Per visit.
    pub per_visit: Vec<VisitOutcome>,
    /// Time series.
    pub series: Vec<SeriesPoint>,
    /// Events the engine processed (deterministic).
    pub events: u64,
    /// The run stopped at the drain limit with work left.
    pub truncated: bool,
    /// Latency histogram (microseconds), for the reports.
    #[serde(skip)]
    pub latency_histogram: Histogram<u64>,
    /// Per-consumer latency histograms (microseconds).
    #[serde(skip)]
    pub consumer_histograms: Vec<Histogram<u64>>,
}
