//! The text encoding of a visit's fields in a stream entry, both ways.
//! Numbers are written as Python's `str()` writes them (floats always with a
//! fraction or an exponent), the position as `"[ra, dec]"`.

use super::{DetectorEvent, Visit};

/// Why a stream entry is not a valid detector event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A required field is absent.
    #[error("field {0:?} is missing")]
    Missing(&'static str),
    /// A field's value does not parse.
    #[error("field {field:?} has value {value:?}, expected {expected}")]
    Invalid {
        /// The field name.
        field: &'static str,
        /// The offending text.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

/// Writes a float as Python's `repr` does for the values a visit holds:
/// integral values keep `.0`, large or tiny magnitudes use an exponent.
pub fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        // Rust's `{:e}` gives `1e16` / `1.5e-5`; Python writes `1e+16` / `1.5e-05`.
        let text = format!("{x:e}");
        return match text.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => text,
        };
    }
    if x == x.trunc() {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// The visit's fields in Rubin's order, without `detector`.
pub(super) fn encode_visit(v: &Visit) -> Vec<(String, String)> {
    let [ra, dec] = v.position;
    [
        ("salIndex", v.sal_index.to_string()),
        ("scriptSalIndex", v.script_sal_index.to_string()),
        ("instrument", v.instrument.clone()),
        ("groupId", v.group_id.clone()),
        ("coordinateSystem", v.coordinate_system.to_string()),
        (
            "position",
            format!("[{}, {}]", python_float(ra), python_float(dec)),
        ),
        ("startTime", python_float(v.start_time)),
        ("rotationSystem", v.rotation_system.to_string()),
        ("cameraAngle", python_float(v.camera_angle)),
        ("filters", v.filters.clone()),
        ("dome", v.dome.to_string()),
        ("duration", python_float(v.duration)),
        ("nimages", v.nimages.to_string()),
        ("survey", v.survey.clone()),
        ("totalCheckpoints", v.total_checkpoints.to_string()),
        ("private_sndStamp", python_float(v.private_snd_stamp)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

struct Lookup<'a, K, V>(&'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Lookup<'_, K, V> {
    fn text(&self, field: &'static str) -> Result<&str, FieldError> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == field)
            .map(|(_, v)| v.as_ref())
            .ok_or(FieldError::Missing(field))
    }

    fn parse<T: std::str::FromStr>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> Result<T, FieldError> {
        let text = self.text(field)?;
        text.trim().parse().map_err(|_| FieldError::Invalid {
            field,
            value: text.to_owned(),
            expected,
        })
    }
}

fn parse_position(text: &str) -> Option<[f64; 2]> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let (a, b) = inner.split_once(',')?;
    Some([a.trim().parse().ok()?, b.trim().parse().ok()?])
}

/// Reads a detector event back from an entry's field/value pairs.
pub(super) fn decode<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
) -> Result<DetectorEvent, FieldError> {
    let f = Lookup(pairs);
    const INT: &str = "an integer";
    const FLOAT: &str = "a number";
    let position_text = f.text("position")?;
    let position = parse_position(position_text).ok_or_else(|| FieldError::Invalid {
        field: "position",
        value: position_text.to_owned(),
        expected: "\"[ra, dec]\"",
    })?;
    let visit = Visit {
        sal_index: f.parse("salIndex", INT)?,
        script_sal_index: f.parse("scriptSalIndex", INT)?,
        instrument: f.text("instrument")?.to_owned(),
        group_id: f.text("groupId")?.to_owned(),
        coordinate_system: f.parse("coordinateSystem", INT)?,
        position,
        start_time: f.parse("startTime", FLOAT)?,
        rotation_system: f.parse("rotationSystem", INT)?,
        camera_angle: f.parse("cameraAngle", FLOAT)?,
        filters: f.text("filters")?.to_owned(),
        dome: f.parse("dome", INT)?,
        duration: f.parse("duration", FLOAT)?,
        nimages: f.parse("nimages", INT)?,
        survey: f.text("survey")?.to_owned(),
        total_checkpoints: f.parse("totalCheckpoints", INT)?,
        private_snd_stamp: f.parse("private_sndStamp", FLOAT)?,
    };
    let detector = f.parse("detector", "a detector number")?;
    Ok(DetectorEvent { visit, detector })
}

#[cfg(test)]
mod tests {
    use super::super::{fan_out, tests::sample_visit};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn floats_read_like_python() {
        assert_eq!(python_float(30.0), "30.0");
        assert_eq!(python_float(-0.5), "-0.5");
        assert_eq!(python_float(1_795_000_000.25), "1795000000.25");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-5), "1.5e-05");
        assert_eq!(python_float(0.0), "0.0");
    }

    #[test]
    fn position_is_a_python_list() {
        let fields = encode_visit(&sample_visit());
        let position = fields.iter().find(|(k, _)| k == "position");
        assert_eq!(position.map(|(_, v)| v.as_str()), Some("[150.125, -30.5]"));
    }

    #[test]
    fn missing_and_bad_fields_are_named() {
        let event = fan_out(&sample_visit(), &[7]);
        let mut pairs = event.first().map(|e| e.fields.clone()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "survey");
        assert_eq!(decode(&pairs).err(), Some(FieldError::Missing("survey")));
        for (k, v) in pairs.iter_mut() {
            if k == "nimages" {
                *v = "two".into();
            }
        }
        pairs.push(("survey".into(), "s".into()));
        assert!(matches!(
            decode(&pairs),
            Err(FieldError::Invalid {
                field: "nimages",
                ..
            })
        ));
    }

    fn arb_visit() -> impl Strategy<Value = Visit> {
        (
            (any::<i64>(), any::<i64>(), "[A-Za-z]{1,12}", "[ -~]{0,30}"),
            (any::<i64>(), -360.0f64..360.0, -90.0f64..90.0, 0.0f64..2e9),
            (
                any::<i64>(),
                -180.0f64..180.0,
                "[a-z_0-9]{0,8}",
                any::<i64>(),
            ),
            (
                0.0f64..100.0,
                0i64..10,
                "[A-Za-z0-9-]{0,12}",
                any::<i64>(),
                0.0f64..2e9,
            ),
        )
            .prop_map(
                |(
                    (sal, script, inst, group),
                    (cs, ra, dec, start),
                    (rs, angle, filt, dome),
                    (dur, n, survey, tc, snd),
                )| Visit {
                    sal_index: sal,
                    script_sal_index: script,
                    instrument: inst,
                    group_id: group,
                    coordinate_system: cs,
                    position: [ra, dec],
                    start_time: start,
                    rotation_system: rs,
                    camera_angle: angle,
                    filters: filt,
                    dome,
                    duration: dur,
                    nimages: n,
                    survey,
                    total_checkpoints: tc,
                    private_snd_stamp: snd,
                },
            )
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(visit in arb_visit(), detector in 0u32..1000) {
            let events = fan_out(&visit, &[detector]);
            let decoded = events.first().map(|e| decode(&e.fields));
            prop_assert_eq!(decoded, Some(Ok(DetectorEvent { visit, detector })));
        }

        #[test]
        fn decode_never_panics(pairs in proptest::collection::vec(("[a-zA-Z_]{1,16}", "[ -~]{0,20}"), 0..20)) {
            let _ = decode(&pairs);
        }
    }
}
