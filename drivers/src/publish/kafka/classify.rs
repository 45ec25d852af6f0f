//! Sorting librdkafka's errors into the policy's [`Failure`] categories.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use alertsim_core::publish::policy::Failure;

/// The policy category of a produce or delivery error.
pub fn classify(error: &KafkaError) -> Failure {
    let code = match error {
        KafkaError::MessageProduction(code) => *code,
        _ => return Failure::Other,
    };
    match code {
        RDKafkaErrorCode::QueueFull => Failure::QueueFull,
        RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize => {
            Failure::TooLarge
        }
        RDKafkaErrorCode::MessageTimedOut
        | RDKafkaErrorCode::RequestTimedOut
        | RDKafkaErrorCode::OperationTimedOut => Failure::TimedOut,
        RDKafkaErrorCode::NotEnoughReplicas
        | RDKafkaErrorCode::NotEnoughReplicasAfterAppend
        | RDKafkaErrorCode::KafkaStorageError
        | RDKafkaErrorCode::TopicAuthorizationFailed
        | RDKafkaErrorCode::UnknownTopicOrPartition
        | RDKafkaErrorCode::UnknownTopic
        | RDKafkaErrorCode::InvalidRecord => Failure::Rejected,
        _ => Failure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produce_errors_map_to_policy_failures() {
        let produce = |c| classify(&KafkaError::MessageProduction(c));
        assert_eq!(produce(RDKafkaErrorCode::QueueFull), Failure::QueueFull);
        assert_eq!(
            produce(RDKafkaErrorCode::MessageSizeTooLarge),
            Failure::TooLarge
        );
        assert_eq!(
            produce(RDKafkaErrorCode::MessageTimedOut),
            Failure::TimedOut
        );
        assert_eq!(
            produce(RDKafkaErrorCode::NotEnoughReplicas),
            Failure::Rejected
        );
        assert_eq!(
            produce(RDKafkaErrorCode::KafkaStorageError),
            Failure::Rejected
        );
        assert_eq!(
            produce(RDKafkaErrorCode::BrokerNotAvailable),
            Failure::Other
        );
        assert_eq!(classify(&KafkaError::Canceled), Failure::Other);
    }
}
