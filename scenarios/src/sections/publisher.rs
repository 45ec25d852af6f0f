//! `[publisher]`: what the alert publisher does with alerts Kafka did not
//! acknowledge.

use serde::{Deserialize, Serialize};

/// Publisher policy profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublisherProfile {
    /// As production: flush after every alert; asynchronous delivery
    /// failures are only logged, so those alerts are lost.
    Rubin,
    /// Failed alerts go to a spool and are replayed at the next opportunity.
    Safe,
}

/// The publisher policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Publisher {
    /// Policy profile (default `rubin`).
    pub profile: PublisherProfile,
}

impl Default for Publisher {
    fn default() -> Self {
        Self {
            profile: PublisherProfile::Rubin,
        }
    }
}
