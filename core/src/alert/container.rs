//! Avro object-container files of alerts (`{visit}_{detector}.avro`).
//!
//! The real packager can write all alerts of one detector of one visit into
//! an Avro object container file. [`ContainerWriter`] builds such a file in
//! memory (sans-IO: the caller writes the bytes wherever it likes): the
//! header (`Obj\x01`, metadata map with `avro.schema` and `avro.codec` =
//! `null`, a 16-byte sync marker), then blocks of alerts (item count, byte
//! size, datums, sync marker). apache-avro's `Writer` only accepts values it
//! encodes itself (no pre-encoded datums), which would cost its slow generic
//! path per alert, so the framing is written here around our direct encoder.
//! [`read_container`] reads such files back (codec null only).

use super::codec::{self, DecodeError, Reader};
use super::records::{Alert, AvroRecord};
use super::schema::alert_schema_json;

/// The four bytes every Avro object container file starts with.
pub const MAGIC: [u8; 4] = *b"Obj\x01";

/// Bytes of datums after which a block is closed (fastavro's default sync
/// interval); an alert larger than this gets a block of its own.
pub const BLOCK_BYTES: usize = 16_000;

/// The file name the packager uses for a visit-detector container.
pub fn container_file_name(visit: i64, detector: i32) -> String {
    format!("{visit}_{detector}.avro")
}

/// A sync marker derived from the visit and detector, so that the same
/// batch always gives the same file (the specification asks only that the
/// marker be unlikely to occur in the data).
pub fn sync_marker(visit: i64, detector: i32) -> [u8; 16] {
    let mut state = (visit as u64) ^ (u64::from(detector as u32) << 48) ^ 0x5bd1_e995_a5a5_0f0f;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (a, b) = (next(), next());
    let mut marker = [0u8; 16];
    marker[..8].copy_from_slice(&a.to_le_bytes());
    marker[8..].copy_from_slice(&b.to_le_bytes());
    marker
}

/// Builds an Avro object container file of alerts in memory.
#[derive(Debug)]
pub struct ContainerWriter {
    out: Vec<u8>,
    block: Vec<u8>,
    block_items: usize,
    sync: [u8; 16],
}

impl ContainerWriter {
    /// Starts a file with the alert schema, codec null and `sync` as marker.
    pub fn new(sync: [u8; 16]) -> Self {
        let schema = alert_schema_json();
        let mut out = Vec::with_capacity(schema.len() + 64);
        out.extend_from_slice(&MAGIC);
        let mut meta = Vec::with_capacity(schema.len() + 64);
        put_long(&mut meta, 2);
        put_bytes(&mut meta, b"avro.codec");
        put_bytes(&mut meta, b"null");
        put_bytes(&mut meta, b"avro.schema");
        put_bytes(&mut meta, schema.as_bytes());
        put_long(&mut meta, 0);
        out.extend_from_slice(&meta);
        out.extend_from_slice(&sync);
        Self {
            out,
            block: Vec::new(),
            block_items: 0,
            sync,
        }
    }

    /// Adds one alert.
    pub fn append(&mut self, alert: &Alert) {
        codec::encode_alert(alert, &mut self.block);
        self.block_items += 1;
        if self.block.len() >= BLOCK_BYTES {
            self.close_block();
        }
    }

    fn close_block(&mut self) {
        if self.block_items == 0 {
            return;
        }
        put_long(&mut self.out, self.block_items as i64);
        put_long(&mut self.out, self.block.len() as i64);
        self.out.extend_from_slice(&self.block);
        self.out.extend_from_slice(&self.sync);
        self.block.clear();
        self.block_items = 0;
    }

    /// Closes the last block and returns the file's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.close_block();
        self.out
    }
}

/// The container file of one visit-detector batch: its name and bytes.
pub fn visit_detector_container(visit: i64, detector: i32, alerts: &[Alert]) -> (String, Vec<u8>) {
    let mut writer = ContainerWriter::new(sync_marker(visit, detector));
    for alert in alerts {
        writer.append(alert);
    }
    (container_file_name(visit, detector), writer.finish())
}

/// Why a container file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// The file does not start with `Obj\x01`.
    #[error("not an Avro container file (bad magic)")]
    BadMagic,
    /// The header's metadata is malformed.
    #[error("bad container header: {0}")]
    Header(DecodeError),
    /// The codec is not `null`.
    #[error("unsupported codec {0:?} (only null is read)")]
    UnsupportedCodec(String),
    /// The file's schema is not the 11.0 alert schema.
    #[error("the file's schema is not lsst.v11_0.alert")]
    WrongSchema,
    /// A block's framing or an alert in it is malformed.
    #[error("bad block at byte {offset}: {error}")]
    Block {
        /// Byte offset of the block.
        offset: usize,
        /// What was wrong.
        error: DecodeError,
    },
    /// A block is not followed by the file's sync marker.
    #[error("sync marker mismatch after the block at byte {offset}")]
    SyncMismatch {
        /// Byte offset of the block.
        offset: usize,
    },
}

