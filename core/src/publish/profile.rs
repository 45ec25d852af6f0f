//! The producer profiles: the librdkafka settings each one sets.
//!
//! `rubin` copies the real alert packager (FACTS): snappy, linger.ms 5,
//! batch.size 2 MiB, delivery.timeout.ms 1200, acks all, and a flush after
//! every alert. `safe` keeps the batching and compression but makes the
//! producer idempotent, gives a delivery two minutes instead of 1.2 s and
//! bounds what is in flight, so a broker outage shorter than the timeout
//! costs latency and not alerts.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A publisher profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The real packager's settings.
    Rubin,
    /// Idempotent, long delivery timeout, bounded in-flight; failures spooled.
    Safe,
}

/// librdkafka's `batch.size` of both profiles: 2 MiB.
pub const BATCH_BYTES: u32 = 2 * 1024 * 1024;

impl Profile {
    /// Both profiles, in a stable order.
    pub const ALL: [Profile; 2] = [Profile::Rubin, Profile::Safe];

    /// The profile's name as written on the command line and in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Rubin => "rubin",
            Profile::Safe => "safe",
        }
    }

    /// How long librdkafka tries to deliver one message
    /// (`delivery.timeout.ms`) before reporting it failed.
    pub fn delivery_timeout(self) -> Duration {
        match self {
            Profile::Rubin => Duration::from_millis(1200),
            Profile::Safe => Duration::from_secs(120),
        }
    }

    /// Whether the publisher waits for every alert's acknowledgement before
    /// sending the next (the real packager calls `flush()` after each).
    pub fn flush_each_alert(self) -> bool {
        matches!(self, Profile::Rubin)
    }

    /// Most alerts the publisher lets wait for acknowledgement at once;
    /// beyond that it waits for the oldest before sending more.
    pub fn max_unacknowledged(self) -> usize {
        match self {
            Profile::Rubin => 1,
            Profile::Safe => 10_000,
        }
    }

    /// The librdkafka configuration of the profile (besides
    /// `bootstrap.servers`), in a stable order.
    pub fn client_settings(self) -> Vec<(&'static str, String)> {
        let timeout_ms = self.delivery_timeout().as_millis().to_string();
        let mut settings = vec![
            ("compression.type", "snappy".to_owned()),
            ("linger.ms", "5".to_owned()),
            ("batch.size", BATCH_BYTES.to_string()),
            ("acks", "all".to_owned()),
            ("delivery.timeout.ms", timeout_ms),
        ];
        if self == Profile::Safe {
            settings.extend([
                ("enable.idempotence", "true".to_owned()),
                ("max.in.flight.requests.per.connection", "5".to_owned()),
                ("retry.backoff.ms", "100".to_owned()),
            ]);
        }
        settings
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name that is neither `rubin` nor `safe`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown publisher profile {0:?} (expected rubin or safe)")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(profile: Profile, key: &str) -> Option<String> {
        profile
            .client_settings()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    #[test]
    fn rubin_matches_the_real_packager() {
        assert_eq!(
            setting(Profile::Rubin, "compression.type").as_deref(),
            Some("snappy")
        );
        assert_eq!(setting(Profile::Rubin, "linger.ms").as_deref(), Some("5"));
        assert_eq!(
            setting(Profile::Rubin, "batch.size").as_deref(),
            Some("2097152")
        );
        assert_eq!(
            setting(Profile::Rubin, "delivery.timeout.ms").as_deref(),
            Some("1200")
        );
        assert_eq!(setting(Profile::Rubin, "acks").as_deref(), Some("all"));
        assert_eq!(setting(Profile::Rubin, "enable.idempotence"), None);
        assert!(Profile::Rubin.flush_each_alert());
    }

    #[test]
    fn safe_is_idempotent_with_a_longer_timeout_and_bounded_in_flight() {
        assert_eq!(
            setting(Profile::Safe, "enable.idempotence").as_deref(),
            Some("true")
        );
        assert_eq!(
            setting(Profile::Safe, "max.in.flight.requests.per.connection").as_deref(),
            Some("5")
        );
        assert!(Profile::Safe.delivery_timeout() > Profile::Rubin.delivery_timeout());
        assert!(!Profile::Safe.flush_each_alert());
    }

    #[test]
    fn names_round_trip_and_bad_names_are_named_in_the_error() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>(), Ok(p));
        }
        let err = "fast".parse::<Profile>().unwrap_err();
        assert!(err.to_string().contains("\"fast\""), "{err}");
    }
}
