//! Saving and loading a [`Recorder`]: the recorder file
//! (`{"format":"alertsim-recorder","version":1, ...}`), latency histograms
//! as hex-encoded HdrHistogram V2. Floats survive the trip exactly through
//! `float` (non-finite ones included, which JSON numbers cannot hold).

use std::path::Path;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer as HdrDeserializer, Serializer as _, V2Serializer};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::metrics::error::MergeError;
use crate::metrics::latency::{HIGHEST_US, LatencyHistogram};
use crate::metrics::recorder::Recorder;

/// The `format` field of a recorder file.
pub const RECORDER_FORMAT: &str = "alertsim-recorder";

/// The `version` field of a recorder file this program writes and reads.
pub const RECORDER_FORMAT_VERSION: u32 = 1;

/// First 4 bytes of an uncompressed HdrHistogram V2 histogram as the Rust
/// crate writes it (base cookie 0x1c849303 with the 8-byte word flag 0x10;
/// the crate does not export it).
const V2_COOKIE: u32 = 0x1c84_9313;

/// Bytes of the V2 header: cookie, payload length, normalising offset,
/// significant digits (4 bytes each), lowest and highest trackable values
/// and the integer-to-double ratio (8 bytes each).
const V2_HEADER_LEN: usize = 40;

impl Recorder {
    /// Writes the recorder to `path` as a recorder file (JSON).
    pub fn save(&self, path: &Path) -> Result<(), MergeError> {
        let json = self.to_file_bytes().map_err(|source| MergeError::Encode {
            path: path.to_owned(),
            source,
        })?;
        std::fs::write(path, json).map_err(|source| MergeError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// The body of a recorder file (what [`Recorder::save`] writes), for
    /// carrying a recorder elsewhere than in a file (a worker process hands
    /// its recorder to the load run through Redis).
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        #[derive(Serialize)]
        struct File<'a> {
            format: &'static str,
            version: u32,
            #[serde(flatten)]
            recorder: &'a Recorder,
        }
        serde_json::to_vec(&File {
            format: RECORDER_FORMAT,
            version: RECORDER_FORMAT_VERSION,
            recorder: self,
        })
    }

    /// Reads a recorder file written by [`Recorder::save`]; a file of
    /// another format or version is an error naming the file.
    pub fn load(path: &Path) -> Result<Recorder, MergeError> {
        let bytes = crate::bounded_read::read_bounded(path, crate::bounded_read::MAX_INPUT_BYTES)
            .map_err(|source| MergeError::Io {
            path: path.to_owned(),
            source,
        })?;
        Recorder::from_file_bytes(&bytes, path)
    }

    /// Reads the body of a recorder file; `origin` names where the bytes
    /// came from in errors.
    pub fn from_file_bytes(bytes: &[u8], origin: &Path) -> Result<Recorder, MergeError> {
        let path = origin;
        let parse = |source| MergeError::Parse {
            path: path.to_owned(),
            source,
        };
        let mut value: Value = serde_json::from_slice(bytes).map_err(parse)?;
        let Some(fields) = value.as_object_mut() else {
            return Err(MergeError::Format {
                path: path.to_owned(),
                found: describe(Some(&value)),
                expected: RECORDER_FORMAT,
            });
        };
        let format = fields.remove("format");
        if format.as_ref().and_then(Value::as_str) != Some(RECORDER_FORMAT) {
            return Err(MergeError::Format {
                path: path.to_owned(),
                found: describe(format.as_ref()),
                expected: RECORDER_FORMAT,
            });
        }
        let version = fields.remove("version");
        if version.as_ref().and_then(Value::as_u64) != Some(u64::from(RECORDER_FORMAT_VERSION)) {
            return Err(MergeError::Version {
                path: path.to_owned(),
                found: describe(version.as_ref()),
                expected: RECORDER_FORMAT_VERSION,
            });
        }
        Recorder::deserialize(value).map_err(parse)
    }
}

/// A short rendering of a JSON value for an error message.
fn describe(value: Option<&Value>) -> String {
    const MAX: usize = 60;
    let Some(value) = value else {
        return "missing".to_owned();
    };
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

impl Serialize for LatencyHistogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::new();
        V2Serializer::new()
            .serialize(self.histogram(), &mut bytes)
            .map_err(S::Error::custom)?;
        serializer.serialize_str(&hex::encode(&bytes))
    }
}

