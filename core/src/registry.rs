//! Schema registry logic (Confluent REST subset), without IO.
//!
//! - [`state`]: the registry's logic (subjects, versions, ids, compatibility, modes), plain
//!   synchronous code, used by the registry server in `alertsim-drivers` and by the simulator.
//! - [`compat`]: Avro compatibility checks; [`wire`]: the REST bodies; [`error`]: its error codes.
//! - [`schema_id`]: Rubin's deterministic schema ids; [`sync_schemas`]: what Rubin's
//!   schema sync job imports under those ids.
//!
//! The HTTP server, its persistence and the client are in `alertsim-drivers`.

pub mod compat;
pub mod error;
pub mod schema_id;
pub mod state;
pub mod sync_schemas;
pub mod wire;

pub use compat::{CompatibilityLevel, Mode, ParsedSchema};
pub use error::{ErrorCode, RegistryError};
pub use schema_id::rubin_schema_id;
pub use state::{Registration, RegistryState, SchemaVersionInfo, VersionSpec};
pub use sync_schemas::{IMPORT_SUBJECT, SyncSchema};
