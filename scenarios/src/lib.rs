//! alertsim-scenarios: the scenario file format (TOML), its defaults from
//! Rubin's production configuration, validation with precise errors, and the
//! catalogue of shipped scenarios.
//!
//! Load with [`Scenario::resolve`] (file path or catalogue name) or
//! [`Scenario::from_path`] / [`Scenario::from_str`]; apply `--set` arguments
//! parsed by [`parse_overrides`].

pub mod catalog;
pub mod distribution;
pub mod error;
pub mod import;
pub mod limits;
pub mod lint;
pub mod load;
pub mod location;
pub mod manifests;
pub mod overrides;
pub mod scenario;
pub mod sections;
pub mod set_file;
pub mod validate;

pub use distribution::Distribution;
pub use error::{Diagnostic, Origin, ScenarioError};
pub use limits::Limits;
pub use load::parse_overrides;
pub use overrides::Override;
pub use scenario::Scenario;
pub use sections::archive::Archive;
pub use sections::chaos::{Chaos, ChaosKind};
pub use sections::cluster::Cluster;
pub use sections::consumers::{Consumer, OffsetReset};
pub use sections::fanout::Fanout;
pub use sections::faults::{Fault, SchemaChange, Stall};
pub use sections::gates::Gates;
pub use sections::kafka::Kafka;
pub use sections::night::{Gap, Night};
pub use sections::publisher::{Publisher, PublisherProfile};
pub use sections::redis::{CommandCosts, Redis};
pub use sections::scaler::{
    Combine, KEDA_REFUSING_DEFAULT_STRATEGY, KEDA_REFUSING_ROLLOUT_DEFAULT, KEDA_VERSIONS,
    MAX_CACHE_LAG_S, Rollout, Scaler, StatusPatchLimit, Strategy,
};
pub use sections::schema_registry::SchemaRegistry;
pub use sections::workers::{AckMode, Fidelity, Workers};
pub use validate::Issue;
