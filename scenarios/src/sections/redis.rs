//! `[redis]`: the stream the fan-out writes to and the consumer group the
//! workers read from, the latency of a command, and Redis as a resource:
//! its CPU limit, what each command costs and how fast an idle worker
//! polls (the simulator's Redis CPU model; a load run meets the real Redis).

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
    /// CPUs Redis may use (default 1: the phalanx `prompt-redis` limit).
    pub cpu_limit: f64,
    /// CPU microseconds one command costs on one CPU (defaults measured
    /// with `scripts/redis-costs.sh`).
    pub cost_us: CommandCosts,
    /// Client-side time of one idle worker's poll loop (PING and
    /// `XREADGROUP`) not spent in Redis, milliseconds (default 0.2:
    /// estimate).
    pub idle_poll_think_ms: f64,
}

/// CPU microseconds of one call of each command the model uses, on one
/// CPU, reading the request and writing the reply included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandCosts {
    /// `PING`.
    pub ping: f64,
    /// `XREADGROUP COUNT 1` on a stream with nothing new (an idle worker).
    pub xreadgroup_empty: f64,
    /// `XREADGROUP COUNT 1` that returns an entry.
    pub xreadgroup_entry: f64,
    /// `XADD` of one detector event.
    pub xadd: f64,
    /// `XACK` of one entry.
    pub xack: f64,
    /// `XINFO GROUPS` (KEDA's lag).
    pub xinfo_groups: f64,
    /// `XPENDING` summary (KEDA with `lag_count = 0`).
    pub xpending: f64,
    /// `XAUTOCLAIM ... COUNT 1`.
    pub xautoclaim: f64,
    /// `INFO server` (KEDA's version check, every poll).
    pub info: f64,
}

impl Default for CommandCosts {
    fn default() -> Self {
        // scripts/redis-costs.sh 200000 50, the median of three runs: the
        // server process's CPU (utime + stime) per call; see SCENARIO.md.
        Self {
            ping: 8.55,
            xreadgroup_empty: 7.95,
            xreadgroup_entry: 14.95,
            xadd: 10.70,
            xack: 8.94,
            xinfo_groups: 8.50,
            xpending: 10.40,
            xautoclaim: 13.65,
            info: 9.30,
        }
    }
}

impl CommandCosts {
    /// Each cost with its key under `redis.cost_us`.
    pub fn named(&self) -> [(&'static str, f64); 9] {
        [
            ("ping", self.ping),
            ("xreadgroup_empty", self.xreadgroup_empty),
            ("xreadgroup_entry", self.xreadgroup_entry),
            ("xadd", self.xadd),
            ("xack", self.xack),
            ("xinfo_groups", self.xinfo_groups),
            ("xpending", self.xpending),
            ("xautoclaim", self.xautoclaim),
            ("info", self.info),
        ]
    }
}

/// Most CPUs `redis.cpu_limit` may give (a bound on the model, not a
/// production figure: Redis runs commands on one thread).
pub const MAX_CPU_LIMIT: f64 = 1024.0;

/// Most microseconds one command may cost (one second).
pub const MAX_COST_US: f64 = 1_000_000.0;

impl Default for Redis {
    fn default() -> Self {
        Self {
            stream: "instrument:lsstcam".to_owned(),
            group: "lsstcam_consumer_group".to_owned(),
            command_latency_ms: Distribution::constant(0.5),
            trim_maxlen: Some(1000),
            cpu_limit: 1.0,
            cost_us: CommandCosts::default(),
            idle_poll_think_ms: 0.2,
        }
    }
}

impl Redis {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.not_empty("redis.stream", &self.stream);
        c.not_empty("redis.group", &self.group);
        self.command_latency_ms
            .check(c, "redis.command_latency_ms", Domain::NonNegative);
        if !(self.cpu_limit.is_finite() && self.cpu_limit > 0.0 && self.cpu_limit <= MAX_CPU_LIMIT)
        {
            c.fail(
                "redis.cpu_limit",
                format!(
                    "must be a number > 0 and at most {MAX_CPU_LIMIT}, got {}",
                    self.cpu_limit
                ),
                &format!("a number in (0, {MAX_CPU_LIMIT}]"),
            );
        }
        for (name, cost) in self.cost_us.named() {
            if !(cost.is_finite() && (0.0..=MAX_COST_US).contains(&cost)) {
                c.fail(
                    &format!("redis.cost_us.{name}"),
                    format!("must be a number in [0, {MAX_COST_US}], got {cost}"),
                    &format!("microseconds in [0, {MAX_COST_US}]"),
                );
            }
        }
        c.non_negative("redis.idle_poll_think_ms", self.idle_poll_think_ms);
    }
}
