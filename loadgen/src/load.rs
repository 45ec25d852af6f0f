//! `alertsim load`: a scenario run through the real production path
//! against real services, reported as the simulator reports it.
//!
//! The pieces, each in its own file:
//! - [`plan`]: the night's visits, drawn as the simulator draws them, and
//!   the shard this process runs;
//! - [`clock`]: scenario time on the wall clock (`--time-scale`);
//! - [`services`]: the Kafka, Redis and registry used, started locally when
//!   not given;
//! - [`fanout`]: writes each visit's detector events at its time (open model);
//! - [`scaler`]: the core's KEDA poll loop creating Jobs from the lag;
//! - [`job`] and [`processor`]: what a Job runs (the production worker loop,
//!   the generator and the production publisher);
//! - [`jobs_backend`]: where Jobs run (tokio tasks, child processes or
//!   Kubernetes) and the template they are created from;
//! - [`job_spec`], [`job_process`] and [`job_link`]: a Job in a process of
//!   its own (`alertsim worker --load-run`), what it is told of the run,
//!   and how it reports back through Redis;
//! - [`consumers`]: the community brokers, timing every alert's receipt;
//! - [`lag_probe`]: the stream's lag as KEDA reads it;
//! - [`redis_link`]: Redis connections with a patient response timeout;
//! - [`sampler`]: the gauges and the progress;
//! - [`metrics_endpoint`]: the run's figures served as OpenMetrics while
//!   it goes (`--metrics-listen`);
//! - [`rates`]: wall-clock rates of producers, broker and consumers;
//! - [`faults`]: the scenario's faults, done for real where possible;
//! - [`cluster_faults`]: the broker faults done to a local Kafka cluster;
//! - [`broker_stall`]: a broker of that cluster stalled (SIGSTOP), timed;
//! - [`proxy_faults`]: a slow broker and a network partition, done by
//!   Toxiproxy toxics in front of that cluster's brokers;
//! - [`disk_full`]: that cluster's brokers' size-limited disks filled;
//! - [`schema_id`]: the schema id written, and the registry made to serve
//!   it before the night (Rubin's fixed ids, as the sync job imports them);
//! - [`run`]: puts them together, drains, and builds the report.

pub mod broker_stall;
pub mod clock;
pub mod cluster_faults;
pub mod consumers;
pub mod disk_full;
pub mod fanout;
pub mod faults;
pub mod generator;
pub mod job;
pub mod job_link;
pub mod job_process;
pub mod job_spec;
pub mod jobs_backend;
pub mod lag_probe;
pub mod metrics_endpoint;
pub mod not_done;
pub mod plan;
pub mod processor;
pub mod proxy_faults;
pub mod rates;
pub mod redis_link;
pub mod run;
pub mod sampler;
pub mod scaler;
pub mod schema_id;
pub mod services;
pub mod state;
pub mod unread_entries;

pub use clock::LoadClock;
pub use faults::FaultRun;
pub use generator::{GeneratorSummary, GeneratorVerdict};
pub use job_process::{JobProcessError, JobServices, run_job_process};
pub use job_spec::{LOAD_RUN_ENV, LoadJobSpec};
pub use jobs_backend::JobBackend;
pub use metrics_endpoint::{MetricsError, MetricsListener};
pub use not_done::not_done;
pub use plan::{BadShard, LoadPlan, Shard};
pub use rates::{StageRate, WallRates};
pub use run::{LoadError, LoadOptions, LoadOutcome, run_load};
pub use sampler::LoadProgress;
pub use schema_id::SchemaIdUse;
pub use services::{BrokerDown, ServiceFlags, Services};
pub use state::Endpoints;
