//! The alert publisher over rdkafka: encode, produce, track every delivery.
//!
//! [`AlertPublisher`] takes alerts (or pre-encoded wire-format messages),
//! produces them with a null key and a `producer_timestamp` header (epoch
//! milliseconds, decimal), and keeps each delivery future until it
//! resolves. Each alert ends in the [`Ledger`] as delivered (partition,
//! offset), spooled, or lost, as the profile's [`Policy`] decides. The
//! `rubin` profile waits for every alert's acknowledgement before the next,
//! as the real packager's flush after each alert does;
//! `safe` keeps up to [`Profile::max_unacknowledged`] alerts in flight.

pub mod classify;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

use super::error::PublishError;
use super::spool::{Spool, SpoolKey};
use alertsim_core::alert::codec;
use alertsim_core::alert::records::Alert;
use alertsim_core::alert::wire;
use alertsim_core::publish::ledger::{Ledger, LedgerSummary, Outcome};
use alertsim_core::publish::policy::{Failure, FailureStage, Policy, Verdict};
use alertsim_core::publish::profile::Profile;
pub use classify::classify;

/// The header every alert carries: when it was produced, epoch ms.
pub const TIMESTAMP_HEADER: &str = "producer_timestamp";

/// What the publisher needs to know.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    /// `bootstrap.servers`.
    pub bootstrap: String,
    /// Topic (Rubin: `lsst-alerts-v11`).
    pub topic: String,
    /// Producer profile.
    pub profile: Profile,
    /// Schema id written into each message's wire header.
    pub schema_id: i32,
    /// Where failed alerts are written.
    pub spool_dir: PathBuf,
    /// Extra librdkafka settings, applied after the profile's.
    pub overrides: Vec<(String, String)>,
}

/// The librdkafka configuration of a profile for `bootstrap`.
pub fn client_config(
    bootstrap: &str,
    profile: Profile,
    overrides: &[(String, String)],
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    for (key, value) in profile.client_settings() {
        config.set(key, value);
    }
    for (key, value) in overrides {
        config.set(key, value);
    }
    config
}

/// The configuration the publisher's producer is created with: the
/// profile's settings, then `config.overrides`.
///
/// The real packager flushes after every alert, and librdkafka's flush
/// sends at once, ignoring linger.ms. Called from a thread that does not
/// serve the delivery reports (rdkafka's poll thread does), flush waits in
/// 100 ms steps, so a flush-each-alert profile is run with no linger and
/// the publisher waits for each acknowledgement instead: the same requests
/// on the wire, without the artificial wait.
pub fn producer_config(config: &PublisherConfig) -> ClientConfig {
    let mut client = client_config(&config.bootstrap, config.profile, &[]);
    if config.profile.flush_each_alert() {
        client.set("linger.ms", "0");
    }
    for (key, value) in &config.overrides {
        client.set(key, value);
    }
    client
}

/// The record of one alert message as Rubin produces it: null key, the
/// message as value, and a `producer_timestamp` header stamped now.
pub fn alert_record<'a>(topic: &'a str, message: &'a [u8]) -> FutureRecord<'a, (), [u8]> {
    let headers = OwnedHeaders::new().insert(Header {
        key: TIMESTAMP_HEADER,
        value: Some(epoch_ms().to_string().as_bytes()),
    });
    FutureRecord::to(topic).payload(message).headers(headers)
}

/// The time now as epoch milliseconds, the `producer_timestamp` value.
pub fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Told how each alert ended, as it ends: its key, its outcome and its
/// message size in bytes. Load runs use it to time every delivery.
pub type OutcomeObserver = Box<dyn FnMut(&SpoolKey, Outcome, usize) + Send>;

/// What a delivery future resolves to.
type DeliveryResult = <DeliveryFuture as std::future::Future>::Output;

struct InFlight {
    key: SpoolKey,
    delivery: DeliveryFuture,
    sent: Instant,
    bytes: usize,
}

/// Publishes alerts and accounts for every one.
pub struct AlertPublisher {
    producer: FutureProducer,
    topic: String,
    profile: Profile,
    policy: Policy,
    schema_id: i32,
    spool: Spool,
    in_flight: VecDeque<InFlight>,
    ledger: Ledger,
    buffer: Vec<u8>,
    observer: Option<OutcomeObserver>,
}

impl AlertPublisher {
    /// Creates the producer (it connects lazily) and opens the spool.
    pub fn new(config: &PublisherConfig) -> Result<Self, PublishError> {
        let producer = producer_config(config)
            .create()
            .map_err(PublishError::Config)?;
        Ok(AlertPublisher {
            producer,
            topic: config.topic.clone(),
            profile: config.profile,
            policy: Policy::for_profile(config.profile),
            schema_id: config.schema_id,
            spool: Spool::open(&config.spool_dir)?,
            in_flight: VecDeque::new(),
            ledger: Ledger::default(),
            buffer: Vec::new(),
            observer: None,
        })
    }

    /// Calls `observer` for every alert as it ends (delivered, spooled or
    /// lost), after the ledger has counted it.
    pub fn set_observer(&mut self, observer: OutcomeObserver) {
        self.observer = Some(observer);
    }

