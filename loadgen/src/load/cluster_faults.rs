//! The broker faults done to a local Apache Kafka cluster (`alertsim load
//! --engine kafka`): `broker_outage` SIGKILLs (or SIGSTOPs, with
//! `--broker-down stop`) that many brokers and restarts (or SIGCONTs) them
//! after the duration, all of them when the scenario's whole cluster goes
//! down; `kafka_redeploy` kills every broker until its Kafka step is done;
//! `partition_leadership_lost` kills the leaders of partitions chosen from
//! the seed (at most brokers − min ISR of them, so writes stay possible)
//! and the controller elects new ones; `broker_stalled` SIGSTOPs one
//! broker chosen from the seed and SIGCONTs it after the duration
//! (`broker_stall`, which times the fencing, the ISR shrink and the
//! leaders moving); `broker_slow` and `network_partition` are done by
//! toxics on the proxies in front of the brokers (`proxy_faults`);
//! `broker_disk_full` fills the brokers' size-limited disks (`disk_full`).
//! While a broker is down the topic's metadata is polled, and the note
//! says what was done and what was seen: when no partition was led by a
//! downed broker any more (the election), the smallest ISR, and how long
//! the restarted brokers took to be listed.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alertsim_scenarios::sections::faults::{Fault, Stall};
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::services::{BrokerDown, Services};
use super::state::RunState;
use crate::kafka_cluster::{KafkaCluster, partition_state};

/// How often the topic's leaders and ISRs are read during a fault.
const POLL: Duration = Duration::from_millis(500);

/// The run's cluster, shared with its services.
pub(super) type Shared = Arc<Mutex<KafkaCluster>>;

/// Whether this fault is done to the local cluster (there is one, and the
/// fault is one of its kinds).
pub fn handles(services: &Services, fault: &Fault) -> bool {
    services.cluster().is_some()
        && matches!(
            fault,
            Fault::BrokerOutage { .. }
                | Fault::KafkaRedeploy { .. }
                | Fault::PartitionLeadershipLost { .. }
                | Fault::BrokerStalled {
                    stall: Stall::Process,
                    ..
                }
                | Fault::BrokerSlow { .. }
                | Fault::NetworkPartition { .. }
                | Fault::BrokerDiskFull { .. }
        )
}

