//! A Redis stream entry ID as a type: `<ms>-<seq>`, ordered as Redis orders
//! IDs (milliseconds first, then the sequence number).
//!
//! The worker machine names entries with it (reads, claims, acks, skips) and
//! so does every driver: the tokio driver parses Redis's reply text once,
//! the simulator makes IDs from its own counter. Written as text it is the
//! `<ms>-<seq>` form Redis takes and returns; serde uses the same text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A stream entry ID, `<ms>-<seq>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntryId {
    /// The milliseconds part (Unix time of the `XADD` for `*` IDs).
    pub ms: u64,
    /// The sequence number within that millisecond.
    pub seq: u64,
}

impl EntryId {
    /// `0-0`: smaller than every real ID; the start (and end) of an
    /// `XAUTOCLAIM` scan.
    pub const ZERO: EntryId = EntryId { ms: 0, seq: 0 };

    /// The ID `<ms>-<seq>`.
    pub const fn new(ms: u64, seq: u64) -> Self {
        Self { ms, seq }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Text that is not a complete stream entry ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stream entry id {text:?} is not <ms>-<seq> (two unsigned integers joined by '-')")]
pub struct EntryIdError {
    /// The text given.
    pub text: String,
}

impl FromStr for EntryId {
    type Err = EntryIdError;

    /// Parses `<ms>-<seq>` as Redis writes it in replies.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || EntryIdError {
            text: text.to_owned(),
        };
        let (ms, seq) = text.split_once('-').ok_or_else(invalid)?;
        let number = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse::<u64>().ok()
        };
        match (number(ms), number(seq)) {
            (Some(ms), Some(seq)) => Ok(Self { ms, seq }),
            _ => Err(invalid()),
        }
    }
}

impl Serialize for EntryId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EntryId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_orders_as_redis_does() {
        let id: EntryId = "1526919030474-55".parse().expect("an id");
        assert_eq!(id, EntryId::new(1_526_919_030_474, 55));
        assert_eq!(id.to_string(), "1526919030474-55");
        assert_eq!(EntryId::ZERO.to_string(), "0-0");
        assert!(EntryId::new(1, 9) < EntryId::new(2, 0));
        assert!(EntryId::new(2, 0) < EntryId::new(2, 1));
    }

    #[test]
    fn incomplete_or_signed_text_is_refused() {
        for text in ["", "7", "7-", "-7", "a-0", "1-2-3", "+1-0", "1--2", "1-0 "] {
            assert!(text.parse::<EntryId>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        let json = serde_json::to_string(&EntryId::new(3, 1)).expect("json");
        assert_eq!(json, "\"3-1\"");
        let back: EntryId = serde_json::from_str(&json).expect("back");
        assert_eq!(back, EntryId::new(3, 1));
        assert!(serde_json::from_str::<EntryId>("\"3\"").is_err());
    }
}
