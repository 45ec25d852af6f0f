//! Alert files: Confluent wire-format single alerts and Avro object-container
//! files, told apart by their first bytes.

use alertsim_core::alert::container;
use alertsim_core::alert::records::Alert;
use alertsim_core::alert::schema::SCHEMA_ID;
use alertsim_core::alert::wire;

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
    if bytes.starts_with(&container::MAGIC) {
        Ok(FileKind::Container)
    } else if bytes.first() == Some(&wire::MAGIC) {
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
    wire::encode_alert_message(alert, out);
}

/// Decodes one wire-format alert.
pub fn decode_wire(bytes: &[u8]) -> Result<Alert, String> {
    wire::decode_alert_message(bytes)
        .map_err(|err| format!("not a valid wire-format 11.0 alert: {err}"))
}

/// The `{visit}_{detector}.avro` container file of a detector's alerts:
/// its name and bytes.
pub fn encode_container(visit: i64, detector: i32, alerts: &[Alert]) -> (String, Vec<u8>) {
    container::visit_detector_container(visit, detector, alerts)
}

/// Decodes every alert of a container file.
pub fn decode_container(bytes: &[u8]) -> Result<Vec<Alert>, String> {
    container::read_container(bytes)
        .map_err(|err| format!("not a valid Avro container file of 11.0 alerts: {err}"))
}
