//! The faults done through the Toxiproxy proxies in front of a local
//! Apache Kafka cluster's client listeners (`alertsim load --engine
//! kafka`, which starts the proxies when the scenario has one of these):
//! `broker_slow` adds a latency toxic of `added_latency_ms` to every
//! broker's responses (one produce round trip that much slower) and, when
//! `bandwidth_factor` < 1, a bandwidth toxic of `bandwidth_factor` × the
//! scenario's `kafka.broker_bandwidth_mbps` each way (Toxiproxy limits
//! each connection on its own, not the broker's total); `network_partition`
//! adds timeout toxics that pass no data either way and close nothing (a
//! partition: connections hang, new ones open but answer nothing). Both
//! act on every broker, as the simulator's faults do, and are removed at
//! the fault's end. Replication and the controllers do not go through the
//! proxies: the brokers stay in sync with each other, only clients (the
//! producers and the readers) are slowed or cut.

use std::time::Instant;

use alertsim_scenarios::sections::faults::Fault;

use super::cluster_faults::{Shared, blocking};
use super::state::RunState;
use crate::kafka_cluster::proxy_name;
use crate::toxiproxy::client::ToxicKind;
use crate::toxiproxy::{Stream, TOXIPROXY_VERSION, Toxic, ToxiproxyClient};

/// Whether `fault` is done through the brokers' proxies.
pub fn needs_proxies(fault: &Fault) -> bool {
    matches!(
        fault,
        Fault::BrokerSlow { .. } | Fault::NetworkPartition { .. }
    )
}

/// KB/s (Toxiproxy's unit, 1000 bytes) in one megabit per second.
const KB_S_PER_MBPS: f64 = 125.0;

/// The toxics that do `fault`, with a description of them.
fn toxics(mbps: f64, fault: &Fault) -> Result<(Vec<Toxic>, String), String> {
    match *fault {
        Fault::BrokerSlow {
            added_latency_ms,
            bandwidth_factor,
            ..
        } => {
            let latency_ms = added_latency_ms.max(0.0).round() as u64;
            let mut toxics = vec![Toxic::new(
                "slow-latency",
                Stream::Downstream,
                ToxicKind::Latency {
                    latency_ms,
                    jitter_ms: 0,
                },
            )];
            let bandwidth = if bandwidth_factor < 1.0 {
                let rate_kb_s = (mbps * bandwidth_factor * KB_S_PER_MBPS).round().max(1.0) as u64;
                for (name, stream) in [
                    ("slow-bandwidth-up", Stream::Upstream),
                    ("slow-bandwidth-down", Stream::Downstream),
                ] {
                    toxics.push(Toxic::new(name, stream, ToxicKind::Bandwidth { rate_kb_s }));
                }
                format!(
                    "a bandwidth toxic of {rate_kb_s} KB/s each way on each connection \
                     ({bandwidth_factor} × kafka.broker_bandwidth_mbps {mbps}; Toxiproxy limits \
                     every connection on its own, so a broker with several clients passes more)"
                )
            } else {
                format!("no bandwidth toxic (bandwidth_factor {bandwidth_factor} does not slow)")
            };
            Ok((
                toxics,
                format!("a latency toxic of +{latency_ms} ms on every response and {bandwidth}"),
            ))
        }
        Fault::NetworkPartition { .. } => Ok((
            vec![
                Toxic::new(
                    "cut-up",
                    Stream::Upstream,
                    ToxicKind::Timeout { timeout_ms: 0 },
                ),
                Toxic::new(
                    "cut-down",
                    Stream::Downstream,
                    ToxicKind::Timeout { timeout_ms: 0 },
                ),
            ],
            "timeout toxics passing no data either way and closing nothing (connections hang, \
             new ones are accepted and answer nothing)"
                .into(),
        )),
        _ => Err("not a proxy fault".into()),
    }
}

/// Adds `toxics` to every proxy; on a failure removes what was added.
async fn add_all(
    client: &ToxiproxyClient,
    proxies: &[String],
    toxics: &[Toxic],
) -> Result<(), String> {
    for proxy in proxies {
        for toxic in toxics {
            if let Err(e) = client.add_toxic(proxy, toxic).await {
                remove_all(client, proxies, toxics).await;
                return Err(format!("adding toxic {} to proxy {proxy}: {e}", toxic.name));
            }
        }
    }
    Ok(())
}