/// Reads all alerts of a container file written with codec null.
///
/// The schema in the header must parse to the same canonical form as ours.
pub fn read_container(file: &[u8]) -> Result<Vec<Alert>, ContainerError> {
    let body = file.strip_prefix(&MAGIC).ok_or(ContainerError::BadMagic)?;
    let mut reader = Reader::new(body);
    let mut codec_name = None;
    let mut schema = None;
    loop {
        let count = reader.long().map_err(ContainerError::Header)?;
        if count == 0 {
            break;
        }
        if count < 0 {
            reader.long().map_err(ContainerError::Header)?;
        }
        for _ in 0..count.unsigned_abs() {
            let key = reader.string().map_err(ContainerError::Header)?;
            let value = reader.bytes().map_err(ContainerError::Header)?;
            match key.as_str() {
                "avro.codec" => codec_name = Some(String::from_utf8_lossy(&value).into_owned()),
                "avro.schema" => schema = Some(value),
                _ => {}
            }
        }
    }
    let codec_name = codec_name.unwrap_or_else(|| "null".to_owned());
    if codec_name != "null" {
        return Err(ContainerError::UnsupportedCodec(codec_name));
    }
    check_schema(schema.as_deref())?;
    let header_end = reader.position();
    let sync = body
        .get(header_end..header_end + 16)
        .ok_or(ContainerError::Header(DecodeError::Truncated {
            offset: header_end,
        }))?;
    let mut pos = header_end + 16;
    let mut alerts = Vec::new();
    while pos < body.len() {
        let offset = pos + MAGIC.len();
        let block_error = |error| ContainerError::Block { offset, error };
        let rest = body.get(pos..).unwrap_or_default();
        let mut framing = Reader::new(rest);
        let items = framing.long().map_err(block_error)?;
        let data = framing.bytes_ref().map_err(block_error)?;
        let mut data_reader = Reader::new(data);
        for _ in 0..items.max(0) {
            alerts.push(Alert::decode(&mut data_reader).map_err(block_error)?);
        }
        data_reader.finish().map_err(block_error)?;
        let after = pos + framing.position();
        if body.get(after..after + 16) != Some(sync) {
            return Err(ContainerError::SyncMismatch { offset });
        }
        pos = after + 16;
    }
    Ok(alerts)
}

fn check_schema(schema: Option<&[u8]>) -> Result<(), ContainerError> {
    let text = schema
        .and_then(|s| std::str::from_utf8(s).ok())
        .ok_or(ContainerError::WrongSchema)?;
    if text == alert_schema_json() {
        return Ok(());
    }
    let theirs = apache_avro::Schema::parse_str(text).map_err(|_| ContainerError::WrongSchema)?;
    let ours = super::schema::parse_alert_schema().map_err(|_| ContainerError::WrongSchema)?;
    if theirs.canonical_form() == ours.canonical_form() {
        Ok(())
    } else {
        Err(ContainerError::WrongSchema)
    }
}

fn put_long(out: &mut Vec<u8>, value: i64) {
    let mut z = ((value << 1) ^ (value >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

fn put_bytes(out: &mut Vec<u8>, value: &[u8]) {
    put_long(out, value.len() as i64);
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_and_marker_are_per_visit_detector() {
        assert_eq!(
            container_file_name(2025061200123, 42),
            "2025061200123_42.avro"
        );
        assert_eq!(sync_marker(1, 2), sync_marker(1, 2));
        assert_ne!(sync_marker(1, 2), sync_marker(1, 3));
        assert_ne!(sync_marker(1, 2), sync_marker(2, 2));
    }

    #[test]
    fn empty_batch_is_a_header_only_file() {
        let (_, file) = visit_detector_container(1, 2, &[]);
        assert!(file.starts_with(&MAGIC));
        assert_eq!(read_container(&file), Ok(Vec::new()));
    }

    #[test]
    fn damaged_files_are_errors() {
        let (_, mut file) = visit_detector_container(1, 2, &[Alert::default(), Alert::default()]);
        assert_eq!(read_container(&file[1..]), Err(ContainerError::BadMagic));
        let last = file.len() - 1;
        file[last] ^= 0xff;
        assert!(matches!(
            read_container(&file),
            Err(ContainerError::SyncMismatch { .. })
        ));
        assert!(read_container(&file[..last]).is_err());
    }
}
