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

use std::time::Instant;

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use serde::Serialize;

use super::error::PublishError;
use super::kafka::{AlertPublisher, PublisherConfig, TIMESTAMP_HEADER, client_config, epoch_ms};
use super::spool::SpoolKey;
use crate::alert::reference::reference_alert;
use crate::alert::wire;

/// The benchmark's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishBench {
    /// Profile used.
    pub profile: String,
    /// Alerts per pass.
    pub count: usize,
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

/// Runs the three passes; `config.topic` must exist.
pub async fn run(config: &PublisherConfig, count: usize) -> Result<PublishBench, PublishError> {
    let alert = reference_alert();
    let mut message = Vec::new();
    wire::put_header(&mut message, config.schema_id);
    crate::alert::codec::encode_alert(&alert, &mut message);
    let key = |i: usize| SpoolKey {
        visit: 0,
        detector: 0,
        dia_source_id: i as i64,
    };

    // Pass 1: raw rdkafka.
    let producer: FutureProducer =
        client_config(&config.bootstrap, config.profile, &config.overrides)
            .create()
            .map_err(PublishError::Config)?;
    let mut not_delivered = 0;
    let started = Instant::now();
    let window = config.profile.max_unacknowledged();
    let mut pending = std::collections::VecDeque::with_capacity(window);
    for _ in 0..count {
        let headers = OwnedHeaders::new().insert(Header {
            key: TIMESTAMP_HEADER,
            value: Some(epoch_ms().to_string().as_bytes()),
        });
        let mut record = FutureRecord::<(), [u8]>::to(&config.topic)
            .payload(&message)
            .headers(headers);
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
        if config.profile.flush_each_alert() {
            let p = producer.clone();
            tokio::task::spawn_blocking(move || p.flush(std::time::Duration::from_secs(30)))
                .await
                .map_err(|e| PublishError::Flush(e.to_string()))?
                .map_err(PublishError::Config)?;
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
    let raw = rate(count, started);
    drop(producer);

    // Pass 2: the publisher, pre-encoded.
    let mut publisher = AlertPublisher::new(config)?;
    let started = Instant::now();
    for i in 0..count {
        publisher.publish_message(key(i), &message).await?;
    }
    let summary = publisher.finish().await?;
    let preencoded = rate(count, started);
    not_delivered += summary.accepted - summary.delivered;
    drop(publisher);

    // Pass 3: the publisher, encoding each alert.
    let mut publisher = AlertPublisher::new(config)?;
    let started = Instant::now();
    for _ in 0..count {
        publisher.publish(&alert, 0, 0).await?;
    }
    let summary = publisher.finish().await?;
    let encoding = rate(count, started);
    not_delivered += summary.accepted - summary.delivered;

    Ok(PublishBench {
        profile: config.profile.name().to_owned(),
        count,
        alert_bytes: message.len(),
        raw_preencoded_alerts_per_s: raw,
        publisher_preencoded_alerts_per_s: preencoded,
        publisher_encoding_alerts_per_s: encoding,
        encoding_vs_raw: if raw > 0.0 { encoding / raw } else { 0.0 },
        not_delivered,
    })
}

fn rate(count: usize, started: Instant) -> f64 {
    let secs = started.elapsed().as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}
