//! The scenario's faults done for real, each at its scenario time: the
//! local broker stopped and restarted (broker outage, network partition,
//! Kafka redeploy), Redis paused with `CLIENT PAUSE` (outage) or flushed
//! and paused (restart empty), the local registry stopped, busy worker
//! Jobs killed mid-detector, the scaler held (KEDA operator restart), the
//! Jobs deleted as KEDA 2.16's rollout does (spec change), the stream
//! trimmed, a reader away (`consumer_offline`, done by the consumer
//! itself). With a local Apache Kafka cluster (`--engine kafka`) the broker
//! faults are done to its brokers instead (`cluster_faults`), and so is a
//! stalled broker (SIGSTOP, `broker_stall`), which the single in-process
//! broker cannot do (it holds every replica: no follower to stall), and a
//! slow broker and a network partition (Toxiproxy toxics in front of its
//! brokers, `proxy_faults`), and full disks (its brokers' data directories
//! on size-limited tmpfs mounts, filled: `disk_full`; mounting needs
//! root). Faults that cannot be done to real services here (a slow broker
//! or a full disk without that cluster, node loss, slow pod start-up) are
//! skipped and listed as such; so are
//! broker and registry faults against services this process did not start.

use std::sync::Arc;

use alertsim_drivers::jobs::AnyRuntime;
use alertsim_drivers::jobs::JobRuntime;
use alertsim_scenarios::sections::faults::{Fault, Stall};
use serde::Serialize;

use super::services::Services;
use super::state::RunState;

/// What became of one fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRun {
    /// The fault's kind.
    pub kind: String,
    /// Start, scenario seconds.
    pub at_s: f64,
    /// End, scenario seconds.
    pub end_s: f64,
    /// Whether it was done for real.
    pub applied: bool,
    /// What was done, or why not.
    pub note: String,
}

