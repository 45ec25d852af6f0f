//! The publisher's ledger: every alert handed to it ends in exactly one of
//! delivered, spooled or lost, and the ledger counts them (with the
//! acknowledgement latency of the delivered ones), so that
//! `delivered + spooled + lost == accepted` can be checked at the end of a
//! run and nothing disappears unnoticed.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::policy::Failure;

/// How one alert ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Acknowledged by the broker at this partition and offset.
    Delivered {
        /// Partition.
        partition: i32,
        /// Offset.
        offset: i64,
    },
    /// Written to the spool.
    Spooled(Failure),
    /// Given up (counted and logged).
    Lost(Failure),
}

/// Counts of alerts by how they ended.
#[derive(Debug, Clone)]
pub struct Ledger {
    accepted: u64,
    delivered: u64,
    spooled: u64,
    lost: u64,
    retries: u64,
    bytes_delivered: u64,
    failures: BTreeMap<&'static str, u64>,
    ack_latency_us: Histogram<u64>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            accepted: 0,
            delivered: 0,
            spooled: 0,
            lost: 0,
            retries: 0,
            bytes_delivered: 0,
            failures: BTreeMap::new(),
            // One microsecond to one hour, three significant digits.
            ack_latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("constant histogram bounds are valid"),
        }
    }
}

/// The ledger's figures, for reports and command output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerSummary {
    /// Alerts handed to the publisher.
    pub accepted: u64,
    /// Alerts acknowledged by the broker.
    pub delivered: u64,
    /// Alerts written to the spool.
    pub spooled: u64,
    /// Alerts given up.
    pub lost: u64,
    /// Alerts neither delivered, spooled nor lost yet.
    pub in_flight: u64,
    /// Produce retries (transient refusals).
    pub retries: u64,
    /// Message bytes acknowledged.
    pub bytes_delivered: u64,
    /// Failed alerts by failure name (spooled and lost together).
    pub failures: BTreeMap<&'static str, u64>,
    /// Median time from produce to acknowledgement, milliseconds.
    pub ack_p50_ms: f64,
    /// 99th percentile of that time, milliseconds.
    pub ack_p99_ms: f64,
}

impl Ledger {
    /// An alert was handed to the publisher.
    pub fn accept(&mut self) {
        self.accepted += 1;
    }

    /// A produce was retried.
    pub fn retry(&mut self) {
        self.retries += 1;
    }

    /// An alert ended; `bytes` is its message size, `ack` the time from
    /// produce to the outcome.
    pub fn record(&mut self, outcome: Outcome, bytes: usize, ack: Duration) {
        match outcome {
            Outcome::Delivered { .. } => {
                self.delivered += 1;
                self.bytes_delivered += bytes as u64;
                let us = u64::try_from(ack.as_micros()).unwrap_or(u64::MAX).max(1);
                self.ack_latency_us.saturating_record(us);
            }
            Outcome::Spooled(failure) => {
                self.spooled += 1;
                *self.failures.entry(failure.name()).or_default() += 1;
            }
            Outcome::Lost(failure) => {
                self.lost += 1;
                *self.failures.entry(failure.name()).or_default() += 1;
            }
        }
    }

    /// Alerts accepted but not yet ended.
    pub fn in_flight(&self) -> u64 {
        self.accepted
            .saturating_sub(self.delivered + self.spooled + self.lost)
    }

    /// Adds another ledger's counts (shards, several publishers).
    pub fn merge(&mut self, other: &Ledger) {
        self.accepted += other.accepted;
        self.delivered += other.delivered;
        self.spooled += other.spooled;
        self.lost += other.lost;
        self.retries += other.retries;
        self.bytes_delivered += other.bytes_delivered;
        for (name, n) in &other.failures {
            *self.failures.entry(name).or_default() += n;
        }
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.ack_latency_us.add(&other.ack_latency_us);
    }

    /// The figures.
    pub fn summary(&self) -> LedgerSummary {
        let ms = |q: f64| {
            if self.ack_latency_us.is_empty() {
                0.0
            } else {
                self.ack_latency_us.value_at_quantile(q) as f64 / 1000.0
            }
        };
        LedgerSummary {
            accepted: self.accepted,
            delivered: self.delivered,
            spooled: self.spooled,
            lost: self.lost,
            in_flight: self.in_flight(),
            retries: self.retries,
            bytes_delivered: self.bytes_delivered,
            failures: self.failures.clone(),
            ack_p50_ms: ms(0.5),
            ack_p99_ms: ms(0.99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_alert_is_counted_once() {
        let mut ledger = Ledger::default();
        for _ in 0..5 {
            ledger.accept();
        }
        let delivered = Outcome::Delivered {
            partition: 0,
            offset: 1,
        };
        ledger.record(delivered, 100, Duration::from_millis(2));
        ledger.record(delivered, 300, Duration::from_millis(4));
        ledger.record(Outcome::Spooled(Failure::TimedOut), 100, Duration::ZERO);
        ledger.record(Outcome::Lost(Failure::TimedOut), 100, Duration::ZERO);
        let s = ledger.summary();
        assert_eq!((s.delivered, s.spooled, s.lost, s.in_flight), (2, 1, 1, 1));
        assert_eq!(s.bytes_delivered, 400);
        assert_eq!(s.failures.get("timed_out"), Some(&2));
        assert!((1.9..=2.1).contains(&s.ack_p50_ms), "{}", s.ack_p50_ms);
        assert!((3.9..=4.1).contains(&s.ack_p99_ms), "{}", s.ack_p99_ms);
    }

    #[test]
    fn merge_adds_counts_and_latencies() {
        let mut a = Ledger::default();
        let mut b = Ledger::default();
        a.accept();
        a.record(
            Outcome::Delivered {
                partition: 0,
                offset: 0,
            },
            10,
            Duration::from_millis(1),
        );
        b.accept();
        b.accept();
        b.record(Outcome::Lost(Failure::Rejected), 10, Duration::ZERO);
        a.merge(&b);
        let s = a.summary();
        assert_eq!((s.accepted, s.delivered, s.lost, s.in_flight), (3, 1, 1, 1));
        assert_eq!(s.failures.get("rejected"), Some(&1));
    }
}
