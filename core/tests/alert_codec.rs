//! The direct encoder writes the same bytes as apache-avro's `to_avro_datum`
//! for arbitrary alerts, with our schema and (when present) the official
//! one; the direct decoder reads them back to the same values, agrees with
//! apache-avro's decoder, and never panics on arbitrary or damaged input.

use alertsim_core::alert::codec::{DecodeError, decode_alert, encode_alert_to_vec};
use alertsim_core::alert::records::{Alert, AvroRecord, FieldSource};
use alertsim_core::alert::reference::reference_alert;
use alertsim_core::alert::schema::parse_alert_schema;
use alertsim_core::alert::wire::{self, WireError};
use apache_avro::Schema;
use apache_avro::types::Value;
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::LazyLock;

/// Our schema, parsed by apache-avro.
static OURS: LazyLock<Schema> = LazyLock::new(|| parse_alert_schema().expect("our schema parses"));

/// The official schema with its named types, when the files are present.
static OFFICIAL: LazyLock<Option<(Schema, Vec<Schema>)>> = LazyLock::new(|| {
    let dirs = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/alert-schemas/11_0"),
        PathBuf::from("/work/shared/reference/alert-schemas/11_0"),
    ];
    let dir = dirs
        .into_iter()
        .find(|d| d.join("lsst.v11_0.alert.avsc").is_file())?;
    let texts: Vec<String> = [
        "diaSource",
        "diaForcedSource",
        "diaObject",
        "ssSource",
        "mpc_orbits",
        "alert",
    ]
    .iter()
    .map(|n| std::fs::read_to_string(dir.join(format!("lsst.v11_0.{n}.avsc"))).expect("read"))
    .collect();
    let mut schemata = Schema::parse_list(texts.iter().map(String::as_str)).expect("parses");
    let alert = schemata.pop().expect("alert schema");
    Some((alert, schemata))
});

/// A deterministic value source for [`AvroRecord::fill`] (splitmix64).
struct RandomSource {
    state: u64,
    null_percent: u64,
    max_items: u64,
    allow_nan: bool,
}

impl RandomSource {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Mostly small magnitudes, sometimes extremes, so every varint length occurs.
    fn wide(&mut self) -> u64 {
        let bits = self.next();
        let shift = self.next() % 64;
        bits >> shift
    }
}

