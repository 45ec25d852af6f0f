//! The spool: alerts that could not be delivered, waiting for `alertsim
//! replay`.
//!
//! One file per alert, named as the real packager names its failed-alert
//! files, `{visit}_{detector}_{diaSourceId}.avro`, holding the Confluent
//! wire-format message exactly as it was produced, and beside it
//! `{same}.reason` with one line saying why it failed. Files are written
//! under a temporary name and renamed, so a crash never leaves a half
//! alert under a real name; replay removes an alert's files only after its
//! delivery is acknowledged.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Which alert a spooled message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpoolKey {
    /// Visit id.
    pub visit: i64,
    /// Detector number.
    pub detector: i32,
    /// The alert's `diaSource.diaSourceId`.
    pub dia_source_id: i64,
}

impl fmt::Display for SpoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.visit, self.detector, self.dia_source_id)
    }
}

impl SpoolKey {
    /// Parses a file stem `{visit}_{detector}_{diaSourceId}`.
    pub fn parse(stem: &str) -> Option<Self> {
        let mut parts = stem.split('_');
        let key = SpoolKey {
            visit: parts.next()?.parse().ok()?,
            detector: parts.next()?.parse().ok()?,
            dia_source_id: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(key)
    }
}

/// A spooled alert found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolEntry {
    /// Which alert.
    pub key: SpoolKey,
    /// The wire-format message file.
    pub path: PathBuf,
}

/// Errors reading or writing the spool; every one names the file.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// A filesystem operation failed.
    #[error("spool {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A `.avro` file whose name is not `{visit}_{detector}_{diaSourceId}.avro`.
    #[error("spool file {path}: expected a name VISIT_DETECTOR_DIASOURCEID.avro (three integers)")]
    BadName {
        /// The file.
        path: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A spool directory.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Opens the spool in `dir`, creating the directory if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, SpoolError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        Ok(Spool { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn message_path(&self, key: SpoolKey) -> PathBuf {
        self.dir.join(format!("{key}.avro"))
    }

    /// The reason file beside a message file.
    pub fn reason_path(message: &Path) -> PathBuf {
        message.with_extension("reason")
    }

    /// Writes `message` (wire format) and its `reason`; returns the message
    /// file. An alert spooled twice keeps one file with the latest reason.
    pub fn put(&self, key: SpoolKey, message: &[u8], reason: &str) -> Result<PathBuf, SpoolError> {
        let path = self.message_path(key);
        write_atomically(&Self::reason_path(&path), format!("{reason}\n").as_bytes())?;
        write_atomically(&path, message)?;
        Ok(path)
    }

    /// The spooled alerts, in order of file name.
    pub fn entries(&self) -> Result<Vec<SpoolEntry>, SpoolError> {
        let read = fs::read_dir(&self.dir).map_err(io_error(&self.dir))?;
        let mut entries = Vec::new();
        for item in read {
            let path = item.map_err(io_error(&self.dir))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("avro") {
                continue;
            }
            let key = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(SpoolKey::parse)
                .ok_or_else(|| SpoolError::BadName { path: path.clone() })?;
            entries.push(SpoolEntry { key, path });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    /// The message bytes of an entry.
    pub fn read(&self, entry: &SpoolEntry) -> Result<Vec<u8>, SpoolError> {
        fs::read(&entry.path).map_err(io_error(&entry.path))
    }

    /// The recorded reason of an entry (empty when its reason file is gone).
    pub fn reason(&self, entry: &SpoolEntry) -> String {
        fs::read_to_string(Self::reason_path(&entry.path))
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default()
    }

    /// Removes a delivered entry's files.
    pub fn remove(&self, entry: &SpoolEntry) -> Result<(), SpoolError> {
        fs::remove_file(&entry.path).map_err(io_error(&entry.path))?;
        let reason = Self::reason_path(&entry.path);
        match fs::remove_file(&reason) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(&reason)(e)),
            _ => Ok(()),
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SpoolError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("spool");
    let temp = path.with_file_name(format!(".{name}.partial"));
    fs::write(&temp, bytes).map_err(io_error(&temp))?;
    fs::rename(&temp, path).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(dia_source_id: i64) -> SpoolKey {
        SpoolKey {
            visit: 2025120100042,
            detector: 94,
            dia_source_id,
        }
    }

    #[test]
    fn put_then_entries_read_reason_and_remove() -> Result<(), SpoolError> {
        let dir = tempfile::tempdir().map_err(io_error(Path::new("tempdir")))?;
        let spool = Spool::open(dir.path().join("spool"))?;
        spool.put(
            key(7),
            b"\0\0\0\x04\x4cseven",
            "delivery timed_out: Local: Message timed out",
        )?;
        spool.put(key(-3), b"three", "produce queue_full")?;
        let entries = spool.entries()?;
        let keys: Vec<SpoolKey> = entries.iter().map(|e| e.key).collect();
        assert_eq!(keys, vec![key(-3), key(7)]);
        assert_eq!(spool.read(&entries[1])?, b"\0\0\0\x04\x4cseven");
        assert_eq!(spool.reason(&entries[0]), "produce queue_full");
        assert!(
            entries[1].path.ends_with("2025120100042_94_7.avro"),
            "{:?}",
            entries[1].path
        );
        spool.remove(&entries[0])?;
        assert_eq!(spool.entries()?.len(), 1);
        assert!(!Spool::reason_path(&entries[0].path).exists());
        Ok(())
    }

    #[test]
    fn a_foreign_avro_file_is_named_in_the_error() -> Result<(), SpoolError> {
        let dir = tempfile::tempdir().map_err(io_error(Path::new("tempdir")))?;
        let spool = Spool::open(dir.path())?;
        fs::write(dir.path().join("notes.txt"), "ignored").map_err(io_error(dir.path()))?;
        fs::write(dir.path().join("12_x_3.avro"), "bad").map_err(io_error(dir.path()))?;
        match spool.entries() {
            Err(SpoolError::BadName { path }) => assert!(path.ends_with("12_x_3.avro")),
            other => panic!("expected BadName, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn keys_parse_only_three_integers() {
        assert_eq!(
            SpoolKey::parse("1_2_3"),
            Some(SpoolKey {
                visit: 1,
                detector: 2,
                dia_source_id: 3
            })
        );
        assert_eq!(SpoolKey::parse(&key(-5).to_string()), Some(key(-5)));
        assert_eq!(SpoolKey::parse("1_2"), None);
        assert_eq!(SpoolKey::parse("1_2_3_4"), None);
        assert_eq!(SpoolKey::parse("a_2_3"), None);
    }
}
