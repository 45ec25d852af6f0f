//! The name of a Job of a ScaledJob as a type: what KEDA's decisions name
//! (history cleanup, rollout deletions) and what the Job runtimes list.
//!
//! A Job name is opaque text (Kubernetes generates it); it orders as text,
//! which is the tie-break KEDA's history cleanup uses here. A driver that
//! keeps Jobs under numbers of its own keeps its own table from name to
//! number rather than reading numbers out of names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Job's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobName(String);

impl JobName {
    /// A Job name from text.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as text (for API calls and logs).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for JobName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for JobName {
    fn from(name: String) -> Self {
        Self(name)
    }
}

impl From<&str> for JobName {
    fn from(name: &str) -> Self {
        Self(name.to_owned())
    }
}

impl From<JobName> for String {
    fn from(name: JobName) -> Self {
        name.0
    }
}

impl PartialEq<str> for JobName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for JobName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_order_as_text_and_serialise_as_plain_strings() {
        let ten = JobName::from("prompt-proc-10");
        let nine = JobName::from("prompt-proc-9");
        assert!(ten < nine, "text order, as KEDA's tie-break compares names");
        assert_eq!(ten, "prompt-proc-10");
        assert_eq!(
            serde_json::to_string(&nine).expect("json"),
            "\"prompt-proc-9\""
        );
        assert_eq!(nine.to_string(), "prompt-proc-9");
    }
}
