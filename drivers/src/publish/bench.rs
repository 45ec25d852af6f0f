//! The publishing speed benchmark: the publisher encoding each alert
//! against rdkafka producing the same bytes already encoded, in one run, on
//! one broker and topic.
//!
//! Three passes over `count` copies of the reference alert, each with the
//! profile's settings and each waiting for every acknowledgement:
//! 1. raw rdkafka: the pre-encoded message, `send_result`, await all;
//! 2. the [`AlertPublisher`] given the pre-encoded message (its accounting);
//! 3. the [`AlertPublisher`] encoding every alert (what production does).
//!
//! The target is pass 3 at 80% or more of pass 1.

use std::collections::VecDeque;
use std::time::Instant;

use rdkafka::producer::FutureProducer;
use serde::Serialize;

use super::error::PublishError;
use super::kafka::{AlertPublisher, PublisherConfig, alert_record, producer_config};
use super::spool::SpoolKey;
use alertsim_core::alert::records::Alert;
use alertsim_core::alert::reference::reference_alert;
use alertsim_core::alert::wire;

/// The benchmark's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishBench {
    /// Profile used.
    pub profile: String,
    /// Alerts per pass.
    pub count: usize,
    /// Rounds of the three passes (rates are medians).
    pub rounds: usize,
    /// Bytes of one wire-format message.
    pub alert_bytes: usize,
    /// Pass 1: rdkafka with pre-encoded bytes, alerts/s.
    pub raw_preencoded_alerts_per_s: f64,
    /// Pass 2: the publisher with pre-encoded bytes, alerts/s.
    pub publisher_preencoded_alerts_per_s: f64,
    /// Pass 3: the publisher encoding each alert, alerts/s.
    pub publisher_encoding_alerts_per_s: f64,
    /// Pass 3 over pass 1.
    pub encoding_vs_raw: f64,
    /// Alerts that were not delivered in any pass (should be 0).
    pub not_delivered: u64,
}

/// Runs the three passes `rounds` times, interleaved and in rotated order
/// so that drift (a broker's storage growing, other load) hits each pass
/// alike, and reports each pass's median rate. `config.topic` must exist.
pub async fn run(
    config: &PublisherConfig,
    count: usize,
    rounds: usize,
) -> Result<PublishBench, PublishError> {
    let alert = reference_alert();
    let mut message = Vec::new();
    wire::put_header(&mut message, config.schema_id);
    alertsim_core::alert::codec::encode_alert(&alert, &mut message);
    let mut rates = [Vec::new(), Vec::new(), Vec::new()];
    let mut not_delivered = 0;
    for round in 0..rounds.max(1) {
        for k in 0..3 {
            let pass = (round + k) % 3;
            let started = Instant::now();
            not_delivered += match pass {
                0 => raw_pass(config, &message, count).await?,
                1 => publisher_pass(config, count, &message, None).await?,
                _ => publisher_pass(config, count, &message, Some(&alert)).await?,
            };
            rates[pass].push(rate(count, started));
        }
    }
    let [raw, preencoded, encoding] = rates.map(median);
    Ok(PublishBench {
        profile: config.profile.name().to_owned(),
        count,
        rounds: rounds.max(1),
        alert_bytes: message.len(),
        raw_preencoded_alerts_per_s: raw,
        publisher_preencoded_alerts_per_s: preencoded,
        publisher_encoding_alerts_per_s: encoding,
        encoding_vs_raw: if raw > 0.0 { encoding / raw } else { 0.0 },
        not_delivered,
    })
}

fn key(i: usize) -> SpoolKey {
    SpoolKey {
        visit: 0,
        detector: 0,
        dia_source_id: i as i64,
    }
}

/// Pass 1: rdkafka alone, the same window of unacknowledged messages as
/// the profile; returns how many were not delivered.
async fn raw_pass(
    config: &PublisherConfig,
    message: &[u8],
    count: usize,
) -> Result<u64, PublishError> {
    let producer: FutureProducer = producer_config(config)
        .create()
        .map_err(PublishError::Config)?;
    let mut not_delivered = 0;
    let window = config.profile.max_unacknowledged();
    let mut pending = VecDeque::with_capacity(window);
    for _ in 0..count {
        let mut record = alert_record(&config.topic, message);
        loop {
            match producer.send_result(record) {
                Ok(delivery) => break pending.push_back(delivery),
                Err((_, back)) => {
                    record = back;
                    if let Some(oldest) = pending.pop_front() {
                        not_delivered += u64::from(!matches!(oldest.await, Ok(Ok(_))));
                    }
                }
            }
        }
        while pending.len() >= window {
            if let Some(oldest) = pending.pop_front() {
                not_delivered += u64::from(!matches!(oldest.await, Ok(Ok(_))));
            }
        }
    }
    for delivery in pending {
        not_delivered += u64::from(!matches!(delivery.await, Ok(Ok(_))));
    }
    Ok(not_delivered)
}

/// Passes 2 and 3: a fresh publisher given the pre-encoded `message`, or
/// encoding `alert` each time when it is given.
async fn publisher_pass(
    config: &PublisherConfig,
    count: usize,
    message: &[u8],
    alert: Option<&Alert>,
) -> Result<u64, PublishError> {
    let mut publisher = AlertPublisher::new(config)?;
    for i in 0..count {
        match alert {
            Some(alert) => publisher.publish(alert, 0, 0).await?,
            None => publisher.publish_message(key(i), message).await?,
        }
    }
    let summary = publisher.finish().await?;
    Ok(summary.accepted - summary.delivered)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn rate(count: usize, started: Instant) -> f64 {
    let secs = started.elapsed().as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}
