//! The `Report`: what one run measured, serialised as report.json. Field
//! order is the declaration order and every number is rounded, so the same
//! run gives the same bytes.

use alertsim_scenarios::Scenario;
use serde::{Deserialize, Serialize};

use crate::gates::GateReport;
pub use crate::metrics::latency::Percentiles;
use crate::metrics::recovery::{RecoveryInputs, RecoveryRecord, recovery};
use crate::metrics::series::Series;
use crate::metrics::visit::VisitRecord;

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
    /// Visits with fewer than 98% of alerts within the latency limit.
    pub late_visits: u64,
    /// Visits with a failed detector or a lost alert.
    pub failed_visits: u64,
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
    pub schema: Option<crate::schema::SchemaReport>,
    /// The run was interrupted and covers part of the scenario only
    /// (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The scenario as run, all defaults and overrides resolved.
    pub config: Scenario,
}

/// Alert totals. `delivered + lost` equals `produced` once every alert is
/// settled; `duplicated` counts extra copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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

/// When a fault acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultWindow {
    /// Fault kind, as in the scenario.
    pub kind: String,
    /// Start, virtual seconds.
    pub start_s: f64,
    /// End, virtual seconds (equal to the start for instantaneous faults).
    pub end_s: f64,
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
}

impl Report {
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
            late_visits: 0,
            failed_visits: 0,
            jobs: JobTotals::default(),
            gates: GateReport::default(),
            bytes: ByteTotals::default(),
            throughput: Throughput::default(),
            consumers: Vec::new(),
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

    /// Derives `visits`, `late_visits` and `failed_visits` from `per_visit`
    /// and evaluates the gates of `config.gates`.
    pub fn finalise(&mut self) {
        self.visits = self.per_visit.len() as u64;
        self.late_visits = self.per_visit.iter().filter(|v| v.late).count() as u64;
        self.failed_visits = self.per_visit.iter().filter(|v| v.failed).count() as u64;
        self.recovery = recovery(&RecoveryInputs {
            faults: &self.faults,
            visits: &self.per_visit,
            series: &self.series,
            limit_s: self.config.gates.p98_latency_s,
            visit_interval_s: self.config.night.visit_interval_s,
            run_s: self.simulated_s,
        });
        self.gates = crate::gates::evaluate(&self.config.gates, self);
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
