//! The KEDA releases the scaler reproduces, and what changed between them.
//!
//! One variant per release whose ScaledJob behaviour differs from its
//! neighbours; patch releases that change nothing here share a variant
//! (`2.17` covers v2.17.0 to v2.17.3, `2.18` v2.18.0 to v2.18.3, `2.20`
//! v2.20.0 and v2.20.1). Each behaviour is a method, read from
//! kedacore/keda at the release tags:
//!
//! | behaviour | releases | where |
//! |---|---|---|
//! | [`KedaVersion::redis_lag_needs_activation`] | 2.16 | `pkg/scalers/redis_streams_scaler.go` `Validate` (v2.16.0, v2.16.1); removed by #6481 in v2.17.0 |
//! | [`KedaVersion::null_lag`]: NULL lag reads 0, then -1 | 0 to 2.17, -1 from 2.18 | go-redis `XInfoGroupsCmd.readReply` (`command.go`): v9.7.x leaves 0, v9.14.0 sets -1 (go-redis #3369); KEDA's `go.mod` takes 9.7.0/9.7.3 to v2.17.x and 9.14.0 in v2.18.0 |
//! | [`KedaVersion::pending_conditions_per_pod`] | from 2.18 | `pkg/scaling/executor/scale_jobs.go` `areAllPendingPodConditionsFulfilled`, #6980 (v2.18.0) |
//! | [`KedaVersion::accurate_cap_subtracts_pending`] | from 2.19 | `scale_jobs.go` `accurateScalingStrategy`, #7417 for issue #7329 (v2.19.0) |
//! | [`KedaVersion::custom_without_deduction_panics`] | 2.16 to 2.20 (v2.20.1) | `scale_jobs.go` `customScalingStrategy` dereferences the nil deduction; no `recover` in the scale loop; fixed by #7871 (v2.20.2) |
//! | [`KedaVersion::crd_accepts_rollout_default`] | to 2.19 | `config/crd/bases/keda.sh_scaledjobs.yaml`: `rollout.strategy` and `rolloutStrategy` enum `gradual, immediate` from v2.20.0 (#7533), still in v2.20.2 |
//! | [`KedaVersion::crd_accepts_default_strategy`] | all but 2.20 | the same CRD: `scalingStrategy.strategy` enum without `default` in v2.20.0 and v2.20.1 (#7533), restored by #7858 (v2.20.2) |
//! | [`KedaVersion::status_writes`]: the status patch before the creations, then one after | before to 2.19, after from 2.20 | `scale_jobs.go` `RequestJobScale` (`updateLastActiveTime` before `createJobs` to v2.19.0; `updateTriggersActivity` after `cleanUp` in v2.19.0); from v2.20.0 a `ScaleResult` patched once by `pkg/scaling/scale_handler.go` `handleResult` |
//!
//! The decision formulas, the history cleanup and the default pending rule
//! are the same in every release listed. `current` names the newest
//! release (KEDA's main branch at the time of reading decides as v2.20.2).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::lag::NullLag;

/// A KEDA release whose ScaledJob behaviour the scaler reproduces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KedaVersion {
    /// v2.16.1, the release Rubin runs (v2.16.0 behaves the same here).
    #[default]
    V2_16,
    /// v2.17.0 to v2.17.3.
    V2_17,
    /// v2.18.0 to v2.18.3.
    V2_18,
    /// v2.19.0.
    V2_19,
    /// v2.20.0 and v2.20.1.
    V2_20,
    /// v2.20.2.
    V2_20_2,
}

impl KedaVersion {
    /// Every release, oldest first.
    pub const ALL: [KedaVersion; 6] = [
        Self::V2_16,
        Self::V2_17,
        Self::V2_18,
        Self::V2_19,
        Self::V2_20,
        Self::V2_20_2,
    ];

    /// The newest release, also named `current`.
    pub const LATEST: KedaVersion = Self::V2_20_2;

    /// Every name [`KedaVersion::parse`] accepts.
    pub const NAMES: [&'static str; 8] = [
        "2.16", "2.16.1", "2.17", "2.18", "2.19", "2.20", "2.20.2", "current",
    ];

