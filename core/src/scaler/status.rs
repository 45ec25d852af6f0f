//! The ScaledJob status writes of one poll: which status patches KEDA's
//! executor sends, and where they fall around the Job creations and the
//! history cleanup (each is one API request, so each takes a token from a
//! client-side rate limiter).
//!
//! Read from kedacore/keda `pkg/scaling/executor/scale_jobs.go`
//! `RequestJobScale` at each tag (see [`StatusWrites`] for the three forms):
//! - v2.16.1 to v2.18.x: on an active poll, `updateLastActiveTime` patches
//!   the status *before* `createJobs`; after the creations the Ready and
//!   the Active conditions are each patched when they change; then
//!   `cleanUp` deletes old finished Jobs.
//! - v2.19.0: the same, and after `cleanUp` `updateTriggersActivity`
//!   patches the per-trigger activity when a trigger's activity changed.
//! - v2.20.0 to v2.20.2: `RequestJobScale` only returns a `ScaleResult`;
//!   `scale_handler.go` `handleResult` then sends one `Status().Patch`
//!   *after* the creations and the cleanup, skipped when nothing changed (on
//!   an active poll `LastActiveTime` always changes).
//!
//! The Ready condition: Unknown when a trigger errored, True otherwise; from
//! 2.19, False when a trigger errored and none is active.

use super::release::{KedaVersion, StatusWrites};

/// The ScaledJob's Ready condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ready {
    True,
    False,
    Unknown,
}

/// Status patches of one poll, by where they are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusPatches {
    /// Before the first Job creation.
    pub before_creations: u32,
    /// After the creations, before the cleanup's deletions.
    pub after_creations: u32,
    /// After the cleanup's deletions.
    pub after_cleanup: u32,
}

impl StatusPatches {
    /// All the poll's patches.
    pub fn total(&self) -> u32 {
        self.before_creations + self.after_creations + self.after_cleanup
    }
}

/// What the ScaledJob's status holds, as far as the patches depend on it
/// (`None`: not written yet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusTracker {
    ready: Option<Ready>,
    active: Option<bool>,
    triggers_active: Option<Vec<bool>>,
}

impl StatusTracker {
    /// A ScaledJob whose status has not been written by a poll yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One poll that reached the executor: the ScaledJob is active or not,
    /// some trigger errored or not, and each trigger's own activity. Returns
    /// the patches `version` sends and records the new status.
    pub fn poll(
        &mut self,
        version: KedaVersion,
        is_active: bool,
        any_trigger_errored: bool,
        triggers_active: &[bool],
    ) -> StatusPatches {
        let ready = match (any_trigger_errored, is_active) {
            (false, _) => Ready::True,
            (true, false) if version >= KedaVersion::V2_19 => Ready::False,
            (true, _) => Ready::Unknown,
        };
        let ready_changes = self.ready != Some(ready);
        let active_changes = self.active != Some(is_active);
        let triggers_change = self.triggers_active.as_deref() != Some(triggers_active);
        self.ready = Some(ready);
        self.active = Some(is_active);
        self.triggers_active = Some(triggers_active.to_vec());
        let count = |b: bool| u32::from(b);
        match version.status_writes() {
            StatusWrites::PatchPerChange => StatusPatches {
                before_creations: count(is_active),
                after_creations: count(ready_changes) + count(active_changes),
                after_cleanup: 0,
            },
            StatusWrites::PatchPerChangeAndTriggers => StatusPatches {
                before_creations: count(is_active),
                after_creations: count(ready_changes) + count(active_changes),
                after_cleanup: count(triggers_change),
            },
            StatusWrites::OnePatchAfter => StatusPatches {
                before_creations: 0,
                after_creations: 0,
                after_cleanup: count(
                    is_active || ready_changes || active_changes || triggers_change,
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patches(b: u32, c: u32, d: u32) -> StatusPatches {
        StatusPatches {
            before_creations: b,
            after_creations: c,
            after_cleanup: d,
        }
    }

    #[test]
    fn up_to_2_18_every_active_poll_patches_before_creating() {
        let mut s = StatusTracker::new();
        let v = KedaVersion::V2_16;
        // First poll: last active time, then Ready and Active are written.
        assert_eq!(s.poll(v, true, false, &[true]), patches(1, 2, 0));
        // Steady: only the last active time, before the creations.
        assert_eq!(s.poll(v, true, false, &[true]), patches(1, 0, 0));
        // A trigger's activity changes: 2.16 does not write it.
        assert_eq!(s.poll(v, true, false, &[false]), patches(1, 0, 0));
        // Redis fails: Ready goes Unknown.
        assert_eq!(s.poll(v, true, true, &[false]), patches(1, 1, 0));
        // Inactive and healthy: Ready and Active change, nothing before.
        assert_eq!(s.poll(v, false, false, &[false]), patches(0, 2, 0));
        assert_eq!(s.poll(v, false, false, &[false]), patches(0, 0, 0));
    }

    #[test]
    fn v2_19_adds_the_trigger_activity_after_the_cleanup() {
        let mut s = StatusTracker::new();
        let v = KedaVersion::V2_19;
        assert_eq!(s.poll(v, true, false, &[true]), patches(1, 2, 1));
        assert_eq!(s.poll(v, true, false, &[true]), patches(1, 0, 0));
        assert_eq!(s.poll(v, true, false, &[false]), patches(1, 0, 1));
        // All triggers errored and the ScaledJob inactive: Ready False.
        assert_eq!(s.poll(v, false, true, &[false]), patches(0, 2, 0));
    }

    #[test]
    fn from_2_20_one_patch_after_everything() {
        for v in [KedaVersion::V2_20, KedaVersion::V2_20_2] {
            let mut s = StatusTracker::new();
            assert_eq!(s.poll(v, true, false, &[true]), patches(0, 0, 1));
            assert_eq!(s.poll(v, true, false, &[true]), patches(0, 0, 1));
            assert_eq!(s.poll(v, false, false, &[false]), patches(0, 0, 1));
            assert_eq!(s.poll(v, false, false, &[false]), patches(0, 0, 0));
            assert_eq!(s.poll(v, false, false, &[false]).total(), 0);
        }
    }
}
