//! The `Scenario` type: everything one simulation or load run needs, every
//! field defaulted from Rubin's production figures so a minimal file is valid.

use serde::{Deserialize, Serialize};

use crate::sections::archive::Archive;
use crate::sections::chaos::Chaos;
use crate::sections::cluster::Cluster;
use crate::sections::consumers::{self, Consumer, default_consumers};
use crate::sections::fanout::Fanout;
use crate::sections::faults::{self, Fault, SchemaChange};
use crate::sections::gates::Gates;
use crate::sections::kafka::Kafka;
use crate::sections::night::Night;
use crate::sections::publisher::Publisher;
use crate::sections::redis::Redis;
use crate::sections::scaler::Scaler;
use crate::sections::schema_registry::SchemaRegistry;
use crate::sections::workers::Workers;
use crate::validate::{Checker, Issue};

/// A scenario file. All tables and fields are optional; unknown keys are
/// rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name (default: the file name without `.toml`).
    pub name: String,
    /// One line saying what the scenario is for.
    pub description: String,
    /// Seed of all randomness (default 1); `--seed` overrides it.
    pub seed: u64,
    /// `[night]`: visits and alerts.
    pub night: Night,
    /// `[redis]`: stream and consumer group.
    pub redis: Redis,
    /// `[fanout]`: per-detector write retries and message expiration.
    pub fanout: Fanout,
    /// `[scaler]`: the KEDA ScaledJob.
    pub scaler: Scaler,
    /// `[cluster]`: node pool and pods.
    pub cluster: Cluster,
    /// `[workers]`: the worker loop and processing times.
    pub workers: Workers,
    /// `[kafka]`: brokers, topic, producer.
    pub kafka: Kafka,
    /// `[publisher]`: policy for failed alerts.
    pub publisher: Publisher,
    /// `[[consumers]]`: community brokers (default nine).
    pub consumers: Vec<Consumer>,
    /// `[archive]`: the alert archive's ingester (a second, autoscaled reader).
    pub archive: Archive,
    /// `[gates]`: pass/fail limits.
    pub gates: Gates,
    /// `[[faults]]`: outages and disturbances (default none).
    pub faults: Vec<Fault>,
    /// `[[schema_changes]]`: new alert schema versions (default none).
    pub schema_changes: Vec<SchemaChange>,
    /// Random faults, expanded from the seed into more `faults`.
    pub chaos: Chaos,
    /// `[schema_registry]`: compatibility level and starting schema version.
    pub schema_registry: SchemaRegistry,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            seed: 1,
            night: Night::default(),
            redis: Redis::default(),
            fanout: Fanout::default(),
            scaler: Scaler::default(),
            cluster: Cluster::default(),
            workers: Workers::default(),
            kafka: Kafka::default(),
            publisher: Publisher::default(),
            consumers: default_consumers(),
            archive: Archive::default(),
            gates: Gates::default(),
            faults: Vec::new(),
            schema_changes: Vec::new(),
            chaos: Chaos::default(),
            schema_registry: SchemaRegistry::default(),
        }
    }
}

impl Scenario {
    /// Checks for impossible values; an empty list means the scenario is usable.
    pub fn validate(&self) -> Vec<Issue> {
        let mut c = Checker::default();
        self.night.check(&mut c);
        self.redis.check(&mut c);
        self.fanout.check(&mut c);
        self.scaler.check(&mut c);
        self.cluster.check(&mut c);
        if self.cluster.pod_capacity() == 0 {
            c.fail(
                "cluster.nodes",
                "the node pool cannot run a single worker pod",
                "nodes with room for at least one pod",
            );
        }
        self.workers.check(&mut c);
        self.kafka.check(&mut c);
        consumers::check(&self.consumers, &mut c);
        self.archive.check(&mut c);
        self.gates.check(&mut c);
        self.chaos.check(&mut c);
        faults::check(
            &self.faults,
            &self.schema_changes,
            faults::Sizes {
                brokers: self.kafka.brokers,
                nodes: self.cluster.nodes,
                partitions: self.kafka.partitions,
                consumers: &self.consumers,
            },
            &mut c,
        );
        self.schema_registry
            .check(&self.schema_changes, &self.consumers, &mut c);
        crate::limits::check(self, &crate::limits::Limits::in_force(), &mut c);
        c.into_issues()
    }

    /// Settings that are valid but probably not what was meant; shown by
    /// `alertsim scenarios check`.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let capacity = self.cluster.pod_capacity();
        if capacity < u64::from(self.scaler.max_replicas) {
            out.push(format!(
                "the node pool fits {capacity} pods, fewer than scaler.max_replicas ({}): Jobs beyond that stay Pending",
                self.scaler.max_replicas
            ));
        }
        let bytes_per_visit =
            self.night.mean_alerts_per_visit() * self.workers.nominal_alert_bytes as f64;
        let needed_mbps = bytes_per_visit * 8.0 / 1e6 / self.night.visit_interval_s;
        let have_mbps = self.kafka.broker_bandwidth_mbps * f64::from(self.kafka.brokers);
        if needed_mbps > have_mbps {
            out.push(format!(
                "the mean alert rate needs about {needed_mbps:.0} Mbit/s but the brokers have {have_mbps:.0} Mbit/s in total"
            ));
        }
        if self.consumers.len() < 5 {
            out.push(format!(
                "{} consumers: Rubin's requirement is at least 5 full streams",
                self.consumers.len()
            ));
        }
        out
    }

    /// The scenario as TOML (all fields, defaults included).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}
