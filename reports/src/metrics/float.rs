//! Floats that survive a save and a load bit for bit: `#[serde(with =
//! "float")]` on an `f64` writes finite values as JSON numbers
//! (serde_json's `float_roundtrip` reads them exactly), NaN and infinities
//! as the strings `"NaN"`, `"inf"`, `"-inf"` (a plain f64 would be written
//! as `null` and not read back).
//!
//! Used by the recorder and what it holds (visits, series, Job counters),
//! so that a saved recorder loads back exactly.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

pub(crate) fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() {
        serializer.serialize_f64(*x)
    } else if x.is_nan() {
        serializer.serialize_str("NaN")
    } else if *x > 0.0 {
        serializer.serialize_str("inf")
    } else {
        serializer.serialize_str("-inf")
    }
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }
    match Repr::deserialize(deserializer)? {
        Repr::Number(x) => Ok(x),
        Repr::Text(t) => match t.as_str() {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(D::Error::custom(format!(
                "expected a number, \"NaN\", \"inf\" or \"-inf\", found {t:?}"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use crate::metrics::float;

    #[test]
    fn floats_round_trip_bit_for_bit() {
        #[derive(Serialize, Deserialize)]
        struct F(#[serde(with = "float")] f64);
        for x in [
            0.1,
            -0.0,
            1e-300,
            f64::MAX,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let json = serde_json::to_string(&F(x)).unwrap_or_default();
            let back: F = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back.0.to_bits(), x.to_bits(), "{json}");
        }
        let nan: F = serde_json::from_str("\"NaN\"").unwrap_or_else(|e| panic!("{e}"));
        assert!(nan.0.is_nan());
        assert!(serde_json::from_str::<F>("\"nope\"").is_err());
        assert!(serde_json::from_str::<F>("null").is_err());
    }
}
