//! Expands a scenario's `[chaos]` into plain faults: a Poisson process at
//! `faults_per_hour` over the night, kinds drawn uniformly, all from the
//! scenario's seed (the `faults` random stream), so the same scenario and
//! seed always give the same schedule.

use std::borrow::Cow;

use alertsim_scenarios::{ChaosKind, Fault, Scenario};

use crate::rng::{Stream, stream, unit};

/// The scenario with its chaos faults appended to `faults` (borrowed
/// unchanged when chaos is off).
pub fn with_chaos(scenario: &Scenario) -> Cow<'_, Scenario> {
    let extra = chaos_faults(scenario);
    if extra.is_empty() {
        return Cow::Borrowed(scenario);
    }
    let mut expanded = scenario.clone();
    expanded.faults.extend(extra);
    Cow::Owned(expanded)
}

/// The faults `[chaos]` draws for this scenario, in time order.
pub fn chaos_faults(scenario: &Scenario) -> Vec<Fault> {
    let chaos = &scenario.chaos;
    let per_s = chaos.faults_per_hour / 3600.0;
    let horizon_s = f64::from(scenario.night.visits) * scenario.night.visit_interval_s;
    if !per_s.is_finite() || per_s <= 0.0 || chaos.kinds.is_empty() || !horizon_s.is_finite() {
        return Vec::new();
    }
    let mut rng = stream(scenario.seed, Stream::Faults);
    let mut faults = Vec::new();
    let mut at_s = 0.0;
    loop {
        // Exponential gap: -ln(U) / rate, with U in (0, 1].
        at_s += -(1.0 - unit(&mut rng)).ln() / per_s;
        if at_s >= horizon_s {
            break;
        }
        let pick = (unit(&mut rng) * chaos.kinds.len() as f64) as usize;
        let Some(&kind) = chaos.kinds.get(pick.min(chaos.kinds.len() - 1)) else {
            break;
        };
        faults.push(fault_of(kind, at_s, chaos.duration_s, scenario));
    }
    faults
}

fn fault_of(kind: ChaosKind, at_s: f64, duration_s: f64, s: &Scenario) -> Fault {
    match kind {
        ChaosKind::BrokerOutage => Fault::BrokerOutage {
            at_s,
            duration_s,
            brokers: s.kafka.brokers,
        },
        ChaosKind::RedisOutage => Fault::RedisOutage { at_s, duration_s },
        ChaosKind::NodeLoss => Fault::NodeLoss {
            at_s,
            duration_s,
            nodes: 1,
        },
        ChaosKind::WorkerCrash => Fault::WorkerCrash { at_s, pods: 1 },
        ChaosKind::BrokerSlow => Fault::BrokerSlow {
            at_s,
            duration_s,
            added_latency_ms: 50.0,
            bandwidth_factor: 0.1,
        },
        ChaosKind::KedaOperatorRestart => Fault::KedaOperatorRestart { at_s, duration_s },
        ChaosKind::NetworkPartition => Fault::NetworkPartition { at_s, duration_s },
    }
}
