//! Creating the alert topic (the embedded broker does not auto-create).

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;

use super::error::PublishError;

/// Creates `topic` with `partitions` partitions and `replication` replicas;
/// a topic that already exists is left as it is.
pub async fn ensure_topic(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication: i32,
) -> Result<(), PublishError> {
    ensure_topic_with(bootstrap, topic, partitions, replication, &[]).await
}

/// The same with topic configs (`message.timestamp.type` and the like),
/// which brokers that do not know them ignore (the embedded broker does).
pub async fn ensure_topic_with(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication: i32,
    configs: &[(&str, &str)],
) -> Result<(), PublishError> {
    let failed = |reason: String| PublishError::Topic {
        topic: topic.to_owned(),
        reason,
    };
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(PublishError::Config)?;
    let new = configs.iter().fold(
        NewTopic::new(topic, partitions, TopicReplication::Fixed(replication)),
        |new, (key, value)| new.set(key, value),
    );
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics([&new], &options)
        .await
        .map_err(|e| failed(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(failed(code.to_string())),
        }
    }
    Ok(())
}
