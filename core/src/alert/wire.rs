//! Confluent wire format: magic byte, schema ID, Avro datum.
//!
//! A message is the byte `0x00`, the registry schema ID as a big-endian
//! `i32` (1100 for alert schema 11.0), then the schemaless Avro binary datum.

use super::codec::{self, DecodeError};
use super::records::Alert;
use super::schema::SCHEMA_ID;

/// The first byte of every wire-format message.
pub const MAGIC: u8 = 0x00;

/// Bytes before the datum: magic byte and schema ID.
pub const HEADER_LEN: usize = 5;

/// Why a wire-format message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message is shorter than the 5-byte header.
    #[error("message of {len} bytes is shorter than the 5-byte wire header")]
    TruncatedHeader {
        /// Length of the message.
        len: usize,
    },
    /// The first byte is not 0x00.
    #[error("bad magic byte {found:#04x} (expected 0x00)")]
    BadMagic {
        /// The byte found.
        found: u8,
    },
    /// The schema ID is not one this decoder knows.
    #[error("unknown schema ID {id} (this decoder reads {SCHEMA_ID})")]
    UnknownSchemaId {
        /// The ID found.
        id: i32,
    },
    /// The datum after the header is malformed; offsets count from the datum's start.
    #[error("bad Avro datum after the wire header: {0}")]
    Datum(#[from] DecodeError),
}

/// Appends the wire header for `schema_id`.
pub fn put_header(out: &mut Vec<u8>, schema_id: i32) {
    out.push(MAGIC);
    out.extend_from_slice(&schema_id.to_be_bytes());
}

/// Appends the wire-format message of `alert` (schema ID [`SCHEMA_ID`]).
/// `out` is not cleared, so one buffer can be reused across alerts.
pub fn encode_alert_message(alert: &Alert, out: &mut Vec<u8>) {
    put_header(out, SCHEMA_ID);
    codec::encode_alert(alert, out);
}

/// The wire-format message of `alert` in a new buffer.
pub fn alert_message(alert: &Alert) -> Vec<u8> {
    let mut out = Vec::new();
    encode_alert_message(alert, &mut out);
    out
}

/// Splits a message into its schema ID and datum, checking the magic byte.
pub fn split_header(message: &[u8]) -> Result<(i32, &[u8]), WireError> {
    match message {
        [magic, a, b, c, d, datum @ ..] => {
            if *magic != MAGIC {
                return Err(WireError::BadMagic { found: *magic });
            }
            Ok((i32::from_be_bytes([*a, *b, *c, *d]), datum))
        }
        _ => Err(WireError::TruncatedHeader { len: message.len() }),
    }
}

/// Decodes a wire-format message carrying an 11.0 alert; the datum must end
/// exactly at the end of `message`.
pub fn decode_alert_message(message: &[u8]) -> Result<Alert, WireError> {
    let (id, datum) = split_header(message)?;
    if id != SCHEMA_ID {
        return Err(WireError::UnknownSchemaId { id });
    }
    Ok(codec::decode_alert(datum)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_magic_then_big_endian_id() {
        let message = alert_message(&Alert::default());
        assert_eq!(message.get(..5), Some(&[0x00, 0x00, 0x00, 0x04, 0x4c][..]));
        assert_eq!(decode_alert_message(&message), Ok(Alert::default()));
    }

    #[test]
    fn rejects_bad_headers() {
        let mut message = alert_message(&Alert::default());
        assert_eq!(
            decode_alert_message(&message[..3]),
            Err(WireError::TruncatedHeader { len: 3 })
        );
        message[0] = 0x01;
        assert_eq!(
            decode_alert_message(&message),
            Err(WireError::BadMagic { found: 0x01 })
        );
        message[0] = 0x00;
        message[3] = 0x03; // 0x3e8 = 1000: schema 10.0
        message[4] = 0xe8;
        assert_eq!(
            decode_alert_message(&message),
            Err(WireError::UnknownSchemaId { id: 1000 })
        );
    }

    #[test]
    fn rejects_truncated_and_trailing_datum() {
        let mut message = alert_message(&Alert::default());
        let len = message.len();
        assert!(matches!(
            decode_alert_message(&message[..len - 1]),
            Err(WireError::Datum(DecodeError::Truncated { .. }))
        ));
        message.push(0);
        assert!(matches!(
            decode_alert_message(&message),
            Err(WireError::Datum(DecodeError::TrailingBytes {
                count: 1,
                ..
            }))
        ));
    }
}
