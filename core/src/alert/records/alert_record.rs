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

/// Generous upper bound of an encoded record's fixed-size part, per field.
const MAX_BYTES_PER_FIELD: usize = 12;

impl Alert {
    /// An upper-bound estimate of the encoded size, used to reserve the
    /// output buffer once. Strings beyond a few bytes are not counted.
    pub fn encoded_size_hint(&self) -> usize {
        use super::AvroRecord;
        let record = |fields: usize| fields * MAX_BYTES_PER_FIELD + 64;
        let cutouts = [
            &self.cutout_difference,
            &self.cutout_science,
            &self.cutout_template,
        ]
        .iter()
        .map(|c| c.as_ref().map_or(1, |c| c.len() + 11))
        .sum::<usize>();
        let sources = 1 + self.prv_dia_sources.as_ref().map_or(0, Vec::len);
        let forced = self.prv_dia_forced_sources.as_ref().map_or(0, Vec::len);
        cutouts
            + sources * record(DiaSource::FIELD_NAMES.len())
            + forced * record(DiaForcedSource::FIELD_NAMES.len())
            + record(DiaObject::FIELD_NAMES.len())
            + record(SsSource::FIELD_NAMES.len())
            + record(MpcOrbits::FIELD_NAMES.len())
            + 256
    }
}
