//! The top-level `alert` record of the 11.0 alert schema (12 fields): the
//! triggering source, its histories, the object or solar-system records and
//! the three FITS cutouts.

use super::{DiaForcedSource, DiaObject, DiaSource, MpcOrbits, SsSource};

crate::avro_record! {
    /// One alert: the packet sent to community brokers for one DIASource.
    pub struct Alert = "alert" {
        dia_source_id: i64 = "diaSourceId",
        observation_reason: Option<String> = "observation_reason",
        target_name: Option<String> = "target_name",
        dia_source: DiaSource = "diaSource",
        prv_dia_sources: Option<Vec<DiaSource>> = "prvDiaSources",
        prv_dia_forced_sources: Option<Vec<DiaForcedSource>> = "prvDiaForcedSources",
        dia_object: Option<DiaObject> = "diaObject",
        ss_source: Option<SsSource> = "ssSource",
        mpc_orbits: Option<MpcOrbits> = "mpc_orbits",
        cutout_difference: Option<Vec<u8>> = "cutoutDifference",
        cutout_science: Option<Vec<u8>> = "cutoutScience",
        cutout_template: Option<Vec<u8>> = "cutoutTemplate",
    }
}
