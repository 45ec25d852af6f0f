//! Merging the recorders of several load-generator shards into one, so that
//! `alertsim merge` writes the report of the whole test.

use crate::metrics::capacity::BrokerBytes;
use crate::metrics::error::MergeError;
use crate::metrics::recorder::{JobCounters, Recorder};
use crate::metrics::visit::VisitMetrics;

impl Recorder {
    /// Adds another shard's recorder to this one, so that the report covers
    /// both. Counters, byte totals and histograms add; visits merge by
    /// index (see `VisitMetrics::merge`: late and failed are judged on the
    /// merged figures); consumers merge by name (new names are appended);
    /// the time series add sample by sample (gauges of concurrent shards add
    /// up, the shorter series counts as zeros past its end). The maxima of
    /// running and pending Jobs add up as well, since each shard runs its own
    /// Jobs at the same time as the others.
    ///
    /// Recorders with different sampling intervals or visit counts do not
    /// merge; on error `self` is unchanged.
    pub fn merge(&mut self, other: &Recorder) -> Result<(), MergeError> {
        if self.sample_interval_s.to_bits() != other.sample_interval_s.to_bits() {
            return Err(MergeError::IntervalMismatch {
                ours: self.sample_interval_s,
                theirs: other.sample_interval_s,
            });
        }
        if self.planned_visits != other.planned_visits {
            return Err(MergeError::VisitCountMismatch {
                ours: self.planned_visits,
                theirs: other.planned_visits,
            });
        }
        self.latency.add(&other.latency);
        if self.visits.len() < other.visits.len() {
            self.visits
                .resize_with(other.visits.len(), VisitMetrics::default);
        }
        for (mine, theirs) in self.visits.iter_mut().zip(&other.visits) {
            mine.merge(theirs);
        }
        for theirs in &other.consumers {
            match self.consumers.iter_mut().find(|c| c.name == theirs.name) {
                Some(mine) => {
                    mine.latency.add(&theirs.latency);
                    mine.receipt.add(&theirs.receipt);
                    mine.lost = mine.lost.saturating_add(theirs.lost);
                }
                None => self.consumers.push(theirs.clone()),
            }
        }
        let (a, b) = (&mut self.alerts, &other.alerts);
        a.produced = a.produced.saturating_add(b.produced);
        a.delivered = a.delivered.saturating_add(b.delivered);
        a.lost = a.lost.saturating_add(b.lost);
        a.duplicated = a.duplicated.saturating_add(b.duplicated);
        self.bytes_produced = self.bytes_produced.saturating_add(other.bytes_produced);
        self.bytes_delivered = self.bytes_delivered.saturating_add(other.bytes_delivered);
        self.jobs.merge(&other.jobs);
        self.series.merge(&other.series);
        // Only the simulator models the archive: a shard's is kept when
        // this one has none.
        if self.archive.is_none() {
            self.archive.clone_from(&other.archive);
        }
        if self.brokers.len() < other.brokers.len() {
            self.brokers
                .resize(other.brokers.len(), BrokerBytes::default());
        }
        for (mine, theirs) in self.brokers.iter_mut().zip(&other.brokers) {
            mine.ingress = mine.ingress.saturating_add(theirs.ingress);
            mine.replication_in = mine.replication_in.saturating_add(theirs.replication_in);
            mine.replication_out = mine.replication_out.saturating_add(theirs.replication_out);
        }
        Ok(())
    }
}

impl JobCounters {
    /// Adds another shard's counters. The maxima of running and pending
    /// Jobs add too: shards run at the same time, each with its own Jobs,
    /// so the sum is the concurrency of the whole test (an upper bound if
    /// the shards' peaks did not coincide). Sums saturate.
    fn merge(&mut self, other: &JobCounters) {
        self.created = self.created.saturating_add(other.created);
        self.max_running = self.max_running.saturating_add(other.max_running);
        self.max_pending = self.max_pending.saturating_add(other.max_pending);
        self.busy_pod_s += other.busy_pod_s;
        self.idle_pod_s += other.idle_pod_s;
        self.pod_startups = self.pod_startups.saturating_add(other.pod_startups);
        self.pod_startup_total_s += other.pod_startup_total_s;
        self.operator_crashes = self.operator_crashes.saturating_add(other.operator_crashes);
    }
}