    /// The counts so far.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The spool failed alerts go to.
    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    /// Encodes `alert` of `visit`/`detector` in wire format and publishes it.
    pub async fn publish(
        &mut self,
        alert: &Alert,
        visit: i64,
        detector: i32,
    ) -> Result<(), PublishError> {
        let key = SpoolKey {
            visit,
            detector,
            dia_source_id: alert.dia_source.dia_source_id,
        };
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        wire::put_header(&mut buffer, self.schema_id);
        codec::encode_alert(alert, &mut buffer);
        let sent = self.publish_message(key, &buffer).await;
        self.buffer = buffer;
        sent
    }

    /// Publishes a message already in wire format.
    pub async fn publish_message(
        &mut self,
        key: SpoolKey,
        message: &[u8],
    ) -> Result<(), PublishError> {
        self.ledger.accept();
        let mut retries = 0;
        loop {
            let record = alert_record(&self.topic, message);
            let sent = Instant::now();
            match self.producer.send_result(record) {
                Ok(delivery) => {
                    self.in_flight.push_back(InFlight {
                        key,
                        delivery,
                        sent,
                        bytes: message.len(),
                    });
                    break;
                }
                Err((error, _)) => {
                    let failure = classify(&error);
                    match self.policy.decide(FailureStage::Produce, failure, retries) {
                        Verdict::Retry { after } => {
                            self.ledger.retry();
                            retries += 1;
                            self.settle_ready().await?;
                            tokio::time::sleep(after).await;
                        }
                        verdict => {
                            let reason = format!("produce {}: {error}", failure.name());
                            self.give_up(verdict, failure, key, message, &reason)?;
                            break;
                        }
                    }
                }
            }
        }
        while self.in_flight.len() >= self.profile.max_unacknowledged() {
            self.settle_oldest().await?;
        }
        Ok(())
    }

    /// Waits until every alert handed over so far has ended; returns the
    /// final counts.
    pub async fn finish(&mut self) -> Result<LedgerSummary, PublishError> {
        while !self.in_flight.is_empty() {
            self.settle_oldest().await?;
        }
        Ok(self.ledger.summary())
    }

    /// Records every delivery that has already resolved, oldest first.
    async fn settle_ready(&mut self) -> Result<(), PublishError> {
        while let Some(flight) = self.in_flight.front_mut() {
            let Some(result) = futures::FutureExt::now_or_never(&mut flight.delivery) else {
                break;
            };
            if let Some(flight) = self.in_flight.pop_front() {
                self.settle(flight, result)?;
            }
        }
        Ok(())
    }

    /// Waits for the oldest delivery and records it.
    async fn settle_oldest(&mut self) -> Result<(), PublishError> {
        let Some(mut flight) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let result = (&mut flight.delivery).await;
        self.settle(flight, result)
    }

    fn settle(&mut self, flight: InFlight, result: DeliveryResult) -> Result<(), PublishError> {
        let elapsed = flight.sent.elapsed();
        match result {
            Ok(Ok(delivery)) => {
                let outcome = Outcome::Delivered {
                    partition: delivery.partition,
                    offset: delivery.offset,
                };
                self.record(&flight.key, outcome, flight.bytes, elapsed);
            }
            Ok(Err((error, message))) => {
                let failure = classify(&error);
                let verdict = self.policy.decide(FailureStage::Delivery, failure, 0);
                let payload = rdkafka::Message::payload(&message).unwrap_or_default();
                let reason = format!("delivery {}: {error}", failure.name());
                self.give_up(verdict, failure, flight.key, payload, &reason)?;
            }
            Err(_canceled) => {
                // librdkafka dropped the message without a report; its
                // payload went with it, so the alert can only be counted.
                let reason = "delivery other: the producer dropped the message";
                self.give_up(Verdict::Lose, Failure::Other, flight.key, &[], reason)?;
            }
        }
        Ok(())
    }

    fn record(&mut self, key: &SpoolKey, outcome: Outcome, bytes: usize, elapsed: Duration) {
        self.ledger.record(outcome, bytes, elapsed);
        if let Some(observer) = &mut self.observer {
            observer(key, outcome, bytes);
        }
    }

    fn give_up(
        &mut self,
        verdict: Verdict,
        failure: Failure,
        key: SpoolKey,
        message: &[u8],
        reason: &str,
    ) -> Result<(), PublishError> {
        match verdict {
            Verdict::Lose => {
                tracing::warn!(alert = %key, %reason, "alert lost");
                self.record(&key, Outcome::Lost(failure), message.len(), Duration::ZERO);
            }
            // The policy never asks to retry a delivery (librdkafka already
            // retried it until the timeout); spooling keeps the alert.
            Verdict::Spool | Verdict::Retry { .. } => {
                self.spool.put(key, message, reason)?;
                self.record(
                    &key,
                    Outcome::Spooled(failure),
                    message.len(),
                    Duration::ZERO,
                );
            }
        }
        Ok(())
    }
}
