//! What to do with an alert whose produce failed: the sans-IO publish
//! policy that the rdkafka publisher and the simulator both follow.
//!
//! A failure happens at one of two stages. At the *produce* call librdkafka
//! may refuse the message at once (its queue is full, the message is larger
//! than its `message.max.bytes`). Later, the *delivery* report may say the
//! message could not be delivered within `delivery.timeout.ms`. The real
//! packager (`packageAlerts.py`, `produceAlerts`) logs a refused produce
//! and writes the alert to a file only with `doWriteFailedAlerts`, which
//! defaults to off and production does not set; a failed delivery it does
//! not even log. Either way the alert is gone. The `rubin` profile keeps
//! exactly that behaviour (and counts the loss); the `safe` profile retries
//! transient refusals and spools every alert it could not deliver, so
//! nothing is lost.

use std::time::Duration;

use super::profile::Profile;

/// Where in the produce path an alert failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureStage {
    /// The produce call itself refused the message.
    Produce,
    /// The delivery report came back with an error.
    Delivery,
}

/// Why an alert failed, in the categories the policy tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// The client's local queue is full (transient: wait for deliveries).
    QueueFull,
    /// The message is larger than the client or broker accepts (permanent).
    TooLarge,
    /// Not delivered within the delivery timeout (broker unreachable, no
    /// leader, not enough in-sync replicas for the whole timeout).
    TimedOut,
    /// The broker answered with an error that retries did not clear
    /// (disk full, authorization, not enough replicas at the deadline).
    Rejected,
    /// Anything else the client reports, with librdkafka's error name.
    Other,
}

impl Failure {
    /// Short name for logs, spool reasons and reports.
    pub fn name(self) -> &'static str {
        match self {
            Failure::QueueFull => "queue_full",
            Failure::TooLarge => "too_large",
            Failure::TimedOut => "timed_out",
            Failure::Rejected => "rejected",
            Failure::Other => "other",
        }
    }
}

/// What to do with the failed alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Produce it again after this pause.
    Retry {
        /// Pause before the next attempt.
        after: Duration,
    },
    /// Write it to the spool for `alertsim replay`.
    Spool,
    /// Give it up: count it as lost and log the reason (the real
    /// packager's handling of asynchronous delivery errors).
    Lose,
}

/// The publish policy of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The profile whose behaviour this is.
    pub profile: Profile,
    /// Produce attempts after the first for a transient refusal (safe only).
    pub max_retries: u32,
    /// Pause before the first retry; doubled each time, capped at one second.
    pub retry_backoff: Duration,
}

impl Policy {
    /// The policy of `profile` with its default retry settings.
    pub fn for_profile(profile: Profile) -> Self {
        Policy {
            profile,
            max_retries: 20,
            retry_backoff: Duration::from_millis(10),
        }
    }

    /// The verdict for an alert that failed with `failure` at `stage`,
    /// after `retries_so_far` earlier retries of this alert.
    pub fn decide(&self, stage: FailureStage, failure: Failure, retries_so_far: u32) -> Verdict {
        match (self.profile, stage) {
            (Profile::Rubin, _) => Verdict::Lose,
            (Profile::Safe, FailureStage::Produce) => {
                if failure == Failure::QueueFull && retries_so_far < self.max_retries {
                    Verdict::Retry {
                        after: self.backoff(retries_so_far),
                    }
                } else {
                    Verdict::Spool
                }
            }
            (Profile::Safe, FailureStage::Delivery) => Verdict::Spool,
        }
    }

    fn backoff(&self, retries_so_far: u32) -> Duration {
        let factor = 1u32.checked_shl(retries_so_far.min(16)).unwrap_or(u32::MAX);
        self.retry_backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURES: [Failure; 5] = [
        Failure::QueueFull,
        Failure::TooLarge,
        Failure::TimedOut,
        Failure::Rejected,
        Failure::Other,
    ];

    #[test]
    fn rubin_loses_every_failed_alert_at_either_stage() {
        let policy = Policy::for_profile(Profile::Rubin);
        for failure in FAILURES {
            for stage in [FailureStage::Produce, FailureStage::Delivery] {
                assert_eq!(policy.decide(stage, failure, 0), Verdict::Lose);
            }
        }
    }

    #[test]
    fn safe_never_loses_an_alert() {
        let policy = Policy::for_profile(Profile::Safe);
        for failure in FAILURES {
            for stage in [FailureStage::Produce, FailureStage::Delivery] {
                for retries in 0..30 {
                    assert_ne!(policy.decide(stage, failure, retries), Verdict::Lose);
                }
            }
        }
    }

    #[test]
    fn safe_retries_a_full_queue_with_growing_pauses_then_spools() {
        let policy = Policy::for_profile(Profile::Safe);
        let pauses: Vec<Duration> = (0..policy.max_retries)
            .map(
                |n| match policy.decide(FailureStage::Produce, Failure::QueueFull, n) {
                    Verdict::Retry { after } => after,
                    other => panic!("retry {n}: expected a retry, got {other:?}"),
                },
            )
            .collect();
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]), "{pauses:?}");
        assert_eq!(pauses.first(), Some(&policy.retry_backoff));
        assert_eq!(pauses.last(), Some(&Duration::from_secs(1)));
        assert_eq!(
            policy.decide(
                FailureStage::Produce,
                Failure::QueueFull,
                policy.max_retries
            ),
            Verdict::Spool
        );
        assert_eq!(
            policy.decide(FailureStage::Produce, Failure::TooLarge, 0),
            Verdict::Spool
        );
    }
}