    /// The canonical name: `2.16`, `2.17`, `2.18`, `2.19`, `2.20` or `2.20.2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2_16 => "2.16",
            Self::V2_17 => "2.17",
            Self::V2_18 => "2.18",
            Self::V2_19 => "2.19",
            Self::V2_20 => "2.20",
            Self::V2_20_2 => "2.20.2",
        }
    }

    /// The kedacore/keda tag whose code this variant reproduces (the one
    /// the parity test under `tests/keda-parity/` builds).
    pub fn upstream_tag(self) -> &'static str {
        match self {
            Self::V2_16 => "v2.16.1",
            Self::V2_17 => "v2.17.0",
            Self::V2_18 => "v2.18.0",
            Self::V2_19 => "v2.19.0",
            Self::V2_20 => "v2.20.0",
            Self::V2_20_2 => "v2.20.2",
        }
    }

    /// Parses one of [`KedaVersion::NAMES`] (`2.16.1` is `2.16`, `current`
    /// the newest release).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "2.16" | "2.16.1" => Some(Self::V2_16),
            "2.17" => Some(Self::V2_17),
            "2.18" => Some(Self::V2_18),
            "2.19" => Some(Self::V2_19),
            "2.20" => Some(Self::V2_20),
            "2.20.2" | "current" => Some(Self::V2_20_2),
            _ => None,
        }
    }

    /// The redis-streams scaler with a consumer group and a non-zero
    /// `lagCount` refuses to build when `activationLagCount` is 0 or unset
    /// ("activationLagCount required for Redis lag"): the ScaledJob's
    /// reconcile fails before its scale loop starts, so it creates no Job
    /// at all, not even the `minReplicaCount` ones.
    pub fn redis_lag_needs_activation(self) -> bool {
        self == Self::V2_16
    }

    /// Whether that refusal applies to a redis-streams trigger with this
    /// metadata (`consumer_group` set or not, `lagCount`,
    /// `activationLagCount`).
    pub fn refuses_redis_trigger(
        self,
        consumer_group: bool,
        lag_count: i64,
        activation: i64,
    ) -> bool {
        self.redis_lag_needs_activation() && consumer_group && lag_count != 0 && activation == 0
    }

    /// How a NULL `lag` in `XINFO GROUPS` reads (the go-redis the release
    /// ships).
    pub fn null_lag(self) -> NullLag {
        if self >= Self::V2_18 {
            NullLag::MinusOne
        } else {
            NullLag::Zero
        }
    }

    /// `pendingPodConditions` must all be True on one pod; before 2.18 the
    /// True matches were summed over all the Job's pods.
    pub fn pending_conditions_per_pod(self) -> bool {
        self >= Self::V2_18
    }

    /// The accurate strategy's cap test is `maxScale + r - P > maxRC`;
    /// before 2.19 it was `maxScale + r > maxRC`.
    pub fn accurate_cap_subtracts_pending(self) -> bool {
        self >= Self::V2_19
    }

    /// The custom strategy with a running-Job percentage but no
    /// `customScalingQueueLengthDeduction` dereferences a nil pointer: the
    /// scale loop panics and, with no `recover`, the whole operator
    /// process exits. 2.20.2 deducts 0 instead.
    pub fn custom_without_deduction_panics(self) -> bool {
        self <= Self::V2_20
    }

    /// The ScaledJob CRD accepts `rollout.strategy: default` (and
    /// `rolloutStrategy: default`), as Rubin's ScaledJob has it.
    pub fn crd_accepts_rollout_default(self) -> bool {
        self < Self::V2_20
    }

    /// The ScaledJob CRD accepts `scalingStrategy.strategy: default`.
    pub fn crd_accepts_default_strategy(self) -> bool {
        self != Self::V2_20
    }

    /// How a poll writes the ScaledJob's status (see
    /// [`super::status`]): to 2.18 a patch of the last active time before
    /// the Job creations on every active poll and a patch per changed
    /// condition after them; 2.19 also patches the triggers' activity after
    /// the cleanup when it changed; from 2.20 one patch after the creations
    /// and the cleanup, whenever anything changed (every active poll).
    pub fn status_writes(self) -> StatusWrites {
        match self {
            Self::V2_16 | Self::V2_17 | Self::V2_18 => StatusWrites::PatchPerChange,
            Self::V2_19 => StatusWrites::PatchPerChangeAndTriggers,
            Self::V2_20 | Self::V2_20_2 => StatusWrites::OnePatchAfter,
        }
    }
}