impl FieldSource for RandomSource {
    fn long(&mut self, _: &'static str, _: &'static str) -> i64 {
        self.wide() as i64
    }
    fn int(&mut self, _: &'static str, _: &'static str) -> i32 {
        self.wide() as i32
    }
    fn float(&mut self, _: &'static str, _: &'static str) -> f32 {
        let v = f32::from_bits(self.next() as u32);
        if v.is_nan() && !self.allow_nan {
            0.5
        } else {
            v
        }
    }
    fn double(&mut self, _: &'static str, _: &'static str) -> f64 {
        let v = f64::from_bits(self.next());
        if v.is_nan() && !self.allow_nan {
            -0.25
        } else {
            v
        }
    }
    fn boolean(&mut self, _: &'static str, _: &'static str) -> bool {
        self.next() & 1 == 1
    }
    fn string(&mut self, _: &'static str, _: &'static str) -> String {
        let len = self.next() % 24;
        (0..len)
            .map(|_| char::from_u32((self.next() % 0x11_0000) as u32).unwrap_or('\u{fffd}'))
            .collect()
    }
    fn bytes(&mut self, _: &'static str, _: &'static str) -> Vec<u8> {
        let len = self.next() % 300;
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn present(&mut self, _: &'static str, _: &'static str) -> bool {
        self.next() % 100 >= self.null_percent
    }
    fn array_len(&mut self, _: &'static str, _: &'static str) -> usize {
        (self.next() % (self.max_items + 1)) as usize
    }
}

fn random_alert(seed: u64, null_percent: u64, max_items: u64, allow_nan: bool) -> Alert {
    Alert::fill(&mut RandomSource {
        state: seed,
        null_percent,
        max_items,
        allow_nan,
    })
}

fn apache_bytes(alert: &Alert) -> Vec<u8> {
    apache_avro::to_avro_datum(&OURS, alert.to_avro_value()).expect("apache-avro encodes")
}

fn assert_same_as_apache_avro(alert: &Alert) {
    let ours = encode_alert_to_vec(alert);
    assert_eq!(
        ours,
        apache_bytes(alert),
        "bytes differ from apache-avro (our schema)"
    );
    if let Some((schema, schemata)) = OFFICIAL.as_ref() {
        let refs: Vec<&Schema> = schemata.iter().collect();
        let official = apache_avro::to_avro_datum_schemata(schema, refs, alert.to_avro_value())
            .expect("apache-avro encodes with the official schema");
        assert_eq!(
            ours, official,
            "bytes differ from apache-avro (official schema)"
        );
    }
    let decoded = decode_alert(&ours).expect("our decoder reads our bytes");
    let by_apache: Value =
        apache_avro::from_avro_datum(&OURS, &mut ours.as_slice(), None).expect("apache decodes");
    assert_eq!(decoded.to_avro_value(), by_apache);
}

#[test]
fn reference_alert_matches_apache_avro_and_round_trips() {
    let alert = reference_alert();
    assert_same_as_apache_avro(&alert);
    let message = wire::alert_message(&alert);
    assert_eq!(wire::decode_alert_message(&message), Ok(alert));
}

#[test]
fn empty_and_solar_system_shapes_match_apache_avro() {
    assert_same_as_apache_avro(&Alert::default());
    let mut alert = random_alert(7, 0, 2, false);
    alert.dia_object = None;
    alert.prv_dia_sources = Some(Vec::new());
    assert_same_as_apache_avro(&alert);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_alerts_match_apache_avro_and_round_trip(
        seed in any::<u64>(),
        null_percent in 0u64..=100,
        max_items in 0u64..4,
    ) {
        let alert = random_alert(seed, null_percent, max_items, false);
        assert_same_as_apache_avro(&alert);
        let message = wire::alert_message(&alert);
        prop_assert_eq!(wire::decode_alert_message(&message), Ok(alert));
    }

    #[test]
    fn nan_payloads_survive_bit_for_bit(seed in any::<u64>()) {
        let alert = random_alert(seed, 10, 2, true);
        let bytes = encode_alert_to_vec(&alert);
        prop_assert_eq!(&bytes, &apache_bytes(&alert));
        let again = decode_alert(&bytes).map(|a| encode_alert_to_vec(&a));
        prop_assert_eq!(again, Ok(bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode_alert(&bytes);
        let _ = wire::decode_alert_message(&bytes);
        let mut message = vec![0, 0, 0, 4, 0x4c];
        message.extend_from_slice(&bytes);
        let _ = wire::decode_alert_message(&message);
    }

    #[test]
    fn damaged_messages_never_panic(
        seed in any::<u64>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut message = wire::alert_message(&random_alert(seed, 30, 2, false));
        for (index, byte) in flips {
            let i = index.index(message.len());
            message[i] = byte;
        }
        if let Ok(alert) = wire::decode_alert_message(&message) {
            // Whatever decoded is a valid alert: it re-encodes and decodes again.
            let again = wire::alert_message(&alert);
            prop_assert!(wire::decode_alert_message(&again).is_ok());
        }
    }

    #[test]
    fn every_truncation_is_a_typed_error(seed in any::<u64>()) {
        let message = wire::alert_message(&random_alert(seed, 50, 1, false));
        for len in 0..message.len() {
            let err = wire::decode_alert_message(&message[..len]);
            let typed = matches!(
                err,
                Err(WireError::TruncatedHeader { .. })
                    | Err(WireError::Datum(DecodeError::Truncated { .. }))
                    | Err(WireError::Datum(DecodeError::LengthExceedsInput { .. }))
            );
            prop_assert!(typed, "length {}: {:?}", len, err);
        }
    }
}