/// Removes `toxics` from every proxy; returns the failures.
async fn remove_all(client: &ToxiproxyClient, proxies: &[String], toxics: &[Toxic]) -> Vec<String> {
    let mut failed = Vec::new();
    for proxy in proxies {
        for toxic in toxics {
            if let Err(e) = client.remove_toxic(proxy, &toxic.name).await {
                failed.push(format!("{proxy}/{}: {e}", toxic.name));
            }
        }
    }
    failed
}

/// Does `fault` through the proxies until `until_end`, then undoes it.
pub async fn run(
    state: &RunState,
    cluster: &Shared,
    fault: &Fault,
    until_end: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    let (client, ids) = blocking(cluster, |c| (c.toxiproxy(), c.broker_ids())).await?;
    let client = client
        .ok_or("the local Kafka cluster was started without proxies in front of its brokers")?;
    let (toxics, what) = toxics(state.scenario.kafka.broker_bandwidth_mbps, fault)?;
    let proxies: Vec<String> = ids.iter().map(|id| proxy_name(*id)).collect();
    let started = Instant::now();
    add_all(&client, &proxies, &toxics).await?;
    until_end.await;
    let held_s = started.elapsed().as_secs_f64();
    let failed = remove_all(&client, &proxies, &toxics).await;
    if !failed.is_empty() {
        return Err(format!(
            "toxics added for {held_s:.1} s wall but not all removed: {}",
            failed.join("; ")
        ));
    }
    let (at_s, end_s) = fault.window_s();
    let planned_s = state.clock.wall(end_s - at_s).as_secs_f64();
    let ended = if held_s < planned_s - 0.5 {
        format!(" (the run ended before the fault's {planned_s:.1} s)")
    } else {
        String::new()
    };
    Ok(format!(
        "Apache Kafka cluster: Toxiproxy {TOXIPROXY_VERSION} in front of the client listener of \
         brokers {ids:?} (proxies {}): {what}, for {held_s:.1} s wall{ended}, then removed; replication \
         and the controllers do not go through the proxies (not slowed or cut); producers and \
         readers both go through them",
        proxies.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slow_brokers_and_partitions_need_proxies() {
        let slow = Fault::BrokerSlow {
            at_s: 0.0,
            duration_s: 1.0,
            added_latency_ms: 50.0,
            bandwidth_factor: 0.5,
        };
        assert!(needs_proxies(&slow));
        assert!(needs_proxies(&Fault::NetworkPartition {
            at_s: 0.0,
            duration_s: 1.0
        }));
        assert!(!needs_proxies(&Fault::BrokerOutage {
            at_s: 0.0,
            duration_s: 1.0,
            brokers: 1
        }));
    }

    #[test]
    fn a_slow_broker_gets_latency_and_a_share_of_its_bandwidth() -> Result<(), String> {
        let slow = |bandwidth_factor| Fault::BrokerSlow {
            at_s: 0.0,
            duration_s: 1.0,
            added_latency_ms: 49.6,
            bandwidth_factor,
        };
        let (slowed, what) = toxics(80.0, &slow(0.5))?;
        assert_eq!(
            slowed.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [
                ToxicKind::Latency {
                    latency_ms: 50,
                    jitter_ms: 0
                },
                ToxicKind::Bandwidth { rate_kb_s: 5_000 },
                ToxicKind::Bandwidth { rate_kb_s: 5_000 },
            ]
        );
        assert!(what.contains("5000 KB/s"), "{what}");
        let (latency_only, what) = toxics(80.0, &slow(1.0))?;
        assert_eq!(latency_only.len(), 1);
        assert!(what.contains("no bandwidth toxic"), "{what}");
        let (cut, _) = toxics(
            80.0,
            &Fault::NetworkPartition {
                at_s: 0.0,
                duration_s: 1.0,
            },
        )?;
        assert!(
            cut.iter()
                .all(|t| t.kind == ToxicKind::Timeout { timeout_ms: 0 })
        );
        assert_eq!(cut.len(), 2);
        Ok(())
    }
}
