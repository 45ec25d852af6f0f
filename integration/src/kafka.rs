//! Kafka helpers for the integration tests: a broker with the alert topic,
//! and an independent rdkafka consumer that reads a topic back.

use std::collections::HashMap;
use std::time::Duration;

use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_loadgen::EmbeddedBroker;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};

use crate::TestResult;

/// A message as a consumer saw it.
#[derive(Debug, Clone)]
pub struct Consumed {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// The value bytes.
    pub payload: Vec<u8>,
    /// Headers by name.
    pub headers: HashMap<String, Vec<u8>>,
}

/// An embedded broker with `topic` created (`partitions` partitions).
pub async fn broker_with_topic(topic: &str, partitions: i32) -> TestResult<EmbeddedBroker> {
    let broker = EmbeddedBroker::start().await?;
    ensure_topic(&broker.bootstrap(), topic, partitions, 1).await?;
    Ok(broker)
}

/// How long the consumer waits for its first message (group join included).
const FIRST_MESSAGE_WAIT: Duration = Duration::from_secs(30);

/// Reads all of `topic` from the beginning with a new consumer group: the
/// producers are done, so the topic is complete once nothing new arrives
/// for `quiet` (duplicates included, which is why this does not stop at an
/// expected count). Runs on a blocking thread.
pub async fn consume(bootstrap: &str, topic: &str, quiet: Duration) -> TestResult<Vec<Consumed>> {
    let bootstrap = bootstrap.to_owned();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || consume_blocking(&bootstrap, &topic, quiet)).await?
}

fn consume_blocking(bootstrap: &str, topic: &str, quiet: Duration) -> TestResult<Vec<Consumed>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("alertsim-test-{}", uuid_like()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("fetch.message.max.bytes", "10485760")
        .create()?;
    consumer.subscribe(&[topic])?;
    let mut out = Vec::new();
    let mut last_new = std::time::Instant::now();
    loop {
        let waited = last_new.elapsed();
        if waited
            >= if out.is_empty() {
                FIRST_MESSAGE_WAIT
            } else {
                quiet
            }
        {
            break;
        }
        let Some(result) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = result?;
        let headers = message
            .headers()
            .map(|h| {
                h.iter()
                    .map(|x| (x.key.to_owned(), x.value.unwrap_or_default().to_vec()))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Consumed {
            partition: message.partition(),
            offset: message.offset(),
            payload: message.payload().unwrap_or_default().to_vec(),
            headers,
        });
        last_new = std::time::Instant::now();
    }
    Ok(out)
}

/// A group id suffix unique within this process.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
