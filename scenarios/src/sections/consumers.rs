//! `[[consumers]]`: the community brokers reading the alert topic.

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// One community broker consuming the full stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    /// Name shown in reports.
    pub name: String,
    /// Alerts per second it can read and process (default 1,500, about
    /// 1 Gbit/s of 82 kB alerts).
    #[serde(default = "default_throughput")]
    pub throughput_alerts_per_s: f64,
    /// Latency of one fetch in milliseconds (default 500).
    #[serde(default = "default_fetch_latency")]
    pub fetch_latency_ms: f64,
    /// Delay before it starts reading, in seconds (default 0).
    #[serde(default)]
    pub start_delay_s: f64,
    /// Alert schema version it reads with (default: `schema_registry.start_version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_version: Option<String>,
    /// When it switches its reader schema, seconds from the start (with `reader_upgrade_to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_upgrade_at_s: Option<f64>,
    /// Version it switches its reader schema to at `reader_upgrade_at_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_upgrade_to: Option<String>,
    /// Where it starts reading when it has no committed offset (after
    /// being away longer than `kafka.offsets_retention_s`): Kafka's
    /// `auto.offset.reset`. Default `latest`, the default of librdkafka
    /// and of the Java client; what each community broker sets is not
    /// published (estimate).
    #[serde(default)]
    pub auto_offset_reset: OffsetReset,
    /// A client quota on its Kafka user, bytes per second it may fetch
    /// (`consumer_byte_rate`): the broker throttles it to this. Default
    /// none, as deployed (FACTS "Kafka as deployed": no client quotas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_bytes_per_s: Option<f64>,
    /// Whether its user is granted read access to a new topic a schema
    /// change cuts over to (`schema_changes[].new_topic`; default true).
    /// Without it, it reads nothing written there.
    #[serde(default = "granted", skip_serializing_if = "is_granted")]
    pub new_topic_granted: bool,
    /// Seconds after a cutover until its access is granted (default 0, an
    /// estimate: the grants ship with the cutover). It then subscribes
    /// with no committed offset there, so its `auto_offset_reset` decides
    /// whether it reads what was written before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub new_topic_grant_delay_s: f64,
}

fn granted() -> bool {
    true
}

fn is_granted(granted: &bool) -> bool {
    *granted
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Consumer {
    /// A consumer named `name` reading `throughput_alerts_per_s`, every
    /// other setting at its default (as a `[[consumers]]` entry with only
    /// those two keys reads).
    pub fn new(name: &str, throughput_alerts_per_s: f64) -> Self {
        Consumer {
            name: name.to_owned(),
            throughput_alerts_per_s,
            fetch_latency_ms: default_fetch_latency(),
            start_delay_s: 0.0,
            reader_version: None,
            reader_upgrade_at_s: None,
            reader_upgrade_to: None,
            auto_offset_reset: OffsetReset::Latest,
            quota_bytes_per_s: None,
            new_topic_granted: true,
            new_topic_grant_delay_s: 0.0,
        }
    }
}

/// `auto.offset.reset`: where a reader without a committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// At the end of the log: what was written while it was away is
    /// skipped.
    #[default]
    Latest,
    /// At the start of the log: it reads everything the topic still
    /// retains.
    Earliest,
}

impl OffsetReset {
    /// The value as Kafka's clients spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Latest => "latest",
            Self::Earliest => "earliest",
        }
    }
}

/// The nine community brokers that read the alert topic with their own
/// Kafka users, by those users' names (FACTS, "Readers of the topic";
/// phalanx sasquatch values for usdfprod-prompt-processing).
pub const COMMUNITY_BROKERS: [&str; 9] = [
    "alerce",
    "ampel",
    "antares",
    "babamul",
    "fink",
    "lasair",
    "pittgoogle",
    "poi",
    "snaps",
];

/// The default consumers: the nine community brokers, with throughputs
/// from 2,000 to 10,000 alerts/s in the order above. The rates are an
/// estimate: no broker's read rate is published, so they spread the range
/// a 1 to 10 Gbit/s reader of 82 kB alerts could sustain.
pub fn default_consumers() -> Vec<Consumer> {
    (1..=9u32)
        .zip(COMMUNITY_BROKERS)
        .map(|(i, name)| Consumer::new(name, f64::from(1000 + 1000 * i)))
        .collect()
}

fn default_throughput() -> f64 {
    1500.0
}

fn default_fetch_latency() -> f64 {
    500.0
}

pub(crate) fn check(consumers: &[Consumer], c: &mut Checker) {
    for (i, consumer) in consumers.iter().enumerate() {
        c.not_empty(&format!("consumers.{i}.name"), &consumer.name);
        c.positive(
            &format!("consumers.{i}.throughput_alerts_per_s"),
            consumer.throughput_alerts_per_s,
        );
        c.non_negative(
            &format!("consumers.{i}.start_delay_s"),
            consumer.start_delay_s,
        );
        c.non_negative(
            &format!("consumers.{i}.new_topic_grant_delay_s"),
            consumer.new_topic_grant_delay_s,
        );
        if let Some(quota) = consumer.quota_bytes_per_s {
            c.positive(&format!("consumers.{i}.quota_bytes_per_s"), quota);
        }
        if consumers[..i].iter().any(|o| o.name == consumer.name) {
            c.fail(
                &format!("consumers.{i}.name"),
                format!("duplicate consumer name `{}`", consumer.name),
                "a name not used by another consumer",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_reads_as_an_entry_with_only_a_name_and_a_rate() {
        let written: Consumer =
            toml::from_str("name = \"fink\"\nthroughput_alerts_per_s = 2000\n").expect("parses");
        assert_eq!(Consumer::new("fink", 2000.0), written);
    }
}