/// The forms of a poll's ScaledJob status writes, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusWrites {
    /// `updateLastActiveTime` before `createJobs` when active; the Ready and
    /// Active conditions patched each when it changes, after the creations.
    PatchPerChange,
    /// As [`StatusWrites::PatchPerChange`], and `updateTriggersActivity`
    /// after `cleanUp` when a trigger's activity changed (v2.19.0).
    PatchPerChangeAndTriggers,
    /// One patch of the whole `ScaleResult` after the creations and the
    /// cleanup, skipped when nothing changed (v2.20.0 and later).
    OnePatchAfter,
}

impl fmt::Display for KedaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for KedaVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KedaVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown KEDA release {text:?} (expected one of {})",
                Self::NAMES.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_canonical_names_round_trip() {
        for name in KedaVersion::NAMES {
            assert!(KedaVersion::parse(name).is_some(), "{name}");
        }
        for v in KedaVersion::ALL {
            assert_eq!(KedaVersion::parse(v.as_str()), Some(v));
            let json = serde_json::to_string(&v).unwrap_or_default();
            assert_eq!(serde_json::from_str::<KedaVersion>(&json).ok(), Some(v));
        }
        assert_eq!(KedaVersion::parse("2.16.1"), Some(KedaVersion::V2_16));
        assert_eq!(KedaVersion::parse("current"), Some(KedaVersion::LATEST));
        for refused in ["2.15", "2.20.1", "2.17.0", "v2.16", "", "2.21"] {
            assert_eq!(KedaVersion::parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn each_behaviour_changes_at_its_release() {
        use KedaVersion::*;
        let changes = |f: fn(KedaVersion) -> bool| -> Vec<KedaVersion> {
            KedaVersion::ALL.into_iter().filter(|v| f(*v)).collect()
        };
        assert_eq!(changes(KedaVersion::redis_lag_needs_activation), [V2_16]);
        assert_eq!(
            changes(|v| v.null_lag() == NullLag::MinusOne),
            [V2_18, V2_19, V2_20, V2_20_2]
        );
        assert_eq!(
            changes(KedaVersion::pending_conditions_per_pod),
            [V2_18, V2_19, V2_20, V2_20_2]
        );
        assert_eq!(
            changes(KedaVersion::accurate_cap_subtracts_pending),
            [V2_19, V2_20, V2_20_2]
        );
        assert_eq!(
            changes(KedaVersion::custom_without_deduction_panics),
            [V2_16, V2_17, V2_18, V2_19, V2_20]
        );
        assert_eq!(
            changes(KedaVersion::crd_accepts_rollout_default),
            [V2_16, V2_17, V2_18, V2_19]
        );
        assert_eq!(
            changes(KedaVersion::crd_accepts_default_strategy),
            [V2_16, V2_17, V2_18, V2_19, V2_20_2]
        );
        assert_eq!(
            changes(|v| v.status_writes() == StatusWrites::OnePatchAfter),
            [V2_20, V2_20_2]
        );
        assert_eq!(
            changes(|v| v.status_writes() == StatusWrites::PatchPerChangeAndTriggers),
            [V2_19]
        );
    }

    #[test]
    fn the_activation_refusal_needs_a_group_and_a_lag_count() {
        let v = KedaVersion::V2_16;
        assert!(v.refuses_redis_trigger(true, 1, 0));
        assert!(!v.refuses_redis_trigger(true, 1, 1));
        assert!(
            !v.refuses_redis_trigger(true, 0, 0),
            "lagCount 0 reads XPENDING"
        );
        assert!(!v.refuses_redis_trigger(false, 1, 0), "no group reads XLEN");
        assert!(!KedaVersion::V2_17.refuses_redis_trigger(true, 1, 0));
    }
}
