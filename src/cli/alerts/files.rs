//! Alert files: Confluent wire-format single alerts and Avro object-container
//! files, told apart by their first bytes.

use alertsim_core::alert::codec::{decode_alert, encode_alert};
use alertsim_core::alert::records::Alert;
use alertsim_core::alert::schema::SCHEMA_ID;

/// First bytes of an Avro object-container file.
pub const CONTAINER_MAGIC: &[u8; 4] = b"Obj\x01";
/// First byte of a Confluent wire-format message.
pub const WIRE_MAGIC: u8 = 0x00;

/// Which kind of alert file some bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One alert in Confluent wire format.
    Wire,
    /// An Avro object-container file of alerts.
    Container,
}

/// Tells the file kind from the first bytes, or says what was found.
pub fn detect(bytes: &[u8]) -> Result<FileKind, String> {
    if bytes.starts_with(CONTAINER_MAGIC) {
        Ok(FileKind::Container)
    } else if bytes.first() == Some(&WIRE_MAGIC) {
        Ok(FileKind::Wire)
    } else {
        let found = match bytes.first() {
            None => "an empty file".to_owned(),
            Some(b) => format!("first byte 0x{b:02x}"),
        };
        Err(format!(
            "expected a Confluent wire-format alert (first byte 0x00, then schema ID \
             {SCHEMA_ID}) or an Avro container file (starting 'Obj' 0x01), found {found}"
        ))
    }
}

/// Appends the wire-format bytes of an alert.
pub fn encode_wire(alert: &Alert, out: &mut Vec<u8>) {
    out.push(WIRE_MAGIC);
    out.extend_from_slice(&SCHEMA_ID.to_be_bytes());
    encode_alert(alert, out);
}

/// Decodes one wire-format alert.
pub fn decode_wire(bytes: &[u8]) -> Result<Alert, String> {
    let header = bytes.get(..5).ok_or_else(|| {
        format!(
            "wire format needs a 5-byte header, file has {} bytes",
            bytes.len()
        )
    })?;
    let id = i32::from_be_bytes([header[1], header[2], header[3], header[4]]);
    if id != SCHEMA_ID {
        return Err(format!("schema ID {id}, expected {SCHEMA_ID}"));
    }
    decode_alert(&bytes[5..]).map_err(|err| format!("Avro datum: {err}"))
}

/// The container file of a detector's alerts.
pub fn encode_container(_alerts: &[Alert]) -> anyhow::Result<Vec<u8>> {
    anyhow::bail!("container output is not available yet")
}

/// Decodes every alert of a container file.
pub fn decode_container(_bytes: &[u8]) -> Result<Vec<Alert>, String> {
    Err("container files cannot be decoded yet".to_owned())
}
