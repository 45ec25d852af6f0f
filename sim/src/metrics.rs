//! What the run records while it goes: per-alert latencies (HdrHistogram),
//! per-visit tallies, totals and time series binned by virtual time.

use hdrhistogram::Histogram;

use crate::time::{SimDuration, SimTime};

/// Latency histograms hold microseconds up to this (about 28 hours).
const MAX_LATENCY_US: u64 = 100_000_000_000;
/// Per-visit histograms hold milliseconds up to this.
const MAX_LATENCY_MS: u64 = 100_000_000;

/// A histogram of latencies in microseconds, 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant histogram bounds are valid")
}

fn visit_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_MS, 2).expect("constant histogram bounds are valid")
}

/// Tallies of one visit.
#[derive(Debug, Clone)]
pub struct VisitTally {
    /// End of readout.
    pub readout_end: SimTime,
    /// Alerts the visit's detectors hold.
    pub alerts: u64,
    /// Alerts acknowledged by the brokers (first time).
    pub delivered: u64,
    /// Alerts whose delivery failed (before any replay).
    pub failed_deliveries: u64,
    /// Alerts of detectors skipped for age.
    pub skipped: u64,
    /// Latency to broker acknowledgement, milliseconds.
    pub latency_ms: Histogram<u64>,
}

/// One time bin of the series.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bin {
    /// Alerts acknowledged in the bin.
    pub alerts: u64,
    /// Bytes acknowledged in the bin.
    pub bytes: f64,
    /// Largest lag seen by a poll in the bin.
    pub max_lag: i64,
    /// Largest R (active Jobs) seen by a poll in the bin.
    pub max_active_jobs: u32,
    /// Largest P (pending Jobs) seen by a poll in the bin.
    pub max_pending_jobs: u32,
    /// Largest number of Running pods seen by a poll in the bin.
    pub max_running_pods: u32,
    /// Jobs created in the bin.
    pub jobs_created: u32,
}

/// The recorder.
#[derive(Debug)]
pub struct Recorder {
    /// Alert latency to broker acknowledgement, microseconds.
    pub latency_us: Histogram<u64>,
    /// Alert latency to receipt, per consumer, microseconds.
    pub consumer_latency_us: Vec<Histogram<u64>>,
    /// Alerts received per consumer.
    pub consumer_received: Vec<u64>,
    /// Per visit.
    pub visits: Vec<VisitTally>,
    /// Time series.
    pub bins: Vec<Bin>,
    bin_width: SimDuration,
    /// Alerts acknowledged (counted apart from the per-visit tallies).
    pub delivered: u64,
    /// Bytes acknowledged.
    pub bytes_delivered: f64,
    /// Alert deliveries that failed.
    pub failed_deliveries: u64,
    /// Alerts delivered a second time.
    pub duplicated: u64,
    /// Worker messages fully processed.
    pub messages_processed: u64,
    /// Messages skipped for age.
    pub messages_skipped: u64,
}

impl Recorder {
    /// A recorder for these visits (readout ends, alerts) and consumers.
    pub fn new(
        visits: impl Iterator<Item = (SimTime, u64)>,
        consumers: usize,
        bin_width: SimDuration,
    ) -> Self {
        Recorder {
            latency_us: latency_histogram(),
            consumer_latency_us: (0..consumers).map(|_| latency_histogram()).collect(),
            consumer_received: vec![0; consumers],
            visits: visits
                .map(|(readout_end, alerts)| VisitTally {
                    readout_end,
                    alerts,
                    delivered: 0,
                    failed_deliveries: 0,
                    skipped: 0,
                    latency_ms: visit_histogram(),
                })
                .collect(),
            bins: Vec::new(),
            bin_width: if bin_width.0 == 0 {
                SimDuration::from_secs(60)
            } else {
                bin_width
            },
            delivered: 0,
            bytes_delivered: 0.0,
            failed_deliveries: 0,
            duplicated: 0,
            messages_processed: 0,
            messages_skipped: 0,
        }
    }

    /// Width of a series bin.
    pub fn bin_width(&self) -> SimDuration {
        self.bin_width
    }

    /// The bin holding `at`, created on demand.
    pub fn bin(&mut self, at: SimTime) -> &mut Bin {
        let index = usize::try_from(at.0 / self.bin_width.0).unwrap_or(usize::MAX);
        if self.bins.len() <= index {
            self.bins.resize(index.saturating_add(1), Bin::default());
        }
        // The resize above guarantees the index exists.
        &mut self.bins[index]
    }

    /// An alert of `visit` acknowledged at `at`, `bytes` long.
    pub fn delivered(&mut self, visit: usize, at: SimTime, bytes: f64) {
        let Some(tally) = self.visits.get_mut(visit) else {
            return;
        };
        let latency = at.saturating_since(tally.readout_end);
        tally.delivered += 1;
        tally
            .latency_ms
            .saturating_record((latency.0 / 1000).max(1));
        self.latency_us.saturating_record(latency.0.max(1));
        self.delivered += 1;
        self.bytes_delivered += bytes;
        let bin = self.bin(at);
        bin.alerts += 1;
        bin.bytes += bytes;
    }

    /// `count` alerts of `visit` whose delivery failed.
    pub fn failed(&mut self, visit: usize, count: u64) {
        if let Some(tally) = self.visits.get_mut(visit) {
            tally.failed_deliveries += count;
            self.failed_deliveries += count;
        }
    }

    /// A detector of `visit` holding `alerts` skipped for age.
    pub fn skipped(&mut self, visit: usize, alerts: u64) {
        if let Some(tally) = self.visits.get_mut(visit) {
            tally.skipped += alerts;
        }
        self.messages_skipped += 1;
    }

    /// Consumer `consumer` received an alert of `visit` at `at`.
    pub fn received(&mut self, consumer: usize, visit: usize, at: SimTime) {
        let Some(readout_end) = self.visits.get(visit).map(|v| v.readout_end) else {
            return;
        };
        if let (Some(h), Some(n)) = (
            self.consumer_latency_us.get_mut(consumer),
            self.consumer_received.get_mut(consumer),
        ) {
            h.saturating_record(at.saturating_since(readout_end).0.max(1));
            *n += 1;
        }
    }

    /// A scaler poll's view at `at`.
    pub fn poll(&mut self, at: SimTime, lag: i64, active: u32, pending: u32, running: u32) {
        let bin = self.bin(at);
        bin.max_lag = bin.max_lag.max(lag);
        bin.max_active_jobs = bin.max_active_jobs.max(active);
        bin.max_pending_jobs = bin.max_pending_jobs.max(pending);
        bin.max_running_pods = bin.max_running_pods.max(running);
    }

    /// A Job created at `at`.
    pub fn job_created(&mut self, at: SimTime) {
        self.bin(at).jobs_created += 1;
    }
}
