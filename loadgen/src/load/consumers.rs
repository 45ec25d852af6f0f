//! The community brokers of a load run: one independent rdkafka consumer
//! per scenario consumer, assigned every partition of the alert topic from
//! the beginning (no group membership: an overloaded broker's coordinator
//! cannot make a consumer rejoin and read everything again). Each alert is
//! attributed to its visit by the first bytes of its datum and its latency
//! is measured from the visit's readout. Messages produced before the run
//! started (an external topic's history) are skipped by their
//! `producer_timestamp` header. On a topic with LogAppendTime (the run
//! creates its own so) each read is also timed from the broker's append:
//! the latency budget's receipt stage. The first consumer also counts duplicates
//! (an alert id seen twice). At the end a consumer reads until it has seen
//! every alert the run delivered, then for a quiet second (alerts a
//! producer gave up on may still have been written); it gives up after
//! [`STALL`] without a message, and the alerts it never read count as lost
//! to it (report.json's `alerts.lost_to_readers`).
//!
//! A `consumer_offline` fault naming a consumer is done here (and a
//! `kafka_redeploy` for every consumer, until its ingress step): in its window
//! the consumer reads nothing, then it catches up from where it stopped (its
//! offsets are its own, in memory, as a committed offset would be). A load
//! run is far shorter than the topic's retention and the offsets'
//! (7 days), so neither expires here; the simulator models both.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use alertsim_core::alert::identity::message_identity;
use alertsim_drivers::publish::kafka::TIMESTAMP_HEADER;
use alertsim_scenarios::Fault;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{ClientConfig, Offset, Timestamp, TopicPartitionList};
use tokio::sync::watch;

use super::state::{Counters, RunState};

/// How long a finishing consumer waits for more once it has every
/// delivered alert.
pub const QUIET_AFTER_FINISH: Duration = Duration::from_secs(1);

/// How long a finishing consumer that still misses alerts waits for the
/// next message before it gives up.
pub const STALL: Duration = Duration::from_secs(30);

/// Why a consumer could not start.
#[derive(Debug, thiserror::Error)]
#[error("consumer {name}: {source}")]
pub struct ConsumerError {
    /// The scenario consumer's name.
    pub name: String,
    /// The client's error.
    pub source: rdkafka::error::KafkaError,
}

/// Creates consumer `index` of the scenario, assigned every partition of
/// the topic from the beginning.
pub fn assigned_consumer(
    state: &RunState,
    index: usize,
    run_id: &str,
) -> Result<StreamConsumer, ConsumerError> {
    let name = state
        .scenario
        .consumers
        .get(index)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let failed = |source| ConsumerError {
        name: name.clone(),
        source,
    };
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &state.endpoints.kafka)
        .set("group.id", format!("alertsim-load-{name}-{run_id}"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("fetch.message.max.bytes", "10485760")
        .create()
        .map_err(failed)?;
    let topic = state.endpoints.topic.as_str();
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(30))
        .map_err(failed)?;
    let mut partitions = TopicPartitionList::new();
    for t in metadata.topics().iter().filter(|t| t.name() == topic) {
        for p in t.partitions() {
            partitions
                .add_partition_offset(topic, p.id(), Offset::Beginning)
                .map_err(failed)?;
        }
    }
    consumer.assign(&partitions).map_err(failed)?;
    Ok(consumer)
}

