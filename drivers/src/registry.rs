//! The schema registry over HTTP (Confluent REST subset): the registry's
//! logic is the core's (`alertsim_core::registry::state`); here it is served
//! and persisted, and spoken to as a client.
//!
//! - [`server`] (feature `registry-server`): the HTTP layer, startable in-process.
//! - [`store`]: persistence of the state in a data directory.
//! - [`client`]: an HTTP client with a cache; [`schema_id_source`]: where a
//!   publisher's schema id comes from.
//! - [`sync`]: Rubin's schema sync job (fixed ids imported in IMPORT mode),
//!   run by `alertsim registry sync` and before a producer writes fixed ids.

pub mod client;
pub mod schema_id_source;
#[cfg(feature = "registry-server")]
pub mod server;
pub mod store;
pub mod sync;

pub use client::{ClientError, RegistryClient};
pub use schema_id_source::{SchemaIdError, SchemaIdSource};
#[cfg(feature = "registry-server")]
pub use server::{RunningRegistry, ServerConfig, ServerError, SharedRegistry, start};
pub use store::{RegistryStore, StoreError};
pub use sync::{
    SyncAction, SyncError, SyncReport, SyncedSchema, ensure_rubin_id, ensure_served, sync,
};