/// How a fault is carried out.
enum Action {
    StopBroker,
    PauseRedis {
        flush: bool,
    },
    StopRegistry,
    KillWorkers(u32),
    HoldScaler,
    Rollout,
    Trim(u64),
    /// Done by the consumer itself (`consumers`): here it is only waited
    /// out and reported.
    ReaderAway,
    Skip(&'static str),
}

fn action(fault: &Fault) -> Action {
    match fault {
        Fault::BrokerOutage { .. }
        | Fault::NetworkPartition { .. }
        | Fault::KafkaRedeploy { .. } => Action::StopBroker,
        Fault::RedisOutage { .. } => Action::PauseRedis { flush: false },
        Fault::RedisRestartEmpty { .. } => Action::PauseRedis { flush: true },
        // A rebuild with Rubin's deterministic ids serves the same ids: for
        // the producers and consumers it is an outage of the same length.
        Fault::RegistryOutage { .. } | Fault::RegistryRebuilt { .. } => Action::StopRegistry,
        Fault::WorkerCrash { pods, .. } => Action::KillWorkers(*pods),
        Fault::KedaOperatorRestart { .. } => Action::HoldScaler,
        Fault::ScaledJobSpecChange { .. } => Action::Rollout,
        Fault::StreamTrim { maxlen, .. } => Action::Trim(*maxlen),
        Fault::BrokerSlow { .. } => Action::Skip(
            "needs the local Apache Kafka cluster (--engine kafka), whose brokers' client \
             listeners are then put behind Toxiproxy (latency and bandwidth toxics); the \
             in-process broker has no proxy in front of it",
        ),
        Fault::BrokerDiskFull { .. } => Action::Skip(
            "needs the local Apache Kafka cluster (--engine kafka), whose brokers' data \
             directories are then size-limited tmpfs mounts that can be filled; the in-process \
             broker keeps its log in memory",
        ),
        Fault::NodeLoss { .. } => Action::Skip("local Jobs have no nodes"),
        Fault::PartitionLeadershipLost { .. } => {
            Action::Skip("one embedded broker leads every partition: no leadership to lose")
        }
        Fault::SlowPodStartup { .. } => Action::Skip("local Jobs start after a fixed delay"),
        Fault::ConsumerOffline { .. } => Action::ReaderAway,
        Fault::RegistrySync { .. } => Action::Skip(
            "not carried out by the load generator yet: the drivers' sync job could delete the \
             registry's subjects and re-import them, but no load action runs it and the load's \
             consumers do not fetch schemas by id from the registry; the simulator models the \
             window",
        ),
        Fault::BrokerStalled {
            stall: Stall::Follower,
            ..
        } => Action::Skip(
            "a follower whose fetches stall while it heartbeats to the controller needs its \
             replication listener slowed alone (a proxy on the brokers' internal listener), \
             which the local cluster does not have; `stall = \"process\"` (SIGSTOP) is done for \
             real with --engine kafka; the simulator models both",
        ),
        Fault::BrokerStalled {
            stall: Stall::Process,
            ..
        } => Action::Skip(
            "needs the local Apache Kafka cluster (--engine kafka): the embedded broker is one \
             process holding every replica (no follower to stall); the simulator models it",
        ),
    }
}

/// Runs every fault of the scenario at its time; returns what was done.
pub async fn run_faults(
    state: Arc<RunState>,
    services: Arc<Services>,
    runtime: Arc<AnyRuntime>,
) -> Vec<FaultRun> {
    let mut faults: Vec<Fault> = state.scenario.faults.clone();
    faults.sort_by(|a, b| a.window_s().0.total_cmp(&b.window_s().0));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, fault) in faults.into_iter().enumerate() {
        let (state, services, runtime) = (state.clone(), services.clone(), runtime.clone());
        tasks.spawn(async move { (i, run_fault(&state, &services, &runtime, &fault).await) });
    }
    let mut done = Vec::new();
    while let Some(Ok(run)) = tasks.join_next().await {
        done.push(run);
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

async fn run_fault(
    state: &RunState,
    services: &Services,
    runtime: &AnyRuntime,
    fault: &Fault,
) -> FaultRun {
    let (at_s, end_s) = fault.window_s();
    let mut run = FaultRun {
        kind: fault.kind().to_owned(),
        at_s,
        end_s,
        applied: false,
        note: String::new(),
    };
    tokio::select! {
        () = state.clock.sleep_until(at_s) => {}
        () = state.stopped() => {
            run.note = "the run ended first".into();
            return run;
        }
    }
    // A redeploy's brokers are back once its Kafka step is done (the
    // consumers wait for the ingress themselves, `consumers`).
    let back_s = fault
        .redeploy_milestones_s()
        .map_or(end_s, |(kafka, _)| at_s + kafka);
    let until_end = async {
        tokio::select! {
            () = state.clock.sleep_until(back_s) => {}
            () = state.stopped() => {}
        }
    };
    let result: Result<String, String> = if super::cluster_faults::handles(services, fault) {
        super::cluster_faults::run(state, services, fault, until_end).await
    } else {
        run_action(state, services, runtime, fault, until_end).await
    };
    match result {
        Ok(note) => {
            run.applied = true;
            run.note = note;
        }
        Err(note) => {
            tracing::warn!(fault = fault.kind(), %note, "fault not applied");
            run.note = note;
        }
    }
    run
}

/// Does a fault to the in-process services, Redis, the Jobs or the scaler.
async fn run_action(
    state: &RunState,
    services: &Services,
    runtime: &AnyRuntime,
    fault: &Fault,
    until_end: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    let (at_s, end_s) = fault.window_s();
    match action(fault) {
        Action::StopBroker => {
            if services.stop_broker().await {
                until_end.await;
                services
                    .restart_broker()
                    .await
                    .map(|()| broker_note(fault))
                    .map_err(|e| e.to_string())
            } else {
                Err("the broker is external (--kafka): it cannot be stopped from here".into())
            }
        }
        Action::PauseRedis { flush } => pause_redis(state, end_s - at_s, flush).await,
        Action::StopRegistry => {
            if services.stop_registry().await {
                until_end.await;
                services
                    .restart_registry()
                    .await
                    .map(|()| "in-process registry stopped, then restarted".into())
                    .map_err(|e| e.to_string())
            } else {
                Err("the registry is external (--registry): it cannot be stopped from here".into())
            }
        }
        Action::KillWorkers(pods) => {
            let busy = state.busy_jobs();
            let killed = busy.len().min(pods as usize);
            if killed == 0 {
                // Nothing crashed: the fault did not happen, whatever it asked.
                return Err("no worker was busy at the fault's time: none crashed".into());
            }
            for name in busy.into_iter().take(killed) {
                state.crash(&name);
            }
            Ok(format!("{killed} busy worker Jobs crashed mid-detector"))
        }
        Action::HoldScaler => {
            state.pause_scaler_until(end_s);
            Ok("scaler held".into())
        }
        Action::Rollout => match runtime.delete_unfinished().await {
            Ok(deleted) => Ok(format!(
                "{} unfinished Jobs deleted (rollout)",
                deleted.len()
            )),
            Err(e) => Err(e.to_string()),
        },
        Action::Trim(maxlen) => trim(state, maxlen).await,
        Action::ReaderAway => {
            until_end.await;
            Ok(reader_away_note(state, fault))
        }
        Action::Skip(why) => Err(why.into()),
    }
}

/// What stopping the in-process broker did for `fault`.
fn broker_note(fault: &Fault) -> String {
    match fault {
        Fault::KafkaRedeploy { data_lost, .. } => format!(
            "in-process broker stopped, then restarted when the Kafka step was done; the consumers \
             read nothing until the ingress step; the registry was left up (Rubin's producer \
             computes its schema ids; the simulator models its rebuild){}",
            if *data_lost {
                "; could not: delete the broker's volumes (data_lost), the simulator models it"
            } else {
                ""
            }
        ),
        _ => "in-process broker stopped, then restarted".into(),
    }
}

/// What a `consumer_offline` fault did, and what of it a load run cannot.
fn reader_away_note(state: &RunState, fault: &Fault) -> String {
    let Fault::ConsumerOffline { consumer, .. } = fault else {
        return String::new();
    };
    let kafka = &state.scenario.kafka;
    let (_, end_s) = fault.window_s();
    let reset = state
        .scenario
        .consumers
        .iter()
        .find(|c| &c.name == consumer)
        .map_or("latest", |c| c.auto_offset_reset.as_str());
    format!(
        "consumer {consumer} read nothing until {end_s} s, then caught up from its own offsets; \
         could not: the topic's retention ({} s) and the offsets' ({} s) do not expire within a \
         load run, so auto.offset.reset ({reset}) never applies (the simulator models both)",
        kafka.retention_s, kafka.offsets_retention_s
    )
}

async fn admin(state: &RunState) -> Result<redis::aio::MultiplexedConnection, String> {
    super::redis_link::connect(&state.endpoints.redis)
        .await
        .map_err(|e| e.to_string())
}

/// `CLIENT PAUSE` for the fault's length (all commands), after deleting
/// the run's stream and group when Redis comes back empty.
async fn pause_redis(state: &RunState, duration_s: f64, flush: bool) -> Result<String, String> {
    let mut conn = admin(state).await?;
    // Only the run's own stream and group are lost: a run against a
    // shared Redis must not wipe anything else.
    let lost = if flush {
        Some(super::unread_entries::delete_stream(&mut conn, state).await?)
    } else {
        None
    };
    let ms = u64::try_from(state.clock.wall(duration_s).as_millis()).unwrap_or(u64::MAX);
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(ms)
        .arg("ALL")
        .query_async::<()>(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(match lost {
        Some(waiting) => format!(
            "the run's stream and group deleted ({waiting} waiting entries with them: failed detectors), then CLIENT PAUSE {ms} ms ALL"
        ),
        None => format!("CLIENT PAUSE {ms} ms ALL"),
    })
}

async fn trim(state: &RunState, maxlen: u64) -> Result<String, String> {
    let mut conn = admin(state).await?;
    let unread = super::unread_entries::trim_stream(&mut conn, state, maxlen).await?;
    Ok(format!(
        "XTRIM MAXLEN {maxlen}: {unread} entries removed before any worker read them (failed detectors)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stalled_broker_without_a_cluster_is_skipped_saying_why() {
        let stalled = Fault::BrokerStalled {
            at_s: 1.0,
            duration_s: 90.0,
            broker: 0,
            stall: Stall::Process,
        };
        assert!(matches!(
            action(&stalled),
            Action::Skip(why) if why.contains("--engine kafka") && why.contains("no follower to stall")
        ));
        let follower = Fault::BrokerStalled {
            at_s: 1.0,
            duration_s: 90.0,
            broker: 0,
            stall: Stall::Follower,
        };
        assert!(matches!(
            action(&follower),
            Action::Skip(why) if why.contains("replication listener")
        ));
    }
}
