//! The `Report`: what one run measured, serialised as report.json. Field
//! order is the declaration order and every number is rounded, so the same
//! run gives the same bytes.
//!
//! The report is built from the metrics below it: [`Recorder::finish`]
//! (defined here, since it makes a report) takes the recorder's
//! [`Summary`], adds the faults, their recovery figures and the gates'
//! verdict. Its sections' types live where they are measured (`metrics`,
//! `gates`, `schema`) and are re-exported at the crate root.

use alertsim_scenarios::Scenario;
use serde::{Deserialize, Serialize};

use crate::gates::{GateInputs, GateReport, evaluate};
use crate::metrics::archive::ArchiveReport;
use crate::metrics::budget::LatencyBudget;
use crate::metrics::capacity::{BrokerBytes, BrokerCapacity, Capacity, CapacityInputs, capacity};
use crate::metrics::latency::Percentiles;
use crate::metrics::recorder::Recorder;
use crate::metrics::recovery::{FaultWindow, RecoveryInputs, RecoveryRecord, recovery};
use crate::metrics::series::Series;
use crate::metrics::summary::{
    AlertTotals, ByteTotals, ConsumerReport, JobTotals, Summary, Throughput,
};
use crate::metrics::visit::VisitRecord;
use crate::schema::SchemaReport;

/// Version of the report.json layout; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// One run's results. Documented field by field in `reports/REPORT.md`
/// (generated from [`crate::fields::FIELDS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Program and version that wrote the report.
    pub generator: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Seed of the run.
    pub seed: u64,
    /// Virtual seconds simulated.
    pub simulated_s: f64,
    /// Visits observed.
    pub visits: u64,
    /// Alert totals.
    pub alerts: AlertTotals,
    /// Latency from end of readout to Kafka acknowledgement, all alerts.
    pub latency_s: Percentiles,
    /// Where the visits' latency went: each stage's p50/p98 over visits
    /// and the late visits by cause (see `metrics::budget`).
    #[serde(default)]
    pub latency_budget: LatencyBudget,
    /// Visits with fewer than 98% of alerts within the latency limit.
    pub late_visits: u64,
    /// Visits with a failed detector or a lost alert.
    pub failed_visits: u64,
    /// Detectors the fan-out never wrote (write retries spent, or the
    /// `nextVisit` expired), all visits.
    #[serde(default)]
    pub detectors_dropped: u64,
    /// Jobs and pod time.
    pub jobs: JobTotals,
    /// Gate results.
    pub gates: GateReport,
    /// Byte totals.
    pub bytes: ByteTotals,
    /// Delivery throughput.
    pub throughput: Throughput,
    /// Per community broker: alerts received and latency to receipt.
    pub consumers: Vec<ConsumerReport>,
    /// The alert archive's ingester: completeness, latency and its
    /// autoscaling (absent when the run has no archive: a load run, or
    /// `archive.enabled = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveReport>,
    /// What the night asked of the brokers' network and disks.
    #[serde(default)]
    pub capacity: Capacity,
    /// One record per visit.
    pub per_visit: Vec<VisitRecord>,
    /// Time series.
    pub series: Series,
    /// Fault windows from the scenario's `[[faults]]`, in file order.
    pub faults: Vec<FaultWindow>,
    /// Recovery figures, one per fault (see `metrics::recovery`).
    #[serde(default)]
    pub recovery: Vec<RecoveryRecord>,
    /// Schema changes and undecodable alerts (see `schema`); absent when
    /// the scenario uses none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaReport>,
    /// The run was interrupted and covers part of the scenario only
    /// (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The scenario as run, all defaults and overrides resolved.
    pub config: Scenario,
}

impl Recorder {
    /// Builds the report: the recorder's [`Summary`] (totals, percentiles,
    /// per-visit records, series), the scenario's faults and their recovery,
    /// and the gates evaluated from the scenario's `[gates]`.
    pub fn finish(self, scenario: &Scenario, simulated_s: f64) -> Report {
        let summary = self.summarise(scenario.gates.p98_latency_s, simulated_s);
        Report::from_summary(scenario, simulated_s, summary)
    }
}

impl Report {
    /// The report of a run summed up in `summary`, finalised.
    pub fn from_summary(scenario: &Scenario, simulated_s: f64, summary: Summary) -> Self {
        let Summary {
            alerts,
            latency_s,
            jobs,
            bytes,
            throughput,
            consumers,
            per_visit,
            latency_budget,
            series,
            broker_bytes,
            archive,
        } = summary;
        let mut report = Self {
            alerts,
            latency_s,
            latency_budget,
            jobs,
            bytes,
            throughput,
            consumers,
            per_visit,
            series,
            archive,
            ..Self::new(scenario, simulated_s)
        };
        report.capacity.per_broker = placed_rows(&broker_bytes);
        report.finalise();
        report
    }

