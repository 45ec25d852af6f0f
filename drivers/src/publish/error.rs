//! Errors of the rdkafka publisher, replay and topic creation.

use super::spool::SpoolError;

/// Why publishing could not go on. An alert is never dropped silently: an
/// error here stops the run, and the ledger says what was done before it.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// librdkafka refused the client configuration.
    #[error("Kafka client configuration: {0}")]
    Config(#[source] rdkafka::error::KafkaError),
    /// A failed alert could not be written to the spool.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// Creating or describing the topic failed.
    #[error("topic {topic}: {reason}")]
    Topic {
        /// The topic.
        topic: String,
        /// What went wrong.
        reason: String,
    },
}
