//! `[[faults]]` and `[[schema_changes]]`: things that go wrong or change
//! during a run, each in a window of virtual time. The simulator decides
//! how each one acts on its models; the reports shade the windows.

use serde::{Deserialize, Serialize};

use crate::sections::consumers::Consumer;
use crate::validate::Checker;

/// What a `broker_stalled` stalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stall {
    /// The follower's fetches; the process heartbeats on.
    #[default]
    Follower,
    /// The whole process: fenced after the broker session timeout.
    Process,
}

/// One fault, written as `[[faults]]` with a `kind`, a start `at_s` and,
/// for the ones that last, a `duration_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// `brokers` Kafka brokers are down, the highest ids (produce fails
    /// while fewer than `min_insync_replicas` replicas are in sync: in the
    /// simulator, per partition, for the partitions with too few of their
    /// replicas left).
    BrokerOutage {
        /// Start, seconds from the start of the run.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
        /// How many brokers go down.
        brokers: u32,
    },
    /// Redis is unreachable: fan-out writes and worker reads fail (workers
    /// exit 1 on a Redis error).
    RedisOutage {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
    },
    /// Redis is lost and comes back empty after `duration_s`: unreachable
    /// meanwhile (like `redis_outage`), then a new stream and consumer group
    /// with nothing in them. Entries never delivered and the pending list
    /// are gone; their detectors are never processed.
    RedisRestartEmpty {
        /// Start.
        at_s: f64,
        /// Seconds until the empty Redis accepts connections again.
        duration_s: f64,
    },
    /// The Kafka cluster is lost and redeployed in the documented order:
    /// controller pool, broker pool, Kafka, registry operator, registry,
    /// ingress, each step taking its own seconds (DMTN-214). The producer
    /// needs only Kafka (it connects inside the cluster and computes its
    /// schema ids itself): it delivers again once the Kafka step is done.
    /// The registry keeps its schemas in a Kafka topic, so it is lost too
    /// and rebuilt by the sync job (unreachable until its step is done).
    /// The readers come through the ingress: they read nothing until the
    /// last step. With `data_lost` the brokers' volumes were deleted: every
    /// retained alert and committed offset is gone.
    KafkaRedeploy {
        /// Start (the cluster is lost).
        at_s: f64,
        /// Seconds to bring back the KRaft controller node pool.
        controller_pool_s: f64,
        /// Seconds to bring back the broker node pool.
        broker_pool_s: f64,
        /// Seconds for the Kafka resource to become ready.
        kafka_s: f64,
        /// Seconds to deploy the schema registry operator.
        registry_operator_s: f64,
        /// Seconds for the schema registry to become ready.
        registry_s: f64,
        /// Seconds for the ingress (external listeners) to route again.
        ingress_s: f64,
        /// The brokers' volumes were deleted (default false): the retained
        /// alerts no reader had read yet and every committed offset are
        /// lost; each reader starts where its `auto_offset_reset` says.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        data_lost: bool,
    },
    /// The brokers are slow: every produce takes `added_latency_ms` more
    /// and the cluster's bandwidth is multiplied by `bandwidth_factor`.
    BrokerSlow {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
        /// Extra produce round trip, milliseconds (>= 0).
        added_latency_ms: f64,
        /// Multiplier of the brokers' bandwidth (in (0, 1] slows down).
        bandwidth_factor: f64,
    },
    /// The brokers' log disks are full. A write that fails takes the log
    /// directory offline and a broker with none left halts (Kafka's
    /// `LogManager`; measured on the local cluster), so every broker is
    /// down until its disk has room again: the producer retries until its
    /// delivery timeout, then fails.
    BrokerDiskFull {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
    },
    /// The network between the worker pods and Kafka is cut: produce
    /// requests time out; Redis and the cluster are unaffected.
    NetworkPartition {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
    },
    /// `pods` workers that are processing a detector crash at once (exit
    /// without SIGTERM handling): what they held follows the ack mode.
    WorkerCrash {
        /// When.
        at_s: f64,
        /// How many busy worker pods crash (fewer if fewer are busy).
        pods: u32,
    },
    /// The KEDA operator restarts: no scaling decision (no new Job, no
    /// deletion) for `duration_s`.
    KedaOperatorRestart {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
    },
    /// `partitions` partitions of the alert topic lose their leader (chosen
    /// from the seed): produces to them get NOT_LEADER_FOR_PARTITION and
    /// librdkafka retries after a metadata refresh until a new leader is
    /// elected `duration_s` later, or until `delivery.timeout.ms`.
    PartitionLeadershipLost {
        /// Start.
        at_s: f64,
        /// Seconds until the new leaders are elected.
        duration_s: f64,
        /// How many partitions (1..kafka.partitions).
        partitions: u32,
    },
    /// Broker `broker` (an id, 0..kafka.brokers) stalls for `duration_s`,
    /// in one of two ways (`stall`):
    /// - `follower` (default): the process is alive and heartbeats to the
    ///   controller, but its fetches stop (a slow follower). Under acks=all
    ///   the writes to the partitions it follows wait until their leaders
    ///   drop it from the ISR after `kafka.replica_lag_time_max_ms` (then
    ///   they go on with the other replicas, if they still meet
    ///   `min_insync_replicas`); the partitions it leads are served as
    ///   before.
    /// - `process`: the whole process stops (SIGSTOP, a host freeze, a
    ///   long pause). It stops heartbeating, so the controller fences it
    ///   after `kafka.broker_session_timeout_ms`: from then it is in no ISR
    ///   and leads nothing (Kafka 4.1's `ReplicationControlManager`). Until
    ///   then the partitions it leads have no reachable leader and those it
    ///   follows hold their writes.
    ///
    /// A produce held past `kafka.delivery_timeout_ms` fails.
    BrokerStalled {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
        /// Which broker (default 0).
        #[serde(default)]
        broker: u32,
        /// What stalls: `follower` (default) or `process`.
        #[serde(default)]
        stall: Stall,
    },
    /// The schema registry is unreachable.
    RegistryOutage {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
    },
    /// The schema registry is lost and rebuilt from scratch, taking
    /// `duration_s` (unreachable meanwhile). With Rubin's deterministic ids
    /// (`schema_registry.deterministic_ids`) every schema comes back under
    /// the same id; without, under a new one.
    RegistryRebuilt {
        /// Start (the registry is lost).
        at_s: f64,
        /// Seconds until the rebuilt registry answers.
        duration_s: f64,
    },
    /// An ordinary Argo CD sync runs the registry's sync job: it hard-deletes
    /// every subject and re-imports the schemas under the same ids, so for
    /// `schema_registry.sync_missing_s` from `at_s` the registry answers but
    /// knows no schema (a lookup by id is 404). Consumers that need an id
    /// they have not cached cannot decode; producers with deterministic ids
    /// never ask; a producer pod without them that starts meanwhile cannot
    /// register its schema.
    RegistrySync {
        /// When the job deletes the subjects.
        at_s: f64,
    },
    /// `nodes` nodes of the pool are lost; their pods fail.
    NodeLoss {
        /// Start.
        at_s: f64,
        /// Length in seconds (then the nodes come back).
        duration_s: f64,
        /// How many nodes.
        nodes: u32,
    },
    /// Pod start-up takes `factor` times longer (image registry slow).
    SlowPodStartup {
        /// Start.
        at_s: f64,
        /// Length in seconds.
        duration_s: f64,
        /// Multiplier of the start-up time (>= 1 slows down).
        factor: f64,
    },
    /// The ScaledJob spec changes; under the default rollout KEDA 2.16
    /// deletes the running Jobs.
    ScaledJobSpecChange {
        /// When.
        at_s: f64,
    },
    /// `XTRIM MAXLEN maxlen` on the stream (can make the group's lag NULL).
    StreamTrim {
        /// When.
        at_s: f64,
        /// Entries kept.
        maxlen: u64,
    },
    /// One reader of the alert topic (a `[[consumers]]` entry, by name) is
    /// away: it reads nothing for `duration_s`, then catches up at its own
    /// rate from its committed offset. Away longer than
    /// `kafka.offsets_retention_s`, it has no offset left and starts where
    /// its `auto_offset_reset` says; alerts the topic deleted
    /// (`kafka.retention_s`) before it read them are lost to it.
    ConsumerOffline {
        /// Start.
        at_s: f64,
        /// Seconds it is away.
        duration_s: f64,
        /// The consumer's name.
        consumer: String,
    },
}

