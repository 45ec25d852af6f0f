//! The simulator's parameters, one struct per model, with defaults taken
//! from Rubin's production configuration and design figures (FACTS.md).
//! A scenario file maps onto these (see `scenario.rs`).

use serde::Serialize;

/// Everything one simulation run needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimParams {
    /// Scenario name, echoed in the outcome.
    pub name: String,
    /// The seed every random stream derives from.
    pub seed: u64,
    /// The observing night.
    pub night: NightParams,
    /// Alerts per visit and per detector.
    pub alerts: AlertParams,
    /// The Redis stream and consumer group.
    pub redis: RedisParams,
    /// KEDA ScaledJob settings.
    pub scaler: ScalerParams,
    /// The Kubernetes node pool and pod start-up.
    pub cluster: ClusterParams,
    /// The worker loop and processing times.
    pub worker: WorkerParams,
    /// Alert packaging (sizes, encoding cost).
    pub packaging: PackagingParams,
    /// The Kafka cluster and the producer.
    pub kafka: KafkaParams,
    /// Community brokers reading the topic.
    pub consumers: Vec<ConsumerParams>,
    /// A visit is late when its p98 latency exceeds this (seconds).
    pub late_after_s: f64,
    /// How long after the last visit's readout the run may continue to
    /// drain the backlog before it stops (seconds).
    pub drain_limit_s: f64,
}

/// The visit schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NightParams {
    /// Visits in the night.
    pub visits: u32,
    /// Time between the starts of consecutive visits (seconds).
    pub visit_interval_s: f64,
    /// How long before the exposure starts nextVisit is announced (seconds).
    pub announce_lead_s: f64,
    /// Exposure time (seconds).
    pub exposure_s: f64,
    /// Readout time after the exposure (seconds).
    pub readout_s: f64,
    /// Probability that a gap (slew, filter change, weather) precedes a visit.
    pub gap_probability: f64,
    /// Length of a gap (seconds).
    pub gap_s: f64,
    /// Active detectors: one stream entry per detector per visit.
    pub detectors: u32,
}

/// Alerts per visit (log-normal around a mean, capped) and their split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertParams {
    /// Mean alerts per visit.
    pub mean_per_visit: f64,
    /// Shape (sigma of the log) of alerts per visit; 0 = always the mean.
    pub per_visit_sigma: f64,
    /// Hard cap on alerts in one visit.
    pub max_per_visit: u64,
    /// Shape of the spread across detectors (sigma of the log of a
    /// detector's share); 0 = an even split.
    pub detector_sigma: f64,
}

/// The Redis stream model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedisParams {
    /// Round trip of one command from a worker (seconds).
    pub command_latency_s: f64,
}

/// KEDA scaling strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// `eff = maxScale - r`.
    Default,
    /// `eff = min(maxScale - deduction - r * percentage, maxRC)`.
    Custom,
    /// Subtracts pending Jobs, capped at maxRC.
    Accurate,
    /// Fills up to maxRC while there is a queue.
    Eager,
}

/// Which KEDA release's formulas to use where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KedaVersion {
    /// KEDA 2.16.1, which Rubin runs.
    #[serde(rename = "2.16")]
    V2_16,
    /// The current release.
    #[serde(rename = "current")]
    Current,
}

/// ScaledJob settings and the Job-creation client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalerParams {
    /// Scaling strategy.
    pub strategy: Strategy,
    /// KEDA version semantics.
    pub keda_version: KedaVersion,
    /// Seconds between polls.
    pub polling_interval_s: f64,
    /// minReplicaCount.
    pub min_replicas: u32,
    /// maxReplicaCount.
    pub max_replicas: u32,
    /// lagCount (target value per Job).
    pub lag_count: u64,
    /// activationLagCount (active when the metric is strictly greater).
    pub activation_lag_count: u64,
    /// Custom strategy: deduction.
    pub custom_deduction: i64,
    /// Custom strategy: running Job percentage.
    pub custom_running_percentage: f64,
    /// Job-creation API client rate (requests per second).
    pub api_qps: f64,
    /// Job-creation API client burst.
    pub api_burst: u32,
}

/// The node pool and pod start-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterParams {
    /// Nodes in the worker pool.
    pub nodes: u32,
    /// Allocatable CPU per node (millicores).
    pub node_cpu_milli: u64,
    /// Allocatable memory per node (MiB).
    pub node_memory_mib: u64,
    /// CPU request of a worker pod (millicores).
    pub pod_cpu_milli: u64,
    /// Memory request of a worker pod (MiB).
    pub pod_memory_mib: u64,
    /// Median pod start-up time, from scheduling to Running (seconds).
    pub startup_median_s: f64,
    /// Shape of the start-up time (sigma of the log).
    pub startup_sigma: f64,
}

