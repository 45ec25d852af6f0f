//! `[redis]`: the stream the fan-out writes to and the consumer group the
//! workers read from.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain};
use crate::validate::Checker;

/// The Redis stream and consumer group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Redis {
    /// Stream name (default `instrument:lsstcam`).
    pub stream: String,
    /// Consumer group (default `lsstcam_consumer_group`).
    pub group: String,
    /// Latency of one Redis command in milliseconds (default constant 0.5).
    pub command_latency_ms: Distribution,
    /// `XTRIM MAXLEN` applied once a day in production (default 1,000);
    /// `None` never trims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trim_maxlen: Option<u64>,
}

impl Default for Redis {
    fn default() -> Self {
        Self {
            stream: "instrument:lsstcam".to_owned(),
            group: "lsstcam_consumer_group".to_owned(),
            command_latency_ms: Distribution::constant(0.5),
            trim_maxlen: Some(1000),
        }
    }
}

impl Redis {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.not_empty("redis.stream", &self.stream);
        c.not_empty("redis.group", &self.group);
        self.command_latency_ms
            .check(c, "redis.command_latency_ms", Domain::NonNegative);
    }
}
