//! Publishing alerts to Kafka so that every alert is accounted for.
//!
//! The pieces, from the inside out:
//! - [`profile`]: the producer settings of the two profiles, `rubin` (the
//!   real packager's) and `safe` (idempotent, long delivery timeout, bounded
//!   in flight), as plain key/value pairs;
//! - [`policy`]: the sans-IO decision of what to do with an alert whose
//!   produce failed (retry, spool, or lose it and count it), shared with
//!   the simulator;
//! - [`spool`]: the directory where failed alerts wait in wire format, one
//!   file per alert with its reason beside it;
//! - [`ledger`]: the per-run tally of delivered, spooled and lost alerts;
//! - [`kafka`] (feature `kafka`): the rdkafka producer that carries all of
//!   this out, [`replay`] that re-publishes a spool, and [`topic`] that
//!   creates the alert topic.

pub mod ledger;
pub mod policy;
pub mod profile;

pub use ledger::{Ledger, Outcome};
pub use policy::{Failure, FailureStage, Policy, Verdict};
pub use profile::Profile;
