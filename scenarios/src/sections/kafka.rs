//! `[kafka]`: the brokers, the alert topic and the producer's settings.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain};
use crate::validate::Checker;

/// The Kafka cluster, topic and producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Kafka {
    /// Brokers in the cluster (default 5: production's broker node pool,
    /// phalanx `sasquatch` values for usdfprod-prompt-processing, FACTS
    /// "Kafka as deployed").
    pub brokers: u32,
    /// KRaft controllers (default 5: production's controller node pool,
    /// phalanx `sasquatch` values for usdfprod-prompt-processing, FACTS
    /// "Kafka as deployed"). Informational in the simulator: no modelled
    /// behaviour depends on it (the controllers carry no alert bytes); it
    /// is shown in the run information.
    pub controllers: u32,
    /// Alert topic (default `lsst-alerts-v11`).
    pub topic: String,
    /// Partitions of the topic (default 45: the `lsst-alerts-v11`
    /// KafkaTopic, FACTS "Kafka as deployed").
    pub partitions: u32,
    /// Replication factor (default 3).
    pub replication_factor: u32,
    /// `min.insync.replicas` (default 2); with `acks=all` a produce fails
    /// while fewer replicas are in sync.
    pub min_insync_replicas: u32,
    /// Broker `replica.lag.time.max.ms`: how long a follower that fetches
    /// nothing stays in the ISR before the leader drops it (default
    /// 120,000: the production Kafka's `config`, FACTS "Kafka as deployed";
    /// Kafka 4.x's own default is 30,000). Under acks=all a stalled
    /// follower holds its partitions' writes that long (`broker_stalled`).
    pub replica_lag_time_max_ms: u64,
    /// KRaft `broker.session.timeout.ms`: how long the controller waits
    /// for a broker's heartbeat before fencing it, which takes it out of
    /// every ISR and every leadership (default 9,000: Kafka 4.1's default,
    /// which the production values do not change). A `broker_stalled` with
    /// `stall = "process"` ends for the cluster then.
    pub broker_session_timeout_ms: u64,
    /// Broker `leader.imbalance.check.interval.seconds`: how often the
    /// controller moves leadership back to preferred leaders
    /// (`auto.leader.rebalance.enable`, true by default; default 300 s,
    /// Kafka's broker configuration defaults, which the production values do
    /// not change). A broker back from an outage leads nothing until the
    /// next check. 0 turns the rebalance off.
    pub leader_imbalance_check_interval_s: f64,
    /// Network bandwidth of one broker in megabits per second (default 10,000).
    pub broker_bandwidth_mbps: f64,
    /// Produce latency to acknowledgement in milliseconds, on an idle broker
    /// (default lognormal, mean 5, std dev 2, clamped to [1, 100]).
    pub produce_latency_ms: Distribution,
    /// Producer `delivery.timeout.ms` (default 1,200).
    pub delivery_timeout_ms: u64,
    /// Producer `linger.ms` (default 5).
    pub linger_ms: u64,
    /// Producer `batch.size` in bytes (default 2 MiB).
    pub batch_size_bytes: u64,
    /// Broker `message.max.bytes` (default 10 MiB, the production Kafka's
    /// `config` in phalanx's strimzi-kafka values).
    pub message_max_bytes: u64,
    /// The producer's own `message.max.bytes` (librdkafka): a larger alert
    /// is refused at the produce call. Default 1,000,000, librdkafka's
    /// default: the packager's producer configuration (`packageAlerts.py`)
    /// does not set it.
    pub producer_message_max_bytes: u64,
    /// Compressed over raw size of an alert batch with snappy (default 0.9:
    /// cutouts and floats compress little).
    pub compression_ratio: f64,
    /// How long the topic keeps an alert, seconds (default 604,800: 7
    /// days, the broker's `log.retention.minutes` 10080, which applies
    /// because the topic template reads another key than the values set;
    /// FACTS "Kafka as deployed"). A reader that has not read an alert
    /// this long after it was written never gets it. Deletion is by
    /// segment in Kafka, so an alert may live somewhat longer: the model
    /// deletes at exactly this age, the earliest Kafka would.
    pub retention_s: f64,
    /// How many bytes one partition of the topic keeps (Kafka's topic
    /// `retention.bytes`, per partition), or none (default: unset, no size
    /// limit, as deployed: the values ask for 300 GB but the topic template
    /// reads another key, so the broker's default `log.retention.bytes` -1
    /// applies; FACTS "Kafka as deployed"). When set, an alert is deleted at
    /// the earlier of `retention_s` and the moment its partition has
    /// written this many bytes after it. At least 1: Kafka's -1 (no limit)
    /// is written by leaving the key out. Signed, so that a negative value
    /// is refused by validation with the key's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_bytes: Option<i64>,
    /// How long a reader's committed offsets outlive the reader, seconds
    /// (default 604,800: the broker's `offsets.retention.minutes` 10080,
    /// FACTS "Kafka as deployed"). Since Kafka 2.1 the clock starts when
    /// the consumer group becomes empty; a reader away longer comes back
    /// without an offset and its `auto_offset_reset` decides where it
    /// starts.
    pub offsets_retention_s: f64,
    /// One broker's log disk in bytes (default 35 TiB: production's broker
    /// node pool, FACTS "Kafka as deployed"). Reports compare it with what
    /// the busiest broker keeps at `retention_s`.
    pub broker_disk_bytes: u64,
}

