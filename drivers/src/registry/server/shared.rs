//! The registry state shared by the request handlers, with its optional store.
//!
//! Every change runs inside one mutex: the state is copied, changed, saved to the data
//! directory (when there is one) and only then swapped in, so a failed save changes nothing
//! and concurrent requests see a single order of events.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::registry::store::{RegistryStore, StoreError};
use alertsim_core::registry::error::{ErrorCode, RegistryError};
use alertsim_core::registry::state::RegistryState;

struct Inner {
    state: Mutex<RegistryState>,
    store: Option<RegistryStore>,
}

/// The registry state shared by request handlers, with its optional store.
#[derive(Clone)]
pub struct SharedRegistry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SharedRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRegistry")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl SharedRegistry {
    /// A registry kept in memory only.
    pub fn in_memory(state: RegistryState) -> Self {
        Self::build(state, None)
    }

    /// A registry persisted in `dir` (loaded from it if it holds a state).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let (store, state) = RegistryStore::open(dir.into())?;
        Ok(Self::build(state, Some(store)))
    }

    fn build(state: RegistryState, store: Option<RegistryStore>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                store,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, RegistryState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    pub fn read<T>(&self, f: impl FnOnce(&RegistryState) -> T) -> T {
        f(&self.lock())
    }

    /// Changes the state atomically: on error (of `f` or of saving) nothing changes.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut RegistryState) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        let result = f(&mut next)?;
        if next != *guard {
            if let Some(store) = &self.inner.store {
                store.save(&next).map_err(|e| {
                    RegistryError::new(ErrorCode::StoreError, format!("Error while storing: {e}"))
                })?;
            }
            *guard = next;
        }
        Ok(result)
    }

    pub(super) async fn update_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut RegistryState) -> Result<T, RegistryError> + Send + 'static,
    ) -> Result<T, RegistryError> {
        let shared = self.clone();
        tokio::task::spawn_blocking(move || shared.update(f))
            .await
            .map_err(|e| {
                RegistryError::new(ErrorCode::StoreError, format!("update task failed: {e}"))
            })?
    }
}