/// Reads until `finish` carries the number of alerts the run delivered
/// and this consumer has read that many distinct ones (see the module
/// doc); returns the messages read.
pub async fn run_consumer(
    state: Arc<RunState>,
    index: usize,
    consumer: StreamConsumer,
    run_start_ms: i64,
    mut finish: watch::Receiver<Option<u64>>,
) -> u64 {
    let mut seen = HashSet::new();
    let mut read = 0u64;
    let away = away_windows(&state, index);
    loop {
        if let Some(&(_, back_s)) = away
            .iter()
            .find(|&&(from, until)| (from..until).contains(&state.clock.now_s()))
        {
            // The run winding down does not end an absence: the consumers
            // catch up after it. Only the user cutting the run short does.
            tokio::select! {
                () = state.clock.sleep_until(back_s) => {}
                () = state.interrupted() => break,
            }
            continue;
        }
        let target = *finish.borrow();
        let now_s = state.clock.now_s();
        let next_away_s = away
            .iter()
            .map(|&(from, _)| from)
            .filter(|&from| from > now_s)
            .fold(f64::INFINITY, f64::min);
        let message = match target {
            None => tokio::select! {
                m = consumer.recv() => m,
                _ = finish.changed() => continue,
                () = state.clock.sleep_until(next_away_s), if next_away_s.is_finite() => continue,
            },
            Some(delivered) => {
                let wait = if seen.len() as u64 >= delivered {
                    QUIET_AFTER_FINISH
                } else {
                    STALL
                };
                match tokio::time::timeout(wait, consumer.recv()).await {
                    Ok(m) => m,
                    Err(_) => {
                        if (seen.len() as u64) < delivered {
                            let never = delivered - seen.len() as u64;
                            state.recorder().alerts_lost_to_reader(index, never);
                            tracing::warn!(
                                consumer = index,
                                read = seen.len(),
                                delivered,
                                "consumer gave up before reading every delivered alert"
                            );
                        }
                        break;
                    }
                }
            }
        };
        match message {
            Ok(m) => {
                if record(&state, index, &m, run_start_ms, &mut seen) {
                    read += 1;
                }
            }
            Err(error) => tracing::debug!(%error, consumer = index, "consumer error"),
        }
    }
    read
}

/// The scenario-time windows of the `consumer_offline` faults naming
/// consumer `index`, and of every `kafka_redeploy` (readers are back with
/// the ingress).
fn away_windows(state: &RunState, index: usize) -> Vec<(f64, f64)> {
    let Some(name) = state.scenario.consumers.get(index).map(|c| &c.name) else {
        return Vec::new();
    };
    state
        .scenario
        .faults
        .iter()
        .filter(|f| match f {
            Fault::ConsumerOffline { consumer, .. } => consumer == name,
            // Readers come through the ingress, the redeploy's last step.
            Fault::KafkaRedeploy { .. } => true,
            _ => false,
        })
        .map(Fault::window_s)
        .collect()
}

/// Records one message; false when it is not this run's.
fn record(
    state: &RunState,
    index: usize,
    message: &BorrowedMessage<'_>,
    run_start_ms: i64,
    seen: &mut HashSet<i64>,
) -> bool {
    if produced_ms(message).is_some_and(|ms| ms < run_start_ms) {
        return false;
    }
    let Some(payload) = message.payload() else {
        return false;
    };
    let identity = match message_identity(payload) {
        Ok((_, identity)) => identity,
        Err(error) => {
            tracing::warn!(%error, consumer = index, "a message on the topic is not an alert");
            return false;
        }
    };
    let Some(visit) = state.plan.by_number(identity.visit) else {
        return false;
    };
    let owned = u32::try_from(identity.detector).is_ok_and(|d| state.plan.shard().owns(d));
    if !owned {
        return false;
    }
    let now_s = state.clock.now_s();
    let mut recorder = state.recorder();
    recorder.alert_received(index, now_s - visit.readout_end_s);
    if let Timestamp::LogAppendTime(appended_ms) = message.timestamp() {
        let appended_s = state.clock.scenario_s_at_unix_ms(appended_ms);
        recorder.alert_receipt_stage(index, (now_s - appended_s).max(0.0));
    }
    let first_time = seen.insert(identity.dia_source_id);
    if index == 0 {
        if first_time {
            Counters::bump(&state.counters.alerts_consumed);
        } else {
            recorder.alert_duplicated(visit.index);
        }
    }
    true
}

/// The `producer_timestamp` header, epoch ms.
fn produced_ms(message: &BorrowedMessage<'_>) -> Option<i64> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == TIMESTAMP_HEADER)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
}
