//! Publishing alerts to Kafka with rdkafka, so that every alert is accounted
//! for. The profiles, the failure policy and the ledger are the core's
//! (`alertsim_core::publish`); here they are carried out:
//! - [`kafka`] (feature `kafka`): the rdkafka producer;
//! - [`spool`]: the directory where failed alerts wait in wire format, one
//!   file per alert with its reason beside it;
//! - [`replay`] re-publishes a spool, [`topic`] creates the alert topic,
//!   [`bench`] measures publishing speed.

pub mod spool;

#[cfg(feature = "kafka")]
pub mod bench;
#[cfg(feature = "kafka")]
pub mod error;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "kafka")]
pub mod replay;
#[cfg(feature = "kafka")]
pub mod topic;

pub use spool::{Spool, SpoolEntry, SpoolError, SpoolKey};
