//! The redis-streams trigger's metric, as KEDA computes it.
//!
//! The sans-IO part lives here: [`StreamQuery`] says what to measure (from
//! the trigger's `stream`, `consumerGroup` and `lagCount`), and
//! [`metric_from_snapshot`] turns what Redis knows about a stream into the
//! metric, exactly as the trigger reads it:
//!
//! * consumer group and `lagCount != 0`: the group's `lag` from
//!   `XINFO GROUPS`; a missing stream gives 0; a missing group falls back to
//!   `XLEN`; a NULL lag (entries deleted or trimmed past the group's last
//!   delivered ID) reads as 0 up to KEDA 2.17 and -1 from 2.18
//!   ([`NullLag`]);
//! * consumer group and `lagCount == 0`: the group's pending count
//!   (`XPENDING`);
//! * no consumer group: `XLEN`.
//!
//! The simulator calls [`metric_from_snapshot`] with its modelled stream; the
//! tokio driver in [`live`] issues the real commands (`INFO`,
//! `XINFO GROUPS`, `XLEN`, `XPENDING`) and interprets their replies with the
//! same functions.

use serde::{Deserialize, Serialize};

/// How a NULL `lag` in `XINFO GROUPS` is read; it differs between KEDA
/// releases (go-redis 9.7, in KEDA up to 2.17, decodes NULL as 0; 9.14,
/// from KEDA 2.18, as -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NullLag {
    /// KEDA up to 2.17: NULL reads as 0, so the trigger goes inactive.
    Zero,
    /// KEDA 2.18 and later: NULL reads as -1, so the metric is negative.
    MinusOne,
}

impl NullLag {
    /// How the given KEDA release reads a NULL lag.
    pub fn for_keda(version: super::KedaVersion) -> Self {
        version.null_lag()
    }

    /// The metric value that a NULL lag becomes.
    pub fn value(self) -> i64 {
        match self {
            Self::Zero => 0,
            Self::MinusOne => -1,
        }
    }
}

/// Which measurement the trigger makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricSource {
    /// `XINFO GROUPS` lag of this group (consumer group, `lagCount != 0`).
    GroupLag {
        /// The consumer group.
        group: String,
    },
    /// `XPENDING` count of this group (consumer group, `lagCount == 0`).
    Pending {
        /// The consumer group.
        group: String,
    },
    /// `XLEN` of the stream (no consumer group).
    Length,
}

/// What to measure on which stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamQuery {
    /// The stream key, e.g. `instrument:lsstcam`.
    pub stream: String,
    /// The measurement.
    pub source: MetricSource,
    /// How a NULL lag is read.
    pub null_lag: NullLag,
}

impl StreamQuery {
    /// The query a redis-streams trigger makes, from its metadata:
    /// `consumerGroup` (optional) and `lagCount` (0 selects the pending
    /// count, as in KEDA).
    pub fn from_trigger(
        stream: impl Into<String>,
        consumer_group: Option<String>,
        lag_count: i64,
        null_lag: NullLag,
    ) -> Self {
        let source = match consumer_group {
            Some(group) if lag_count != 0 => MetricSource::GroupLag { group },
            Some(group) => MetricSource::Pending { group },
            None => MetricSource::Length,
        };
        Self {
            stream: stream.into(),
            source,
            null_lag,
        }
    }
}

/// One consumer group as `XINFO GROUPS` reports it (Redis 7 fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// The group's name.
    pub name: String,
    /// Number of consumers in the group.
    pub consumers: u64,
    /// Entries delivered but not acknowledged (the PEL length).
    pub pending: u64,
    /// ID of the last entry delivered to the group.
    pub last_delivered_id: String,
    /// Logical read counter; NULL when Redis cannot tell.
    pub entries_read: Option<u64>,
    /// Entries not yet delivered to the group; NULL when Redis cannot tell.
    pub lag: Option<u64>,
}

/// What Redis knows about one existing stream.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamSnapshot {
    /// `XLEN`.
    pub length: u64,
    /// `XINFO GROUPS`.
    pub groups: Vec<GroupInfo>,
}

