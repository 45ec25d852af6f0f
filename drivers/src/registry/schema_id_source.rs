//! Where a publisher's schema id comes from: Rubin's deterministic ids
//! (major*100 + minor, [`rubin_schema_id`]) or a registry (registered or
//! looked up under a subject).

use alertsim_core::registry::rubin_schema_id;

use super::client::{ClientError, RegistryClient};

/// How a publisher obtains the schema id it writes into the Confluent wire header.
#[derive(Debug, Clone)]
pub enum SchemaIdSource {
    /// A fixed id (e.g. from configuration).
    Fixed(u32),
    /// Rubin's deterministic id for a schema version.
    Rubin {
        /// Major version (11 for v11.0).
        major: u32,
        /// Minor version.
        minor: u32,
    },
    /// Ask a registry: look the schema up under the subject, registering it if
    /// `register` is set and it is not there.
    Registry {
        /// Registry client.
        client: RegistryClient,
        /// Subject (Rubin: "alert-packet").
        subject: String,
        /// Schema text.
        schema: String,
        /// Register when the lookup finds nothing.
        register: bool,
    },
}

/// Errors resolving a schema id.
#[derive(Debug, thiserror::Error)]
pub enum SchemaIdError {
    /// The version cannot be expressed as major*100 + minor.
    #[error("schema version {major}.{minor} has no deterministic id (minor must be below 100)")]
    NotDeterministic {
        /// Major version.
        major: u32,
        /// Minor version.
        minor: u32,
    },
    /// The registry refused or could not be reached.
    #[error(transparent)]
    Registry(#[from] ClientError),
}

impl SchemaIdSource {
    /// Resolves the id (the registry source uses the client's cache after the first call).
    pub async fn resolve(&self) -> Result<u32, SchemaIdError> {
        match self {
            Self::Fixed(id) => Ok(*id),
            Self::Rubin { major, minor } => {
                rubin_schema_id(*major, *minor).ok_or(SchemaIdError::NotDeterministic {
                    major: *major,
                    minor: *minor,
                })
            }
            Self::Registry {
                client,
                subject,
                schema,
                register,
            } => match client.lookup(subject, schema).await {
                Ok(found) => Ok(found.id),
                Err(e) if *register && e.is_not_found() => {
                    Ok(client.register(subject, schema).await?)
                }
                Err(e) => Err(e.into()),
            },
        }
    }
}
