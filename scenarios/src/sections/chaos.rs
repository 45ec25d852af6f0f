//! `[chaos]`: random faults at a mean rate. The simulator expands them into
//! a fixed list of faults from the scenario's seed, so a chaos run is as
//! reproducible as any other.

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// The fault kinds chaos draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChaosKind {
    /// Every broker down for `duration_s`.
    BrokerOutage,
    /// Redis unreachable for `duration_s`.
    RedisOutage,
    /// One node lost for `duration_s`.
    NodeLoss,
    /// One busy worker pod crashes.
    WorkerCrash,
    /// Brokers at a tenth of their bandwidth, +50 ms, for `duration_s`.
    BrokerSlow,
    /// The KEDA operator away for `duration_s`.
    KedaOperatorRestart,
    /// Workers cut off from Kafka for `duration_s`.
    NetworkPartition,
}

/// Random faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chaos {
    /// Mean faults per hour of night (a Poisson process); 0, the default,
    /// means no chaos.
    pub faults_per_hour: f64,
    /// Length of each lasting fault, seconds (default 60).
    pub duration_s: f64,
    /// Kinds drawn from, each equally likely (default: all of them).
    pub kinds: Vec<ChaosKind>,
}

impl Default for Chaos {
    fn default() -> Self {
        Self {
            faults_per_hour: 0.0,
            duration_s: 60.0,
            kinds: vec![
                ChaosKind::BrokerOutage,
                ChaosKind::RedisOutage,
                ChaosKind::NodeLoss,
                ChaosKind::WorkerCrash,
                ChaosKind::BrokerSlow,
                ChaosKind::KedaOperatorRestart,
                ChaosKind::NetworkPartition,
            ],
        }
    }
}

impl Chaos {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.non_negative("chaos.faults_per_hour", self.faults_per_hour);
        c.non_negative("chaos.duration_s", self.duration_s);
        if self.faults_per_hour > 0.0 && self.kinds.is_empty() {
            c.fail(
                "chaos.kinds",
                "chaos is on but has no kind to draw from",
                "at least one fault kind",
            );
        }
    }
}