impl Fault {
    /// Short name of the kind, as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BrokerOutage { .. } => "broker_outage",
            Self::RedisOutage { .. } => "redis_outage",
            Self::RedisRestartEmpty { .. } => "redis_restart_empty",
            Self::KafkaRedeploy { .. } => "kafka_redeploy",
            Self::BrokerSlow { .. } => "broker_slow",
            Self::BrokerDiskFull { .. } => "broker_disk_full",
            Self::NetworkPartition { .. } => "network_partition",
            Self::WorkerCrash { .. } => "worker_crash",
            Self::KedaOperatorRestart { .. } => "keda_operator_restart",
            Self::PartitionLeadershipLost { .. } => "partition_leadership_lost",
            Self::BrokerStalled { .. } => "broker_stalled",
            Self::RegistryOutage { .. } => "registry_outage",
            Self::RegistryRebuilt { .. } => "registry_rebuilt",
            Self::RegistrySync { .. } => "registry_sync",
            Self::NodeLoss { .. } => "node_loss",
            Self::SlowPodStartup { .. } => "slow_pod_startup",
            Self::ScaledJobSpecChange { .. } => "scaled_job_spec_change",
            Self::StreamTrim { .. } => "stream_trim",
            Self::ConsumerOffline { .. } => "consumer_offline",
        }
    }

    /// `(start, end)` in seconds; instantaneous faults have `end == start`.
    pub fn window_s(&self) -> (f64, f64) {
        match *self {
            Self::BrokerOutage {
                at_s, duration_s, ..
            }
            | Self::RedisOutage { at_s, duration_s }
            | Self::RedisRestartEmpty { at_s, duration_s }
            | Self::BrokerDiskFull { at_s, duration_s }
            | Self::NetworkPartition { at_s, duration_s }
            | Self::KedaOperatorRestart { at_s, duration_s }
            | Self::BrokerSlow {
                at_s, duration_s, ..
            }
            | Self::RegistryOutage { at_s, duration_s }
            | Self::RegistryRebuilt { at_s, duration_s }
            | Self::PartitionLeadershipLost {
                at_s, duration_s, ..
            }
            | Self::BrokerStalled {
                at_s, duration_s, ..
            }
            | Self::NodeLoss {
                at_s, duration_s, ..
            }
            | Self::SlowPodStartup {
                at_s, duration_s, ..
            }
            | Self::ConsumerOffline {
                at_s, duration_s, ..
            } => (at_s, at_s + duration_s),
            Self::KafkaRedeploy { at_s, .. } => {
                (at_s, at_s + self.redeploy_steps_s().iter().sum::<f64>())
            }
            Self::ScaledJobSpecChange { at_s }
            | Self::RegistrySync { at_s }
            | Self::StreamTrim { at_s, .. }
            | Self::WorkerCrash { at_s, .. } => (at_s, at_s),
        }
    }

    /// For `kafka_redeploy`: seconds from the start until the Kafka step is
    /// done (the producer delivers again) and until the registry step is
    /// done (the registry answers again); `None` for the other kinds.
    pub fn redeploy_milestones_s(&self) -> Option<(f64, f64)> {
        let steps = self.redeploy_steps_s();
        if steps.len() < 5 {
            return None;
        }
        let kafka = steps[..3].iter().sum::<f64>();
        Some((kafka, kafka + steps[3] + steps[4]))
    }

    /// The seconds of each redeploy step in order, for `kafka_redeploy`
    /// (empty for the other kinds).
    pub fn redeploy_steps_s(&self) -> Vec<f64> {
        match *self {
            Self::KafkaRedeploy {
                controller_pool_s,
                broker_pool_s,
                kafka_s,
                registry_operator_s,
                registry_s,
                ingress_s,
                ..
            } => vec![
                controller_pool_s,
                broker_pool_s,
                kafka_s,
                registry_operator_s,
                registry_s,
                ingress_s,
            ],
            _ => Vec::new(),
        }
    }
}

