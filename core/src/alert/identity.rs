//! Which alert a message is, read from the first few bytes of its Avro
//! datum: `diaSourceId`, then `diaSource.visit` and `diaSource.detector`,
//! without decoding the rest (the cutouts and histories are most of an
//! alert's bytes). Consumers that only need to attribute each alert to its
//! visit use this.

use super::codec::{DecodeError, Reader};
use super::wire::{self, WireError};

/// The identity of one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertIdentity {
    /// `diaSourceId` of the alert.
    pub dia_source_id: i64,
    /// `diaSource.visit`.
    pub visit: i64,
    /// `diaSource.detector`.
    pub detector: i32,
}

/// Reads the identity from an alert datum (no wire header).
pub fn datum_identity(datum: &[u8]) -> Result<AlertIdentity, DecodeError> {
    let mut r = Reader::new(datum);
    let dia_source_id = r.long()?;
    // observation_reason and target_name: ["null", "string"].
    for _ in 0..2 {
        if r.union_branch()? {
            r.bytes_ref()?;
        }
    }
    let _source_id_again = r.long()?;
    let visit = r.long()?;
    let detector = r.int()?;
    Ok(AlertIdentity {
        dia_source_id,
        visit,
        detector,
    })
}

/// Why a message's identity could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The Confluent wire header is wrong.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The datum is not an alert.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Reads the schema id and the identity of a wire-format alert message.
pub fn message_identity(message: &[u8]) -> Result<(i32, AlertIdentity), IdentityError> {
    let (schema_id, datum) = wire::split_header(message)?;
    Ok((schema_id, datum_identity(datum)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::generate::generate;

    #[test]
    fn identity_matches_the_full_decode() {
        let alerts = generate(40, 7).unwrap_or_default();
        assert_eq!(alerts.len(), 40);
        for alert in &alerts {
            let message = wire::alert_message(alert);
            let (_, id) = message_identity(&message)
                .map_err(|e| e.to_string())
                .unwrap_or((
                    0,
                    AlertIdentity {
                        dia_source_id: 0,
                        visit: 0,
                        detector: -1,
                    },
                ));
            assert_eq!(id.dia_source_id, alert.dia_source_id);
            assert_eq!(id.visit, alert.dia_source.visit);
            assert_eq!(id.detector, alert.dia_source.detector);
        }
    }

    #[test]
    fn a_short_message_is_an_error_not_a_panic() {
        let alerts = generate(1, 7).unwrap_or_default();
        let message = wire::alert_message(&alerts[0]);
        for cut in 0..12 {
            assert!(message_identity(&message[..cut]).is_err(), "cut at {cut}");
        }
    }
}