/// Where the metric value came from; shown by `keda watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricBasis {
    /// The group's `lag` field.
    GroupLag,
    /// The group's `lag` was NULL and was read per [`NullLag`].
    NullLag,
    /// The stream does not exist (lag mode): 0.
    NoStream,
    /// The group does not exist (lag mode): `XLEN`.
    NoGroupLength,
    /// The group's pending count.
    Pending,
    /// `XLEN`.
    Length,
}

/// A metric value and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricReading {
    /// The value KEDA feeds into the scaling formulas.
    pub value: i64,
    /// How it was obtained.
    pub basis: MetricBasis,
}

/// Why the metric could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LagError {
    /// `XINFO GROUPS` lag needs Redis 7 or newer.
    #[error("redis-streams lag needs Redis >= 7, the server reports {version}")]
    RedisTooOld {
        /// The version string from `INFO`.
        version: String,
    },
    /// `INFO` had no parsable `redis_version`.
    #[error("INFO reply has no parsable redis_version line")]
    NoVersion,
    /// A reply did not have the expected shape.
    #[error("unexpected reply to {command}: {detail}")]
    Malformed {
        /// The command whose reply was wrong.
        command: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// `XPENDING` on a missing stream or group fails in Redis (NOGROUP).
    #[error("no consumer group {group:?} on stream {stream:?} (NOGROUP)")]
    NoGroup {
        /// The stream key.
        stream: String,
        /// The group.
        group: String,
    },
}

/// Checks the major version in an `INFO` reply (the `redis_version:` line).
/// Returns the version string when it is 7 or newer.
pub fn check_server_version(info: &str) -> Result<String, LagError> {
    let version = info
        .lines()
        .find_map(|line| line.trim().strip_prefix("redis_version:"))
        .map(str::trim)
        .ok_or(LagError::NoVersion)?;
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or(LagError::NoVersion)?;
    if major < 7 {
        return Err(LagError::RedisTooOld {
            version: version.to_owned(),
        });
    }
    Ok(version.to_owned())
}

/// What `XINFO GROUPS` says about `group`, in lag mode: the lag, the NULL
/// lag reading, or `None` when the group is absent (the caller then uses
/// `XLEN`).
pub fn lag_of_group(groups: &[GroupInfo], group: &str, null_lag: NullLag) -> Option<MetricReading> {
    let info = groups.iter().find(|g| g.name == group)?;
    Some(match info.lag {
        Some(lag) => MetricReading {
            value: saturating_i64(lag),
            basis: MetricBasis::GroupLag,
        },
        None => MetricReading {
            value: null_lag.value(),
            basis: MetricBasis::NullLag,
        },
    })
}

