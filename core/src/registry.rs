//! Schema registry: client and server (Confluent REST subset).
//!
//! - [`state`]: the registry's logic (subjects, versions, ids, compatibility, modes), plain
//!   synchronous code without I/O, reused by the simulator.
//! - [`store`]: persistence of that state in a data directory.
//! - [`server`] (feature `registry-server`): the HTTP layer, startable in-process.
//! - [`client`]: an HTTP client with a cache; [`schema_id`]: where a publisher's id comes from.

pub mod client;
pub mod compat;
pub mod error;
pub mod schema_id;
#[cfg(feature = "registry-server")]
pub mod server;
pub mod state;
pub mod store;
pub mod wire;

pub use client::{ClientError, RegistryClient};
pub use compat::{CompatibilityLevel, Mode, ParsedSchema};
pub use error::{ErrorCode, RegistryError};
pub use schema_id::{SchemaIdSource, rubin_schema_id};
#[cfg(feature = "registry-server")]
pub use server::{RunningRegistry, ServerConfig, ServerError, SharedRegistry, start};
pub use state::{Registration, RegistryState, SchemaVersionInfo, VersionSpec};
pub use store::{RegistryStore, StoreError};