/// Runs `f` on the cluster on a blocking thread.
pub(super) async fn blocking<T: Send + 'static>(
    cluster: &Shared,
    f: impl FnOnce(&mut KafkaCluster) -> T + Send + 'static,
) -> Result<T, String> {
    let cluster = cluster.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = cluster
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Does `fault` to the cluster; `until_end` resolves at the fault's end.
pub async fn run(
    state: &RunState,
    services: &Services,
    fault: &Fault,
    until_end: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    let cluster = services.cluster().ok_or("no local Kafka cluster")?;
    if let Fault::BrokerStalled { broker, .. } = *fault {
        return super::broker_stall::run(state, &cluster, broker, until_end).await;
    }
    if super::proxy_faults::needs_proxies(fault) {
        return super::proxy_faults::run(state, &cluster, fault, until_end).await;
    }
    if let Fault::BrokerDiskFull { .. } = fault {
        return super::disk_full::run(&cluster, until_end).await;
    }
    let ids = blocking(&cluster, |c| c.broker_ids()).await?;
    let how = services.broker_down();
    let (down, what) = match *fault {
        Fault::BrokerOutage { brokers, .. } => {
            let whole = brokers >= state.scenario.kafka.brokers;
            let n = if whole {
                ids.len()
            } else {
                usize::try_from(brokers)
                    .unwrap_or(usize::MAX)
                    .min(ids.len())
            };
            let what = if whole {
                format!(
                    "all {} brokers (the scenario's {brokers} of {})",
                    ids.len(),
                    state.scenario.kafka.brokers
                )
            } else {
                format!("{n} of {} brokers", ids.len())
            };
            (ids[..n].to_vec(), what)
        }
        Fault::KafkaRedeploy { .. } => (ids.clone(), format!("all {} brokers", ids.len())),
        Fault::PartitionLeadershipLost { partitions, .. } => {
            let (down, what) = leaders_to_stop(state, &services.kafka, partitions, ids.len())?;
            (down, what)
        }
        _ => return Err("not a broker fault".into()),
    };
    let how = if matches!(fault, Fault::KafkaRedeploy { .. }) {
        BrokerDown::Kill
    } else {
        how
    };
    let pids = blocking(&cluster, |c| {
        c.brokers()
            .into_iter()
            .map(|b| (b.id, b.pid))
            .collect::<Vec<_>>()
    })
    .await?;
    let started = Instant::now();
    let down_for_closure = down.clone();
    blocking(&cluster, move |c| {
        for id in &down_for_closure {
            match how {
                BrokerDown::Kill => c.kill_broker(*id).map(|()| true),
                BrokerDown::Stop => c.pause_broker(*id),
            }
            .map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(())
    })
    .await??;
    let seen = watch(&services.kafka, &state.endpoints.topic, &down, until_end).await;
    let held_s = started.elapsed().as_secs_f64();
    let back = Instant::now();
    let down_for_closure = down.clone();
    blocking(&cluster, move |c| match how {
        // Every killed broker started at once, then waited for together.
        BrokerDown::Kill => c.start_stopped_brokers().map_err(|e| e.to_string()),
        BrokerDown::Stop => {
            for id in &down_for_closure {
                c.resume_broker(*id).map_err(|e| e.to_string())?;
            }
            let all = c.broker_ids();
            c.wait_brokers(&all).map_err(|e| e.to_string())
        }
    })
    .await??;
    let back_s = back.elapsed().as_secs_f64();
    let named: Vec<String> = down
        .iter()
        .map(|id| {
            let pid = pids.iter().find(|(b, _)| b == id).and_then(|(_, p)| *p);
            format!("{id} (pid {})", pid.map_or("-".into(), |p| p.to_string()))
        })
        .collect();
    let (signal, undo) = match how {
        BrokerDown::Kill => ("SIGKILL", "restarted"),
        BrokerDown::Stop => ("SIGSTOP", "SIGCONT"),
    };
    Ok(format!(
        "Apache Kafka cluster: {what}: broker {} {signal} for {held_s:.1} s wall, then {undo}, \
         listed in metadata again {back_s:.1} s later; {seen}",
        named.join(", ")
    ))
}

/// The brokers leading `partitions` partitions chosen from the seed, at
/// most `brokers − min ISR` of them (the most-leading first).
fn leaders_to_stop(
    state: &RunState,
    bootstrap: &str,
    partitions: u32,
    brokers: usize,
) -> Result<(Vec<i32>, String), String> {
    let leaders = partition_state(bootstrap, &state.endpoints.topic).map_err(|e| e.to_string())?;
    let mut all: Vec<i32> = leaders.keys().copied().collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(state.scenario.seed ^ 0x6c65_6164);
    all.shuffle(&mut rng);
    let chosen: Vec<i32> = all
        .into_iter()
        .take(usize::try_from(partitions).unwrap_or(usize::MAX))
        .collect();
    let mut counts: Vec<(usize, i32)> = Vec::new();
    for p in &chosen {
        if let Some(l) = leaders.get(p).map(|s| s.leader).filter(|l| *l >= 0) {
            match counts.iter_mut().find(|(_, b)| *b == l) {
                Some((n, _)) => *n += 1,
                None => counts.push((1, l)),
            }
        }
    }
    counts.sort_by(|a, b| b.cmp(a));
    let min_isr = usize::try_from(state.scenario.kafka.min_insync_replicas)
        .unwrap_or(2)
        .max(1);
    let most = brokers.saturating_sub(min_isr).max(1);
    let down: Vec<i32> = counts.iter().take(most).map(|(_, b)| *b).collect();
    let hit: Vec<i32> = chosen
        .iter()
        .copied()
        .filter(|p| leaders.get(p).is_some_and(|s| down.contains(&s.leader)))
        .collect();
    Ok((
        down,
        format!(
            "partitions {chosen:?} chosen; the leaders of {hit:?} taken down \
             (at most {most} broker(s), so that min ISR {min_isr} stays possible)"
        ),
    ))
}

/// Polls the topic's metadata until `until_end`; says when no partition
/// was led by a downed broker any more, and the smallest ISR seen.
async fn watch(
    bootstrap: &str,
    topic: &str,
    down: &[i32],
    until_end: impl std::future::Future<Output = ()>,
) -> String {
    let started = Instant::now();
    let down: BTreeSet<i32> = down.iter().copied().collect();
    let mut elected_s: Option<f64> = None;
    let mut min_isr: Option<usize> = None;
    let mut leaderless_max = 0usize;
    tokio::pin!(until_end);
    loop {
        tokio::select! {
            () = &mut until_end => break,
            () = tokio::time::sleep(POLL) => {}
        }
        let (b, t) = (bootstrap.to_owned(), topic.to_owned());
        let Ok(Ok(state)) = tokio::task::spawn_blocking(move || partition_state(&b, &t)).await
        else {
            continue;
        };
        if state.is_empty() {
            continue;
        }
        let leaderless = state.values().filter(|s| s.leader < 0).count();
        leaderless_max = leaderless_max.max(leaderless);
        let on_downed = state.values().filter(|s| down.contains(&s.leader)).count();
        if elected_s.is_none() && on_downed == 0 && leaderless == 0 {
            elected_s = Some(started.elapsed().as_secs_f64());
        }
        let smallest = state.values().map(|s| s.isr.len()).min().unwrap_or(0);
        min_isr = Some(min_isr.map_or(smallest, |m| m.min(smallest)));
    }
    let election = match elected_s {
        Some(s) => format!("every partition led by a live broker {s:.1} s after the fault began"),
        None => "some partition stayed led by a downed broker (or leaderless) throughout".into(),
    };
    let isr = match min_isr {
        Some(n) => format!("smallest ISR seen {n}"),
        None => "metadata unanswered throughout".into(),
    };
    format!("{election}; {isr}; at most {leaderless_max} partitions without a leader")
}
