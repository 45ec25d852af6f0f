//! The scenario's faults: when each begins and ends, and which model
//! carries out its beginning and its end. Each fault is owned by the model
//! it acts on; here is only the table from fault to operation. Faults of an
//! instant (`worker_crash`, `scaled_job_spec_change`, `stream_trim`) have
//! no end; a `kafka_redeploy` ends here when its Kafka step is done. Registry faults change nothing here: the registry's timeline is
//! fixed from the scenario (see `model::registry`), and the pods starting
//! and consumers fetching ids in a fault's window consult it. Nor does
//! `consumer_offline`: the readers' model (`model::readers`) is given its
//! windows when the run starts.

use alertsim_scenarios::Fault;

use super::{Engine, Event};
use crate::time::{SimDuration, SimTime};

/// Start and (for lasting faults) length of a fault, seconds.
fn fault_window(fault: &Fault) -> (f64, Option<f64>) {
    let (start, end) = fault.window_s();
    match fault {
        Fault::ScaledJobSpecChange { .. }
        | Fault::StreamTrim { .. }
        | Fault::WorkerCrash { .. } => (start, None),
        // The producer is back once Kafka is: the registry and the
        // ingress after it matter to the readers (`model::registry`,
        // `model::readers`), not to the producer.
        Fault::KafkaRedeploy { .. } => {
            (start, fault.redeploy_milestones_s().map(|(kafka, _)| kafka))
        }
        _ => (start, Some(end - start)),
    }
}

impl Engine<'_> {
    /// Schedules each fault's beginning and, for lasting faults, its end.
    pub(super) fn schedule_faults(&mut self) {
        for (i, fault) in self.s.faults.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let (at, duration) = fault_window(fault);
            self.queue
                .schedule(SimTime::from_secs_f64(at), Event::FaultBegins(i));
            if let Some(d) = duration {
                self.queue
                    .schedule(SimTime::from_secs_f64(at + d), Event::FaultEnds(i));
            }
        }
    }

    /// The scenario's fault number `i` begins.
    pub(super) fn fault_begins(&mut self, now: SimTime, i: u32) {
        let Some(fault) = self.s.faults.get(i as usize).cloned() else {
            return;
        };
        match fault {
            Fault::BrokerOutage { brokers, .. } => self.publishing.brokers_lost(i, brokers),
            Fault::KafkaRedeploy { .. } => self.publishing.cluster_lost(i),
            Fault::BrokerStalled {
                broker,
                duration_s,
                stall,
                ..
            } => {
                let until = now + SimDuration::from_secs_f64(duration_s);
                self.publishing
                    .broker_stalls(i, (broker, stall), now, until);
            }
            Fault::BrokerSlow {
                added_latency_ms,
                bandwidth_factor,
                ..
            } => self
                .publishing
                .brokers_slow_down(added_latency_ms, bandwidth_factor),
            // A broker halts at its first write to a full disk (measured on
            // the local Kafka cluster: `alertsim_loadgen::load::disk_full`).
            Fault::BrokerDiskFull { .. } => self.publishing.cluster_lost(i),
            Fault::NetworkPartition { .. } => self.publishing.writes_blocked(),
            Fault::PartitionLeadershipLost {
                partitions,
                duration_s,
                ..
            } => {
                let until = now + SimDuration::from_secs_f64(duration_s);
                self.publishing.leaders_lost(i, partitions, until);
            }
            Fault::RedisOutage { .. } => self.redis_outage_begins(now),
            Fault::RedisRestartEmpty { .. } => self.redis_restart_empty_begins(now),
            Fault::StreamTrim { maxlen, .. } => self.stream_trimmed(maxlen),
            Fault::WorkerCrash { pods, .. } => self.workers_crash(now, pods),
            Fault::NodeLoss { nodes, .. } => self.nodes_lost(now, nodes),
            Fault::SlowPodStartup { factor, .. } => self.pods.startup_slows(factor),
            Fault::KedaOperatorRestart { .. } => self.keda.operator_leaves(),
            Fault::ScaledJobSpecChange { .. } => self.scaled_job_spec_changes(now),
            // The readers' model knows its windows from the start.
            Fault::RegistryOutage { .. }
            | Fault::RegistryRebuilt { .. }
            | Fault::RegistrySync { .. }
            | Fault::ConsumerOffline { .. } => {}
        }
    }

    /// The scenario's fault number `i` ends.
    pub(super) fn fault_ends(&mut self, now: SimTime, i: u32) {
        let Some(fault) = self.s.faults.get(i as usize).cloned() else {
            return;
        };
        match fault {
            Fault::BrokerOutage { brokers, .. } => self.publishing.brokers_back(i, brokers, now),
            Fault::KafkaRedeploy { .. } => self.publishing.cluster_back(i, now),
            Fault::BrokerStalled { broker, .. } => self.publishing.broker_resumes(i, broker),
            Fault::BrokerSlow {
                added_latency_ms,
                bandwidth_factor,
                ..
            } => self
                .publishing
                .brokers_speed_up(added_latency_ms, bandwidth_factor),
            Fault::BrokerDiskFull { .. } => self.publishing.cluster_back(i, now),
            Fault::NetworkPartition { .. } => self.publishing.writes_unblocked(),
            Fault::PartitionLeadershipLost { .. } => self.publishing.leaders_elected(i),
            Fault::RedisOutage { .. } | Fault::RedisRestartEmpty { .. } => {
                self.redis_outage_ends();
            }
            Fault::NodeLoss { nodes, .. } => self.nodes_restored(now, nodes),
            Fault::SlowPodStartup { factor, .. } => self.pods.startup_recovers(factor),
            Fault::KedaOperatorRestart { .. } => self.keda.operator_returns(),
            Fault::StreamTrim { .. }
            | Fault::WorkerCrash { .. }
            | Fault::ScaledJobSpecChange { .. }
            | Fault::RegistryOutage { .. }
            | Fault::RegistryRebuilt { .. }
            | Fault::RegistrySync { .. }
            | Fault::ConsumerOffline { .. } => {}
        }
    }
}
