//! KEDA ScaledObject semantics for a Deployment scaled on Kafka consumer
//! lag: the alert archive's ingester (FACTS, "Readers of the topic";
//! `alert-database.yaml` among the production manifests).
//!
//! A ScaledObject differs from the ScaledJob of [`crate::scaler`]: KEDA
//! does not create anything itself. It writes a HorizontalPodAutoscaler
//! whose external metric is the trigger's value, and Kubernetes' HPA
//! controller decides the replica count every sync period. So the
//! decision has two parts, each a module:
//!
//! - [`kafka_lag`]: KEDA's kafka trigger, the consumer group's total lag
//!   as the metric (no committed offset, the partition cap);
//! - [`hpa`]: the HPA's replica calculation (tolerance) and its default
//!   behaviour (scale-up and scale-down policies, the scale-down
//!   stabilization window).
//!
//! KEDA's own loop (`pollingInterval`, `cooldownPeriod`,
//! `activationLagThreshold`) only moves a ScaledObject between zero and one
//! replica. With `minReplicaCount` 1, as deployed, none of them changes
//! anything: [`settings::ScaledObjectSettings`] keeps them to say so, and
//! refuses a minimum of zero rather than run without them.

pub mod hpa;
pub mod kafka_lag;
pub mod settings;

pub use hpa::{Hpa, HpaSettings, ScalingRules};
pub use kafka_lag::{PartitionOffsets, TriggerLag, total_lag};
pub use settings::{KafkaTrigger, OffsetResetPolicy, ScaledObjectSettings};