/// A new alert schema version registered and used from `at_s` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaChange {
    /// When, seconds from the start of the run.
    pub at_s: f64,
    /// Schema version `major.minor`, such as `"10.0"` (registry id major*100 + minor).
    pub version: String,
    /// The change goes to a new topic, `lsst-alerts-v{major}`, as Rubin
    /// ships a new schema major (FACTS "Schema registry as deployed"),
    /// rather than changing the schema on the same topic (default false).
    /// It is a new subject, so no compatibility check applies; each reader
    /// reads it once its user is granted access (`consumers[]`'s
    /// `new_topic_granted`, `new_topic_grant_delay_s`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_topic: bool,
}

impl SchemaChange {
    /// `(major, minor)` when the version is well formed.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let (major, minor) = self.version.split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    }
}

/// The sizes that bound a fault's target counts, and the consumers a
/// fault may name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes<'a> {
    /// `kafka.brokers`.
    pub brokers: u32,
    /// `cluster.nodes`.
    pub nodes: u32,
    /// `kafka.partitions`.
    pub partitions: u32,
    /// `[[consumers]]`.
    pub consumers: &'a [Consumer],
}

pub(crate) fn check(
    faults: &[Fault],
    schema_changes: &[SchemaChange],
    sizes: Sizes<'_>,
    c: &mut Checker,
) {
    let Sizes {
        brokers,
        nodes,
        partitions,
        consumers,
    } = sizes;
    for (i, fault) in faults.iter().enumerate() {
        let path = format!("faults.{i}");
        let (start, end) = fault.window_s();
        c.non_negative(&format!("{path}.at_s"), start);
        let steps = [
            "controller_pool_s",
            "broker_pool_s",
            "kafka_s",
            "registry_operator_s",
            "registry_s",
            "ingress_s",
        ];
        for (step, seconds) in steps.iter().zip(fault.redeploy_steps_s()) {
            c.non_negative(&format!("{path}.{step}"), seconds);
        }
        if end < start || !end.is_finite() {
            c.fail(
                &format!("{path}.duration_s"),
                format!("{} must last a finite, non-negative time", fault.kind()),
                "a number >= 0",
            );
        }
        if let Fault::ConsumerOffline { consumer, .. } = fault
            && !consumers.iter().any(|x| &x.name == consumer)
        {
            let names: Vec<&str> = consumers.iter().map(|x| x.name.as_str()).collect();
            c.fail(
                &format!("{path}.consumer"),
                format!("no consumer is named `{consumer}`"),
                &format!("the name of a [[consumers]] entry ({})", names.join(", ")),
            );
        }
        match *fault {
            Fault::BrokerOutage { brokers: n, .. } if n == 0 || n > brokers => c.fail(
                &format!("{path}.brokers"),
                format!("{n} brokers down, but the cluster has {brokers}"),
                &format!("between 1 and kafka.brokers ({brokers})"),
            ),
            Fault::NodeLoss { nodes: n, .. } if n == 0 || n > nodes => c.fail(
                &format!("{path}.nodes"),
                format!("{n} nodes lost, but the pool has {nodes}"),
                &format!("between 1 and cluster.nodes ({nodes})"),
            ),
            Fault::PartitionLeadershipLost { partitions: n, .. } if n == 0 || n > partitions => c
                .fail(
                    &format!("{path}.partitions"),
                    format!("{n} partitions lose their leader, but the topic has {partitions}"),
                    &format!("between 1 and kafka.partitions ({partitions})"),
                ),
            Fault::BrokerStalled { broker: b, .. } if b >= brokers => c.fail(
                &format!("{path}.broker"),
                format!("broker {b} stalls, but the cluster's brokers are 0..{brokers}"),
                &format!("a broker id below kafka.brokers ({brokers})"),
            ),
            Fault::SlowPodStartup { factor, .. } => {
                c.positive(&format!("{path}.factor"), factor);
            }
            Fault::BrokerSlow {
                added_latency_ms,
                bandwidth_factor,
                ..
            } => {
                c.non_negative(&format!("{path}.added_latency_ms"), added_latency_ms);
                c.positive(&format!("{path}.bandwidth_factor"), bandwidth_factor);
            }
            Fault::WorkerCrash { pods: 0, .. } => c.fail(
                &format!("{path}.pods"),
                "0 pods crash".to_string(),
                "at least 1",
            ),
            _ => {}
        }
    }
    for (i, change) in schema_changes.iter().enumerate() {
        c.non_negative(&format!("schema_changes.{i}.at_s"), change.at_s);
        if change.major_minor().is_none() {
            c.fail(
                &format!("schema_changes.{i}.version"),
                format!("`{}` is not a schema version", change.version),
                "\"major.minor\", such as \"10.0\"",
            );
        }
    }
}
