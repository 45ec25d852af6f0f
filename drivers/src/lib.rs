//! alertsim-drivers: carries out the decisions of `alertsim-core` against
//! real services, as production does.
//!
//! The core decides (KEDA's poll loop, the worker machine, the publish
//! policy, the registry's state) and never does IO; this crate does the IO:
//!
//! - [`worker`]: the worker loop on a real Redis stream (tokio);
//! - [`fanout`]: the fan-out's `XADD`s and consumer group;
//! - [`lag`]: the redis-streams trigger's metric read from a live Redis;
//! - [`publish`]: the rdkafka alert publisher, its spool, replay and topic;
//! - [`registry`]: the schema registry's HTTP server, its store, a client;
//! - [`jobs`]: where worker Jobs run (local tasks or processes, Kubernetes).
//!
//! Nothing here decides anything the simulator would need to repeat: where
//! a driver has a choice to make, it asks the core.

pub mod fanout;
pub mod jobs;
pub mod lag;
pub mod publish;
pub mod registry;
pub mod worker;
