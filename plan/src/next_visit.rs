//! The `nextVisit` event that starts a visit's fan-out, built the same way
//! for both drivers: the fields Rubin's fan-out writes, with this night's
//! visit index, times and identifiers. Only the clock differs: the
//! simulator stamps virtual time from [`NIGHT_START_UNIX_S`], a load run
//! stamps the wall clock.

use alertsim_core::alert::generate::ids::visit_at;
use alertsim_core::fanout;

use crate::night::Visit;

/// Unix time (s) of scenario second 0 in the simulator (2026-01-01T00:00Z).
pub const NIGHT_START_UNIX_S: u64 = 1_767_225_600;

/// MJD (TAI) of the synthetic night whose visit numbers the alerts carry.
pub const NIGHT_MJD: f64 = 61_000.05;

/// The fan-out's `groupId` of visit `index` in scenario `scenario`.
pub fn group_id(scenario: &str, index: u32) -> String {
    format!("{scenario}-visit-{index:05}")
}

/// The visit number in the alerts (`diaSource.visit`) of visit `index`.
pub fn visit_number(index: u32) -> i64 {
    visit_at(NIGHT_MJD) + i64::from(index)
}

/// The `nextVisit` fields of `visit`, announced at `announced_unix_s` for an
/// exposure starting at `exposure_start_unix_s` and lasting `exposure_s`
/// (UTC Unix seconds; the fields carry them on the TAI scale).
pub fn next_visit(
    scenario: &str,
    visit: &Visit,
    exposure_s: f64,
    announced_unix_s: f64,
    exposure_start_unix_s: f64,
) -> fanout::Visit {
    fanout::Visit {
        sal_index: 1,
        script_sal_index: 1,
        instrument: "LSSTCam".to_owned(),
        group_id: group_id(scenario, visit.index),
        coordinate_system: 2,
        position: [
            f64::from(visit.index % 360),
            -30.0 + f64::from(visit.index % 60),
        ],
        // Both stamps are TAI, as Rubin's nextVisit carries them.
        start_time: fanout::tai::unix_tai(exposure_start_unix_s),
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r".to_owned(),
        dome: 1,
        duration: exposure_s,
        nimages: 1,
        survey: "BLOCK-365".to_owned(),
        total_checkpoints: 0,
        private_snd_stamp: fanout::tai::unix_tai(announced_unix_s),
    }
}