impl<'de> Deserialize<'de> for LatencyHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(D::Error::custom)?;
        decode_histogram(&bytes)
            .map(LatencyHistogram::from_histogram)
            .map_err(D::Error::custom)
    }
}

/// Reads an uncompressed V2 histogram with the bounds this crate uses,
/// checking the header first so that a corrupt file cannot ask for a huge
/// allocation.
fn decode_histogram(bytes: &[u8]) -> Result<Histogram<u64>, String> {
    let word = |at: usize, len: usize| {
        bytes
            .get(at..at + len)
            .map(|b| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
    };
    let (Some(cookie), Some(payload), Some(low), Some(high)) =
        (word(0, 4), word(4, 4), word(16, 8), word(24, 8))
    else {
        return Err(format!("histogram of {} bytes is too short", bytes.len()));
    };
    if cookie != u64::from(V2_COOKIE) {
        return Err(format!(
            "not an uncompressed HdrHistogram V2 histogram (cookie {cookie:#010x})"
        ));
    }
    // Shorter than its header: the fields read above fit in 32 bytes.
    let Some(present) = bytes.len().checked_sub(V2_HEADER_LEN) else {
        return Err(format!("histogram of {} bytes is too short", bytes.len()));
    };
    if usize::try_from(payload).ok() != Some(present) {
        return Err(format!(
            "histogram payload of {payload} bytes announced, {present} present"
        ));
    }
    if low != 1 || high != HIGHEST_US {
        return Err(format!(
            "histogram bounds {low}..={high}, expected 1..={HIGHEST_US} microseconds"
        ));
    }
    HdrDeserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| format!("bad histogram: {e}"))
}

/// Hex encoding of the histogram bytes (a few lines instead of a
/// dependency).
mod hex {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";

    pub(super) fn encode(bytes: &[u8]) -> String {
        let mut s = String::with_capacity(bytes.len() * 2);
        for &b in bytes {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }

    pub(super) fn decode(text: &str) -> Result<Vec<u8>, String> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        let text = text.as_bytes();
        if !text.len().is_multiple_of(2) {
            return Err(format!("hex text of odd length {}", text.len()));
        }
        text.chunks_exact(2)
            .enumerate()
            .map(|(i, pair)| match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
                _ => Err(format!("not a hex digit at offset {}", 2 * i)),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_bad_text() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = hex::encode(&bytes);
        assert_eq!(text.len(), 512);
        assert_eq!(hex::decode(&text), Ok(bytes));
        assert_eq!(hex::decode("0A1f"), Ok(vec![0x0a, 0x1f]));
        assert!(hex::decode("abc").is_err());
        assert!(hex::decode("zz").is_err());
    }

    #[test]
    fn histograms_round_trip_and_bad_ones_are_rejected() {
        let mut h = LatencyHistogram::with_precision(2);
        for i in 0..500 {
            h.record_s(f64::from(i) * 0.37);
        }
        let json = serde_json::to_string(&h).unwrap_or_default();
        assert!(json.starts_with("\"1c849313"), "{json}");
        let back: LatencyHistogram = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back.count(), 500);
        assert_eq!(back.percentiles(), h.percentiles());
        assert_eq!(back.histogram(), h.histogram());

        let bad = |text: &str| serde_json::from_str::<LatencyHistogram>(text).is_err();
        assert!(bad("\"\""));
        assert!(bad("\"1c849313\""));
        assert!(bad("\"not hex\""));
        assert!(bad(&json[..json.len() - 3])); // truncated payload
        // Found by the fuzz target recorder_json: a histogram cut inside its
        // header (32 to 39 bytes) overflowed the payload length.
        for cut in 32..40 {
            assert!(bad(&format!("{}\"", &json[..1 + 2 * cut])), "{cut}");
        }
        // A claimed payload of 4 GB must be refused before any allocation.
        assert!(bad(&format!("{}ffffffff{}", &json[..9], &json[17..])));
        // Other bounds.
        let other = Histogram::<u64>::new_with_bounds(1, 1000, 2).unwrap_or_else(|e| panic!("{e}"));
        let mut bytes = Vec::new();
        V2Serializer::new()
            .serialize(&other, &mut bytes)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(bad(&format!("\"{}\"", hex::encode(&bytes))));
    }
}