    /// An empty report for this scenario (seed, name, description and
    /// config filled in; every figure zero), for callers that compute the
    /// figures themselves: fill the fields, then call [`Report::finalise`].
    pub fn new(scenario: &Scenario, simulated_s: f64) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            generator: format!("alertsim {}", env!("CARGO_PKG_VERSION")),
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            simulated_s: crate::number::micros(simulated_s),
            visits: 0,
            alerts: AlertTotals::default(),
            latency_s: Percentiles::default(),
            latency_budget: LatencyBudget::default(),
            late_visits: 0,
            failed_visits: 0,
            detectors_dropped: 0,
            jobs: JobTotals::default(),
            gates: GateReport::default(),
            bytes: ByteTotals::default(),
            throughput: Throughput::default(),
            consumers: Vec::new(),
            archive: None,
            capacity: Capacity::default(),
            per_visit: Vec::new(),
            series: Series::default(),
            faults: scenario
                .faults
                .iter()
                .map(|f| {
                    let (start, end) = f.window_s();
                    FaultWindow {
                        kind: f.kind().to_owned(),
                        start_s: crate::number::micros(start),
                        end_s: crate::number::micros(end),
                    }
                })
                .collect(),
            recovery: Vec::new(),
            schema: None,
            partial: false,
            config: scenario.clone(),
        }
    }

    /// Derives `visits`, `late_visits`, `failed_visits` and
    /// `detectors_dropped` from `per_visit`
    /// and evaluates the gates of `config.gates`.
    pub fn finalise(&mut self) {
        self.visits = self.per_visit.len() as u64;
        self.late_visits = self.per_visit.iter().filter(|v| v.late).count() as u64;
        self.failed_visits = self.per_visit.iter().filter(|v| v.failed).count() as u64;
        self.detectors_dropped = self.per_visit.iter().map(|v| v.detectors_dropped).sum();
        self.recovery = recovery(&RecoveryInputs {
            faults: &self.faults,
            visits: &self.per_visit,
            series: &self.series,
            limit_s: self.config.gates.p98_latency_s,
            visit_interval_s: self.config.night.visit_interval_s,
            run_s: self.simulated_s,
        });
        // Every reader's fetches leave the brokers: the community brokers'
        // and the archive's.
        let received: Vec<u64> = self
            .consumers
            .iter()
            .map(|c| c.received)
            .chain(self.archive.as_ref().map(|a| a.alerts_archived))
            .collect();
        // The placement's bytes, kept in `capacity.per_broker` so that a
        // report read back is finalised from the same figures.
        let placed: Vec<BrokerBytes> = self
            .capacity
            .per_broker
            .iter()
            .map(|b| BrokerBytes {
                ingress: b.ingress_bytes,
                replication_in: b.replication_in_bytes,
                replication_out: b.replication_out_bytes,
            })
            .collect();
        self.capacity = capacity(&CapacityInputs {
            brokers: self.config.kafka.brokers,
            replication_factor: self.config.kafka.replication_factor,
            bandwidth_mbit_per_s: self.config.kafka.broker_bandwidth_mbps,
            delivered_bytes: self.bytes.delivered,
            mean_alert_bytes: self.bytes.mean_alert,
            received: &received,
            peak_delivered_mbit_per_s: self.throughput.peak_mbit_per_s,
            run_s: self.simulated_s,
            placed: &placed,
            disk_size_bytes: self.config.kafka.broker_disk_bytes,
            retention_s: self.config.kafka.retention_s,
        });
        self.gates = evaluate(&self.config.gates, &self.gate_inputs());
    }

    /// The figures the gates judge, as [`Report::finalise`] gives them.
    pub fn gate_inputs(&self) -> GateInputs<'_> {
        GateInputs {
            visits: self.visits,
            late_visits: self.late_visits,
            failed_visits: self.failed_visits,
            per_visit: &self.per_visit,
            alerts: &self.alerts,
            recovery: &self.recovery,
            schema: self.schema.as_ref(),
            archive: self.archive.as_ref(),
        }
    }

    /// report.json: pretty-printed, with a final newline. Deterministic.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses report.json.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// True when every gate passed.
    pub fn passed(&self) -> bool {
        self.gates.passed
    }
}

/// The rows `finalise` reads the placement's bytes from.
fn placed_rows(bytes: &[BrokerBytes]) -> Vec<BrokerCapacity> {
    (0..)
        .zip(bytes)
        .map(|(broker, b)| BrokerCapacity {
            broker,
            ingress_bytes: b.ingress,
            replication_in_bytes: b.replication_in,
            replication_out_bytes: b.replication_out,
            ..BrokerCapacity::default()
        })
        .collect()
}
