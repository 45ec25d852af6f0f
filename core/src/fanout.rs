//! Fan-out: a visit becomes one Redis stream event per active detector.
//!
//! The pure part: [`Visit`] (Rubin's `nextVisit` fields), [`fan_out`] which
//! turns a visit and its active detectors into one [`StreamEvent`] per
//! detector for the stream `instrument:<name>`, and [`DetectorEvent`] which
//! reads such an event back (the worker's side). Field values are written
//! as the Python fan-out service writes them (`str()` of each value; the
//! position as `"[ra, dec]"`). The driver in `alertsim_drivers::fanout`
//! creates the consumer group as Rubin does and issues the `XADD`s, one
//! per detector, each retried as [`retry::WriteRetry`] says; [`expiry`]
//! drops a `nextVisit` too old to fan out; [`tai`] converts the TAI stamps.

pub mod expiry;
pub mod fields;
pub mod retry;
pub mod tai;

pub use fields::FieldError;

use serde::{Deserialize, Serialize};

/// Number of science detectors of LSSTCam (detectors 0..=188).
pub const LSSTCAM_SCIENCE_DETECTORS: u32 = 189;

/// A `nextVisit` announcement, with Rubin's field names in the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// `salIndex`: index of the SAL component that sent the event.
    pub sal_index: i64,
    /// `scriptSalIndex`: index of the observing script.
    pub script_sal_index: i64,
    /// `instrument`, e.g. `LSSTCam`.
    pub instrument: String,
    /// `groupId`: identifies the visit's exposures.
    pub group_id: String,
    /// `coordinateSystem` enum value.
    pub coordinate_system: i64,
    /// `position`: the pointing, two angles in degrees.
    pub position: [f64; 2],
    /// `startTime`: TAI seconds.
    pub start_time: f64,
    /// `rotationSystem` enum value.
    pub rotation_system: i64,
    /// `cameraAngle`: degrees.
    pub camera_angle: f64,
    /// `filters`: the filter name.
    pub filters: String,
    /// `dome` state enum value.
    pub dome: i64,
    /// `duration`: seconds of exposure per snap.
    pub duration: f64,
    /// `nimages`: number of snaps.
    pub nimages: i64,
    /// `survey` name.
    pub survey: String,
    /// `totalCheckpoints` of the script.
    pub total_checkpoints: i64,
    /// `private_sndStamp`: when the event was sent, Unix seconds on the TAI
    /// scale (37 s ahead of UTC, see [`tai`]).
    pub private_snd_stamp: f64,
}

/// One entry to append: the stream key and its field/value pairs in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamEvent {
    /// The stream key, e.g. `instrument:lsstcam`.
    pub stream: String,
    /// Field/value pairs, in Rubin's order, `detector` last.
    pub fields: Vec<(String, String)>,
}

/// The event a worker reads back: one detector of one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorEvent {
    /// The visit.
    pub visit: Visit,
    /// The detector number.
    pub detector: u32,
}

impl DetectorEvent {
    /// Decodes the fields of a stream entry (extra fields are ignored).
    pub fn from_fields<K, V>(pairs: &[(K, V)]) -> Result<Self, FieldError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        fields::decode(pairs)
    }
}

/// The stream key of an instrument: `instrument:` + its lower-case name
/// (`LSSTCam` -> `instrument:lsstcam`).
pub fn stream_key(instrument: &str) -> String {
    format!("instrument:{}", instrument.to_lowercase())
}

/// The consumer group of an instrument (`LSSTCam` -> `lsstcam_consumer_group`).
pub fn consumer_group(instrument: &str) -> String {
    format!("{}_consumer_group", instrument.to_lowercase())
}

/// LSSTCam's science detectors, 0..=188.
pub fn lsstcam_detectors() -> Vec<u32> {
    (0..LSSTCAM_SCIENCE_DETECTORS).collect()
}

/// One event per active detector, in the order given, all for the
/// instrument's stream.
pub fn fan_out(visit: &Visit, active_detectors: &[u32]) -> Vec<StreamEvent> {
    let stream = stream_key(&visit.instrument);
    let common = fields::encode_visit(visit);
    active_detectors
        .iter()
        .map(|detector| {
            let mut pairs = common.clone();
            pairs.push(("detector".to_owned(), detector.to_string()));
            StreamEvent {
                stream: stream.clone(),
                fields: pairs,
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_visit() -> Visit {
        Visit {
            sal_index: 3,
            script_sal_index: 300_123,
            instrument: "LSSTCam".into(),
            group_id: "2026-11-22T03:12:45.123".into(),
            coordinate_system: 2,
            position: [150.125, -30.5],
            start_time: 1_795_000_000.25,
            rotation_system: 2,
            camera_angle: 0.0,
            filters: "r_57".into(),
            dome: 2,
            duration: 30.0,
            nimages: 1,
            survey: "BLOCK-365".into(),
            total_checkpoints: 0,
            private_snd_stamp: 1_795_000_000.0,
        }
    }

    #[test]
    fn one_event_per_detector_on_the_instrument_stream() {
        let events = fan_out(&sample_visit(), &lsstcam_detectors());
        assert_eq!(events.len(), 189);
        assert!(events.iter().all(|e| e.stream == "instrument:lsstcam"));
        let detectors: Vec<&str> = events
            .iter()
            .filter_map(|e| e.fields.last())
            .filter(|(k, _)| k == "detector")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(detectors.first(), Some(&"0"));
        assert_eq!(detectors.last(), Some(&"188"));
        assert_eq!(detectors.len(), 189);
    }

    #[test]
    fn events_carry_rubins_field_names_in_order() {
        let events = fan_out(&sample_visit(), &[42]);
        let names: Vec<&str> = events
            .first()
            .map(|e| e.fields.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [
                "salIndex",
                "scriptSalIndex",
                "instrument",
                "groupId",
                "coordinateSystem",
                "position",
                "startTime",
                "rotationSystem",
                "cameraAngle",
                "filters",
                "dome",
                "duration",
                "nimages",
                "survey",
                "totalCheckpoints",
                "private_sndStamp",
                "detector"
            ]
        );
    }

    #[test]
    fn names_follow_rubin() {
        assert_eq!(stream_key("LSSTCam"), "instrument:lsstcam");
        assert_eq!(stream_key("HSC"), "instrument:hsc");
        assert_eq!(consumer_group("LSSTCam"), "lsstcam_consumer_group");
    }

    #[test]
    fn no_detectors_no_events() {
        assert!(fan_out(&sample_visit(), &[]).is_empty());
    }
}