/// Kafka's 10,080 minutes of `log.retention.minutes` and
/// `offsets.retention.minutes`, in seconds.
const SEVEN_DAYS_S: f64 = 7.0 * 24.0 * 3600.0;

impl Default for Kafka {
    fn default() -> Self {
        Self {
            brokers: 5,
            controllers: 5,
            topic: "lsst-alerts-v11".to_owned(),
            partitions: 45,
            replication_factor: 3,
            min_insync_replicas: 2,
            replica_lag_time_max_ms: 120_000,
            broker_session_timeout_ms: 9_000,
            leader_imbalance_check_interval_s: 300.0,
            broker_bandwidth_mbps: 10_000.0,
            produce_latency_ms: Distribution::Lognormal {
                mean: 5.0,
                std_dev: 2.0,
                min: Some(1.0),
                max: Some(100.0),
            },
            delivery_timeout_ms: 1200,
            linger_ms: 5,
            batch_size_bytes: 2 * 1024 * 1024,
            message_max_bytes: 10 * 1024 * 1024,
            producer_message_max_bytes: 1_000_000,
            compression_ratio: 0.9,
            retention_s: SEVEN_DAYS_S,
            retention_bytes: None,
            offsets_retention_s: SEVEN_DAYS_S,
            broker_disk_bytes: 35 << 40,
        }
    }
}

impl Kafka {
    /// The largest alert that can be delivered: the smaller of the
    /// producer's and the broker's limits.
    pub fn largest_deliverable_alert_bytes(&self) -> u64 {
        self.producer_message_max_bytes.min(self.message_max_bytes)
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least("kafka.brokers", u64::from(self.brokers), 1);
        c.at_least("kafka.controllers", u64::from(self.controllers), 1);
        c.not_empty("kafka.topic", &self.topic);
        c.at_least("kafka.partitions", u64::from(self.partitions), 1);
        c.at_least(
            "kafka.replication_factor",
            u64::from(self.replication_factor),
            1,
        );
        if self.replication_factor > self.brokers {
            c.fail(
                "kafka.replication_factor",
                format!(
                    "replication factor {} needs at least as many brokers, got {}",
                    self.replication_factor, self.brokers
                ),
                &format!("at most brokers ({})", self.brokers),
            );
        }
        c.at_least(
            "kafka.min_insync_replicas",
            u64::from(self.min_insync_replicas),
            1,
        );
        if self.min_insync_replicas > self.replication_factor {
            c.fail(
                "kafka.min_insync_replicas",
                format!(
                    "min.insync.replicas {} can never be met with replication factor {}",
                    self.min_insync_replicas, self.replication_factor
                ),
                &format!("at most replication_factor ({})", self.replication_factor),
            );
        }
        c.at_least(
            "kafka.replica_lag_time_max_ms",
            self.replica_lag_time_max_ms,
            1,
        );
        c.at_least(
            "kafka.broker_session_timeout_ms",
            self.broker_session_timeout_ms,
            1,
        );
        c.non_negative(
            "kafka.leader_imbalance_check_interval_s",
            self.leader_imbalance_check_interval_s,
        );
        c.positive("kafka.broker_bandwidth_mbps", self.broker_bandwidth_mbps);
        self.produce_latency_ms
            .check(c, "kafka.produce_latency_ms", Domain::NonNegative);
        c.at_least("kafka.delivery_timeout_ms", self.delivery_timeout_ms, 1);
        c.positive("kafka.retention_s", self.retention_s);
        if let Some(bytes) = self.retention_bytes
            && bytes < 1
        {
            c.fail(
                "kafka.retention_bytes",
                format!("must be at least 1, got {bytes}"),
                "an integer >= 1 (leave the key out for no size limit, Kafka's -1)",
            );
        }
        c.positive("kafka.offsets_retention_s", self.offsets_retention_s);
        c.at_least("kafka.broker_disk_bytes", self.broker_disk_bytes, 1);
        c.at_least("kafka.batch_size_bytes", self.batch_size_bytes, 1);
        c.at_least("kafka.message_max_bytes", self.message_max_bytes, 1);
        // librdkafka refuses a producer configured below 1,000 bytes.
        c.at_least(
            "kafka.producer_message_max_bytes",
            self.producer_message_max_bytes,
            1000,
        );
        c.positive("kafka.compression_ratio", self.compression_ratio);
    }
}