/// The trigger's metric for a stream in the given state (`None`: the key
/// does not exist). This is the whole decision; the live driver reaches the
/// same answer through the real commands.
pub fn metric_from_snapshot(
    query: &StreamQuery,
    stream: Option<&StreamSnapshot>,
) -> Result<MetricReading, LagError> {
    match &query.source {
        MetricSource::GroupLag { group } => {
            let Some(snapshot) = stream else {
                return Ok(MetricReading {
                    value: 0,
                    basis: MetricBasis::NoStream,
                });
            };
            Ok(
                lag_of_group(&snapshot.groups, group, query.null_lag).unwrap_or(MetricReading {
                    value: saturating_i64(snapshot.length),
                    basis: MetricBasis::NoGroupLength,
                }),
            )
        }
        MetricSource::Pending { group } => stream
            .and_then(|s| s.groups.iter().find(|g| &g.name == group))
            .map(|g| MetricReading {
                value: saturating_i64(g.pending),
                basis: MetricBasis::Pending,
            })
            .ok_or_else(|| LagError::NoGroup {
                stream: query.stream.clone(),
                group: group.clone(),
            }),
        MetricSource::Length => Ok(MetricReading {
            value: stream.map_or(0, |s| saturating_i64(s.length)),
            basis: MetricBasis::Length,
        }),
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(name: &str, pending: u64, lag: Option<u64>) -> GroupInfo {
        GroupInfo {
            name: name.into(),
            consumers: 1,
            pending,
            last_delivered_id: "0-0".into(),
            entries_read: lag.map(|_| 0),
            lag,
        }
    }

    fn lag_query(null_lag: NullLag) -> StreamQuery {
        StreamQuery::from_trigger("s", Some("g".into()), 1, null_lag)
    }

    #[test]
    fn trigger_metadata_selects_the_source() {
        assert_eq!(
            StreamQuery::from_trigger("s", Some("g".into()), 0, NullLag::Zero).source,
            MetricSource::Pending { group: "g".into() }
        );
        assert_eq!(
            StreamQuery::from_trigger("s", None, 5, NullLag::Zero).source,
            MetricSource::Length
        );
        assert_eq!(
            lag_query(NullLag::Zero).source,
            MetricSource::GroupLag { group: "g".into() }
        );
    }

    #[test]
    fn version_check_accepts_7_and_rejects_6() {
        let ok =
            check_server_version("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n");
        assert_eq!(ok.ok().as_deref(), Some("7.0.15"));
        let old = check_server_version("redis_version:6.2.14\r\n");
        assert!(matches!(old, Err(LagError::RedisTooOld { version }) if version == "6.2.14"));
        assert!(matches!(
            check_server_version("# Server\r\n"),
            Err(LagError::NoVersion)
        ));
        assert!(matches!(
            check_server_version("redis_version:x.y\r\n"),
            Err(LagError::NoVersion)
        ));
    }

    #[test]
    fn missing_stream_is_zero_and_missing_group_is_length() -> Result<(), LagError> {
        let q = lag_query(NullLag::Zero);
        assert_eq!(metric_from_snapshot(&q, None)?.value, 0);
        let snap = StreamSnapshot {
            length: 42,
            groups: vec![group("other", 0, Some(3))],
        };
        let r = metric_from_snapshot(&q, Some(&snap))?;
        assert_eq!((r.value, r.basis), (42, MetricBasis::NoGroupLength));
        Ok(())
    }

    #[test]
    fn null_lag_depends_on_keda_version() -> Result<(), LagError> {
        let snap = StreamSnapshot {
            length: 1000,
            groups: vec![group("g", 0, None)],
        };
        let old = metric_from_snapshot(&lag_query(NullLag::Zero), Some(&snap))?;
        let new = metric_from_snapshot(&lag_query(NullLag::MinusOne), Some(&snap))?;
        assert_eq!((old.value, old.basis), (0, MetricBasis::NullLag));
        assert_eq!((new.value, new.basis), (-1, MetricBasis::NullLag));
        Ok(())
    }

    #[test]
    fn pending_mode_needs_the_group() {
        let q = StreamQuery::from_trigger("s", Some("g".into()), 0, NullLag::Zero);
        assert!(matches!(
            metric_from_snapshot(&q, None),
            Err(LagError::NoGroup { .. })
        ));
        let snap = StreamSnapshot {
            length: 10,
            groups: vec![group("g", 4, Some(6))],
        };
        let r = metric_from_snapshot(&q, Some(&snap)).ok();
        assert_eq!(r.map(|r| r.value), Some(4));
    }

    proptest! {
        #[test]
        fn lag_mode_value_matches_the_group_field(
            length in 0u64..1_000_000,
            lag in proptest::option::of(0u64..1_000_000),
            pending in 0u64..1000,
            minus_one in any::<bool>(),
            present in any::<bool>(),
        ) {
            let null_lag = if minus_one { NullLag::MinusOne } else { NullLag::Zero };
            let name = if present { "g" } else { "h" };
            let snap = StreamSnapshot { length, groups: vec![group(name, pending, lag)] };
            let r = metric_from_snapshot(&lag_query(null_lag), Some(&snap));
            let value = r.map(|r| r.value).ok();
            let expected = match (present, lag) {
                (false, _) => length as i64,
                (true, Some(l)) => l as i64,
                (true, None) => if minus_one { -1 } else { 0 },
            };
            prop_assert_eq!(value, Some(expected));
        }

        #[test]
        fn length_mode_never_fails(length in proptest::option::of(0u64..u64::MAX)) {
            let q = StreamQuery::from_trigger("s", None, 1, NullLag::Zero);
            let snap = length.map(|length| StreamSnapshot { length, groups: vec![] });
            let r = metric_from_snapshot(&q, snap.as_ref());
            prop_assert!(r.map(|r| r.value >= 0).unwrap_or(false));
        }
    }
}