/// When the worker acknowledges a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AckMode {
    /// `XACK` right after reading (Rubin: at-most-once).
    Before,
    /// `XACK` after publishing (at-least-once).
    After,
}

/// The worker loop and processing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerParams {
    /// Messages before the worker exits normally (0 = unlimited).
    pub restart_freq: u32,
    /// Seconds without a message before the worker exits.
    pub idle_timeout_s: f64,
    /// Messages older than this are skipped (seconds).
    pub max_message_age_s: f64,
    /// Acknowledgement mode.
    pub ack: AckMode,
    /// Preparation after reading the message, before images can be used (seconds).
    pub prep_s: f64,
    /// Median fixed processing time of one detector (seconds).
    pub processing_base_s: f64,
    /// Added processing time per alert of the detector (seconds).
    pub processing_per_alert_s: f64,
    /// Shape of the processing time (sigma of the log).
    pub processing_sigma: f64,
}

/// Alert packaging.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackagingParams {
    /// Alerts encoded with the real encoder to measure sizes (0 = use
    /// `alert_bytes` for every alert).
    pub fidelity_sample: u32,
    /// Alert size on the wire when no sample is encoded (bytes).
    pub alert_bytes: u64,
    /// Encoder throughput (bytes per second) on one worker core.
    pub encode_bytes_per_s: f64,
}

/// What the publisher does with an alert whose delivery failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublisherProfile {
    /// Rubin's packager: asynchronous delivery errors are only logged, the alert is lost.
    Rubin,
    /// Failed alerts are spooled and re-published at the next opportunity.
    Safe,
}

/// The Kafka cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KafkaParams {
    /// Brokers.
    pub brokers: u32,
    /// Partitions of the alert topic.
    pub partitions: u32,
    /// Replication factor.
    pub replication: u32,
    /// min.insync.replicas.
    pub min_insync: u32,
    /// Inbound bandwidth of one broker (bytes per second).
    pub broker_bytes_per_s: f64,
    /// Produce round trip with acks=all when the cluster is idle (seconds).
    pub produce_latency_s: f64,
    /// Producer delivery.timeout.ms (seconds).
    pub delivery_timeout_s: f64,
    /// The publisher's policy for failed alerts.
    pub profile: PublisherProfile,
}

/// One community broker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerParams {
    /// Its name in the report.
    pub name: String,
    /// The rate it reads at (bytes per second).
    pub bytes_per_s: f64,
    /// Fetch delay after an alert is committed (seconds).
    pub fetch_latency_s: f64,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            name: "rubin-night".to_owned(),
            seed: 1,
            night: NightParams {
                visits: 1000,
                visit_interval_s: 37.0,
                announce_lead_s: 20.0,
                exposure_s: 30.0,
                readout_s: 2.0,
                gap_probability: 0.0,
                gap_s: 120.0,
                detectors: 189,
            },
            alerts: AlertParams {
                mean_per_visit: 10_000.0,
                per_visit_sigma: 0.35,
                max_per_visit: 100_000,
                detector_sigma: 0.5,
            },
            redis: RedisParams {
                command_latency_s: 0.001,
            },
            scaler: ScalerParams {
                strategy: Strategy::Eager,
                keda_version: KedaVersion::V2_16,
                polling_interval_s: 2.0,
                min_replicas: 3,
                max_replicas: 1700,
                lag_count: 1,
                activation_lag_count: 1,
                custom_deduction: 0,
                custom_running_percentage: 0.0,
                api_qps: 20.0,
                api_burst: 30,
            },
            cluster: ClusterParams {
                nodes: 64,
                node_cpu_milli: 32_000,
                node_memory_mib: 128 * 1024,
                pod_cpu_milli: 1000,
                pod_memory_mib: 2048,
                startup_median_s: 60.0,
                startup_sigma: 0.25,
            },
            worker: WorkerParams {
                restart_freq: 10,
                idle_timeout_s: 900.0,
                max_message_age_s: 3600.0,
                ack: AckMode::Before,
                prep_s: 5.0,
                processing_base_s: 25.0,
                processing_per_alert_s: 0.05,
                processing_sigma: 0.2,
            },
            packaging: PackagingParams {
                fidelity_sample: 0,
                alert_bytes: 82_000,
                encode_bytes_per_s: 800e6,
            },
            kafka: KafkaParams {
                brokers: 6,
                partitions: 45,
                replication: 3,
                min_insync: 2,
                broker_bytes_per_s: 1.25e9,
                produce_latency_s: 0.005,
                delivery_timeout_s: 1.2,
                profile: PublisherProfile::Rubin,
            },
            consumers: (1..=9)
                .map(|i| ConsumerParams {
                    name: format!("broker-{i}"),
                    bytes_per_s: 125e6,
                    fetch_latency_s: 0.5,
                })
                .collect(),
            late_after_s: 60.0,
            drain_limit_s: 4.0 * 3600.0,
        }
    }
}
