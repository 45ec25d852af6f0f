//! Persistence of the registry state in a data directory: one JSON file, replaced
//! atomically (write a temporary file, fsync, rename, fsync the directory).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use alertsim_core::registry::state::RegistryState;

const STATE_FILE: &str = "registry.json";
const TEMP_FILE: &str = "registry.json.tmp";

/// Errors reading or writing the data directory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory or a file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The state file is not valid JSON of the expected shape.
    #[error("{path} is not a registry state file: {source}")]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// A data directory holding the registry state.
#[derive(Debug, Clone)]
pub struct RegistryStore {
    dir: PathBuf,
}

impl RegistryStore {
    /// Opens (creating if needed) a data directory and loads its state (empty if new).
    pub fn open(dir: impl AsRef<Path>) -> Result<(Self, RegistryState), StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            action: "creating data directory",
            path: dir.clone(),
            source,
        })?;
        let store = Self { dir };
        let path = store.state_path();
        let state = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| StoreError::Corrupt { path, source })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => RegistryState::new(),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "reading",
                    path,
                    source,
                });
            }
        };
        Ok((store, state))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The state file's path.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Writes the state durably: after this returns, a restart sees it.
    pub fn save(&self, state: &RegistryState) -> Result<(), StoreError> {
        let temp = self.dir.join(TEMP_FILE);
        let io_err = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io {
                action,
                path,
                source,
            }
        };
        let bytes = serde_json::to_vec(state).map_err(|source| StoreError::Corrupt {
            path: temp.clone(),
            source,
        })?;
        let mut file = File::create(&temp).map_err(io_err("creating", &temp))?;
        file.write_all(&bytes).map_err(io_err("writing", &temp))?;
        file.sync_all().map_err(io_err("syncing", &temp))?;
        drop(file);
        let target = self.state_path();
        fs::rename(&temp, &target).map_err(io_err("renaming into", &target))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("syncing", &self.dir))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertsim_core::registry::state::Registration;

    #[test]
    fn saved_state_is_loaded_back() {
        let dir = tempfile::tempdir().unwrap();
        let (store, mut state) = RegistryStore::open(dir.path()).unwrap();
        assert_eq!(state, RegistryState::new());
        state
            .register("s", &Registration::new(r#""string""#))
            .unwrap();
        store.save(&state).unwrap();
        let (_, loaded) = RegistryStore::open(dir.path()).unwrap();
        assert_eq!(loaded, state);
    }

    #[test]
    fn corrupt_state_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(STATE_FILE), b"{not json").unwrap();
        assert!(matches!(
            RegistryStore::open(dir.path()),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
