//! The reference alert: every field filled, full histories, fixed-size cutouts.
//!
//! Its shape matches the benchmark anchor (fastavro on the same alert): every
//! field of diaSource, diaObject and diaForcedSource holds a value (no nulls),
//! 105 prvDiaSources, 8 prvDiaForcedSources, no ssSource or mpc_orbits, and
//! three 6,000-byte cutouts; about 61 KB on the wire. Values are fixed and
//! plausible (identifiers of realistic width, so varints have realistic
//! lengths); the cutouts are filler bytes of the right size, not FITS files.

use super::records::{Alert, AvroRecord, FieldSource};

/// Number of prvDiaSources in the reference alert.
pub const PRV_DIA_SOURCES: usize = 105;
/// Number of prvDiaForcedSources in the reference alert.
pub const PRV_DIA_FORCED_SOURCES: usize = 8;
/// Size in bytes of each of the three cutouts.
pub const CUTOUT_BYTES: usize = 6_000;

const FIRST_DIA_SOURCE_ID: i64 = 281_323_062_375_219_200;
const DIA_OBJECT_ID: i64 = 281_323_062_375_200_042;
const VISIT: i64 = 2_025_061_200_123;
const DETECTOR: i32 = 42;
const MJD: f64 = 60_902.993_305_483_615;

/// Hands out deterministic values, varying per call so records differ.
struct ReferenceSource {
    calls: u32,
    next_source_id: i64,
}

impl ReferenceSource {
    fn step(&mut self) -> u32 {
        self.calls = self.calls.wrapping_add(1);
        self.calls
    }
}

impl FieldSource for ReferenceSource {
    fn long(&mut self, _record: &'static str, field: &'static str) -> i64 {
        match field {
            "diaSourceId" | "diaForcedSourceId" | "parentDiaSourceId" => {
                self.next_source_id += 1;
                self.next_source_id
            }
            "diaObjectId" => DIA_OBJECT_ID,
            "ssObjectId" => 2_111_223_344_556,
            "visit" => VISIT - i64::from(self.step() % 500),
            _ => i64::from(self.step()),
        }
    }

    fn int(&mut self, _record: &'static str, field: &'static str) -> i32 {
        match field {
            "detector" => DETECTOR,
            "bboxSize" => 50,
            _ => 10 + (self.step() % 90) as i32,
        }
    }

    fn float(&mut self, _record: &'static str, _field: &'static str) -> f32 {
        1_241.0 + (self.step() % 997) as f32 * 0.731
    }

    fn double(&mut self, _record: &'static str, field: &'static str) -> f64 {
        let k = f64::from(self.step() % 1_000);
        match field {
            "ra" => 351.570_546_978 + k * 1e-7,
            "dec" => 0.126_243_049_656 + k * 1e-7,
            f if f.ends_with("MjdTai") => MJD - k * 0.5,
            _ => 0.001_23 * (k + 1.0),
        }
    }

    fn boolean(&mut self, _record: &'static str, _field: &'static str) -> bool {
        self.step().is_multiple_of(3)
    }

    fn string(&mut self, _record: &'static str, field: &'static str) -> String {
        match field {
            "band" => "r".to_owned(),
            "observation_reason" => "wfd".to_owned(),
            "target_name" => "lowdust".to_owned(),
            _ => "reference".to_owned(),
        }
    }

    fn bytes(&mut self, _record: &'static str, _field: &'static str) -> Vec<u8> {
        let seed = self.step();
        (0..CUTOUT_BYTES)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) as u8)
            .collect()
    }

    fn present(&mut self, record: &'static str, field: &'static str) -> bool {
        !(record == "alert" && matches!(field, "ssSource" | "mpc_orbits"))
    }

    fn array_len(&mut self, _record: &'static str, field: &'static str) -> usize {
        match field {
            "prvDiaSources" => PRV_DIA_SOURCES,
            "prvDiaForcedSources" => PRV_DIA_FORCED_SOURCES,
            _ => 0,
        }
    }
}

/// The reference alert (deterministic: every call returns the same alert).
pub fn reference_alert() -> Alert {
    let mut source = ReferenceSource {
        calls: 0,
        next_source_id: FIRST_DIA_SOURCE_ID,
    };
    let mut alert = Alert::fill(&mut source);
    alert.dia_source_id = alert.dia_source.dia_source_id;
    alert.dia_source.visit = VISIT;
    alert
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::wire;

    #[test]
    fn reference_alert_has_the_anchor_shape() {
        let alert = reference_alert();
        assert_eq!(alert.prv_dia_sources.as_ref().map(Vec::len), Some(105));
        assert_eq!(alert.prv_dia_forced_sources.as_ref().map(Vec::len), Some(8));
        assert!(alert.ss_source.is_none() && alert.mpc_orbits.is_none());
        assert!(alert.dia_object.is_some());
        for cutout in [
            &alert.cutout_difference,
            &alert.cutout_science,
            &alert.cutout_template,
        ] {
            assert_eq!(cutout.as_ref().map(Vec::len), Some(CUTOUT_BYTES));
        }
        let bytes = wire::alert_message(&alert).len();
        assert!((58_000..64_000).contains(&bytes), "{bytes} bytes");
        assert_eq!(reference_alert(), alert);
    }

    #[test]
    fn no_field_of_the_sources_or_object_is_null() {
        let alert = reference_alert();
        let json = serde_json::to_value(&alert).expect("serialises");
        let mut records = vec![&json["diaSource"], &json["diaObject"]];
        records.extend(json["prvDiaSources"].as_array().into_iter().flatten());
        records.extend(json["prvDiaForcedSources"].as_array().into_iter().flatten());
        assert_eq!(records.len(), 2 + 105 + 8);
        for record in records {
            let fields = record.as_object().expect("a record");
            for (name, value) in fields {
                assert!(!value.is_null(), "{name} is null");
            }
        }
    }
}
