//! Reading an input file with a ceiling on its size, so that a huge file
//! (or `/dev/zero`) given by mistake is refused with a message instead of
//! being held in memory until the allocator gives up.

use std::io::Read;
use std::path::Path;

/// The largest report.json or recorder.json read: a run within the
/// scenario limits (50,000 visits) writes far less (about 4 kB per visit
/// in recorder.json, 3 kB in report.json: 200 MB).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The bytes of `path`, or an error when it holds more than `limit` bytes
/// (a regular file is judged by its length before it is read; anything
/// else, such as a pipe, by what it gives up to the limit).
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than the limit of {limit} bytes for this kind of file"),
        )
    };
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}
