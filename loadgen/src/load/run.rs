//! One load run from start to report: start or reach the services, make
//! the registry serve the schema id (see [`super::schema_id`]), create the
//! topic, start the consumers, the scaler, the
//! sampler, the faults and the fan-out; once every visit is announced, wait
//! until the stream is drained and no worker is busy (or the scenario's
//! drain limit passes, or the user interrupts); then stop the Jobs (their
//! publishers settle or spool what is in flight), replay the spool, let the
//! consumers read the rest, and build the report. Jobs in processes of
//! their own (`--jobs process|kubernetes`) report through Redis while the
//! run goes on and hand in their recorders when they are stopped; the run
//! merges them into its own before the report is built.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alertsim_drivers::jobs::JobRuntime;
use alertsim_drivers::jobs::local::LocalConfig;
use alertsim_drivers::publish::replay::{ReplaySummary, replay};
use alertsim_drivers::publish::topic::ensure_topic_with;
use alertsim_drivers::publish::{Spool, SpoolKey};

use super::generator::{CpuUse, GeneratorSummary, process_cpu_s};
use super::metrics_endpoint::{self, MetricsError, MetricsListener};
use alertsim_reports::{Recorder, Report};
use alertsim_scenarios::{Fault, Scenario};
use tokio::sync::watch;

use super::clock::LoadClock;
use super::consumers::{ConsumerError, assigned_consumer, run_consumer};
use super::fanout::run_fanout;
use super::faults::{FaultRun, run_faults};
use super::job_link::{JobLinkError, JobLinkKeys, RunLink};
use super::jobs_backend::{JobBackend, job_runtime, job_template};
use super::plan::{LoadPlan, Shard};
use super::rates::WallRates;
use super::sampler::{LoadProgress, run_sampler};
use super::scaler::run_scaler;
use super::schema_id::{SchemaIdFailure, SchemaIdUse, prepare_schema_id};
use super::services::{ServiceError, ServiceFlags, Services};
use super::state::{Counters, Endpoints, RunState};
use crate::kafka_cluster::disk;

/// How to run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Services given by the user.
    pub services: ServiceFlags,
    /// Scenario seconds per wall second.
    pub time_scale: f64,
    /// The slice of detectors this process runs.
    pub shard: Shard,
    /// Topic (default: the scenario's `kafka.topic`).
    pub topic: Option<String>,
    /// Registry subject of the alert schema.
    pub subject: String,
    /// Spool directory of the publishers.
    pub spool_dir: PathBuf,
    /// Where worker Jobs run.
    pub jobs: JobBackend,
    /// Serve the run's figures as OpenMetrics on this socket while it goes.
    pub metrics: Option<MetricsListener>,
}

/// What a run produced.
pub struct LoadOutcome {
    /// The report, as `alertsim sim` writes it.
    pub report: Report,
    /// The recorder the report was built from (for merging shards).
    pub recorder: Recorder,
    /// The faults and what was done for each.
    pub faults: Vec<FaultRun>,
    /// The user stopped the run: the report covers only part of the night.
    pub interrupted: bool,
    /// The drain limit passed with work left.
    pub truncated: bool,
    /// Scenario seconds the run lasted.
    pub scenario_s: f64,
    /// Services started by this process.
    pub local_services: Vec<&'static str>,
    /// What the final replay of the spool did.
    pub replay: ReplaySummary,
    /// Messages each consumer read.
    pub consumed: Vec<u64>,
    /// The services and names the run used.
    pub endpoints: Endpoints,
    /// Wall-clock rates of producers, broker and first consumer.
    pub rates: WallRates,
    /// Remote worker Jobs that never handed in their records (the report
    /// is then marked partial).
    pub workers_unreported: Vec<String>,
    /// How far the generator itself fell behind its plan, and whether the
    /// run therefore measured the generator rather than the system.
    pub generator: GeneratorSummary,
    /// The schema id every alert carries, and what the registry was made to do for it.
    pub schema_id: SchemaIdUse,
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The scenario holds a value the core cannot run.
    #[error(transparent)]
    Plan(#[from] alertsim_plan::PlanError),
    /// A service could not be started.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The topic could not be created.
    #[error("creating topic {topic} on {kafka}: {reason}")]
    Topic {
        /// Topic.
        topic: String,
        /// Bootstrap servers.
        kafka: String,
        /// What failed.
        reason: String,
    },
    /// The schema could not be registered.
    #[error("registering the alert schema at {registry}: {reason}")]
    Schema {
        /// Registry URL.
        registry: String,
        /// What failed.
        reason: String,
    },
    /// With deterministic ids, the registry holds another schema under the
    /// run's fixed id or refused to import it: the run does not start.
    #[error("{0}")]
    SchemaIdRefused(alertsim_drivers::registry::SyncError),
    /// Redis refused the preparation of the stream.
    #[error("preparing stream {stream} on {redis}: {reason}")]
    Redis {
        /// Stream.
        stream: String,
        /// Redis URL.
        redis: String,
        /// What failed.
        reason: String,
    },
    /// A consumer could not start.
    #[error(transparent)]
    Consumer(#[from] ConsumerError),
    /// The Job runtime could not be set up.
    #[error("worker Jobs ({backend}): {reason}")]
    Jobs {
        /// The `--jobs` backend.
        backend: &'static str,
        /// What failed.
        reason: String,
    },
    /// The workers' reports could not be read.
    #[error(transparent)]
    Workers(#[from] JobLinkError),
    /// The metrics endpoint could not serve.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// The spool could not be opened or replayed.
    #[error("spool {dir}: {reason}")]
    Spool {
        /// The directory.
        dir: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// Runs `scenario` for real. `progress` is called every sampling
/// interval; `interrupt` resolving (Ctrl-C) stops the run early, which
/// still returns a report, marked partial.
pub async fn run_load(
    scenario: &Scenario,
    options: &LoadOptions,
    progress: impl FnMut(LoadProgress) + Send + 'static,
    interrupt: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<LoadOutcome, LoadError> {
    let cpu_at_start = (process_cpu_s(), std::time::Instant::now());
    let plan = LoadPlan::new(scenario, options.shard)?;
    let scenario = plan.scenario().clone();
    // Slow-broker and partition faults act through proxies in front of the
    // local cluster's brokers: start them when the scenario has one.
    let mut flags = options.services.clone();
    if let Some(config) = flags.kafka_cluster.as_mut() {
        config.proxied |= scenario
            .faults
            .iter()
            .any(super::proxy_faults::needs_proxies);
        // A full-disk drill needs the brokers' data on size-limited mounts,
        // which only a process that may mount gets (else the fault is
        // skipped and its note says why).
        let disk_full = scenario
            .faults
            .iter()
            .any(|f| matches!(f, Fault::BrokerDiskFull { .. }));
        if disk_full && config.broker_disk_mb.is_none() && disk::probe().is_ok() {
            config.broker_disk_mb = Some(BROKER_DISK_MB);
        }
    }
    let services = Arc::new(Services::start(&flags).await?);
    let run_start_ms = alertsim_drivers::publish::kafka::epoch_ms();
    let run_id = format!("{}-{}-{run_start_ms}", scenario.seed, options.shard.index);
    let endpoints = endpoints(&scenario, options, &services, &run_id);
    let partitions = i32::try_from(scenario.kafka.partitions.max(1)).unwrap_or(i32::MAX);
    services
        .create_cluster_topic(&endpoints.topic, partitions)
        .await?;
    let schema_id = prepare(&scenario, &endpoints).await?;
    let clock = LoadClock::start(options.time_scale);
    let state = RunState::new(scenario.clone(), plan, clock, endpoints);
    // Serves until the run returns (dropped with it, on every path).
    let _metrics = match &options.metrics {
        Some(listener) => Some(metrics_endpoint::serve(listener, state.clone())?),
        None => None,
    };

    let (finish_consumers, finish_rx) = watch::channel(None);
    let mut consumers = tokio::task::JoinSet::new();
    for i in 0..scenario.consumers.len() {
        let consumer = assigned_consumer(&state, i, &run_id)?;
        let task = run_consumer(state.clone(), i, consumer, run_start_ms, finish_rx.clone());
        consumers.spawn(async move { (i, task.await) });
    }

    let runtime = job_runtime(&options.jobs, &state)
        .await
        .map_err(|error| LoadError::Jobs {
            backend: options.jobs.name(),
            reason: error.to_string(),
        })?;
    let runtime = Arc::new(runtime);
    let template = job_template(&options.jobs, &state);
    let link_sync = if options.jobs.is_remote() {
        let keys = JobLinkKeys::for_stream(&state.endpoints.stream);
        let mut link = RunLink::open(&state.endpoints.redis, keys).await?;
        let state = state.clone();
        Some(tokio::spawn(async move {
            link.run_sync(&state).await;
            link
        }))
    } else {
        None
    };
    let interrupter = {
        let state = state.clone();
        tokio::spawn(async move {
            interrupt.await;
            state.interrupt();
        })
    };
    let scaler = tokio::spawn(run_scaler(state.clone(), runtime.clone(), template));
    let sampler = tokio::spawn(run_sampler(state.clone(), runtime.clone(), progress));
    let faults = tokio::spawn(run_faults(state.clone(), services.clone(), runtime.clone()));
    let fanout = tokio::spawn(run_fanout(state.clone()));

    let _ = fanout.await;
    tracing::info!(t_s = state.clock.now_s(), "every visit announced");
    let truncated = wait_for_drain(&state).await;
    tracing::info!(t_s = state.clock.now_s(), truncated, "drained");
    state.stop();
    let _ = scaler.await;
    let _ = sampler.await;
    if let Err(error) = runtime.delete_unfinished().await {
        tracing::warn!(%error, "stopping the worker Jobs");
    }
    tracing::info!(t_s = state.clock.now_s(), "Jobs stopped");
    let workers_unreported = match link_sync {
        Some(sync) => match sync.await {
            Ok(link) => collect_workers(&state, link).await?,
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    let faults = faults.await.unwrap_or_default();
    let replay = replay_spool(&state).await?;
    tracing::info!(
        t_s = state.clock.now_s(),
        replayed = replay.delivered,
        "spool replayed"
    );
    let delivered = Counters::get(&state.counters.alerts_delivered) + replay.delivered;
    finish_consumers.send_replace(Some(delivered));
    let mut consumed = vec![0; scenario.consumers.len()];
    // The consumers catch up: keep taking the rates every wall second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            joined = consumers.join_next() => match joined {
                Some(Ok((i, n))) => consumed[i] = n,
                Some(Err(_)) => {}
                None => break,
            },
            _ = tick.tick() => state.observe_rates(),
        }
    }
    state.observe_rates();
    interrupter.abort();
    tracing::info!(t_s = state.clock.now_s(), "consumers finished");

    remove_stream(&state.endpoints).await;
    let scenario_s = state.clock.now_s();
    let recorder = state.recorder().clone();
    let mut report = recorder.clone().finish(&scenario, scenario_s);
    report.partial = state.was_interrupted() || !workers_unreported.is_empty();
    let local_services = services.local();
    let cpu = CpuUse {
        cpu_s: process_cpu_s() - cpu_at_start.0,
        wall_s: cpu_at_start.1.elapsed().as_secs_f64(),
    };
    let generator = state.generator.summary(state.clock.scale(), cpu);
    if let Ok(services) = Arc::try_unwrap(services) {
        services.shutdown().await;
    }
    Ok(LoadOutcome {
        report,
        recorder,
        faults,
        interrupted: state.was_interrupted(),
        truncated,
        scenario_s,
        local_services,
        replay,
        consumed,
        endpoints: state.endpoints.clone(),
        rates: state.wall_rates(),
        workers_unreported,
        generator,
        schema_id,
    })
}

/// The names the run uses in its services. The stream is the scenario's
/// with the run's id appended (`instrument:lsstcam:alertsim-load-…`): a run
/// against a real Redis never touches the production stream, and each
/// shard of a split run has a stream of its own (as one deployment per
/// shard would).
fn endpoints(
    scenario: &Scenario,
    options: &LoadOptions,
    services: &Services,
    run_id: &str,
) -> Endpoints {
    Endpoints {
        redis: services.redis.clone(),
        kafka: services.kafka.clone(),
        registry: services.registry.clone(),
        topic: options
            .topic
            .clone()
            .unwrap_or_else(|| scenario.kafka.topic.clone()),
        subject: options.subject.clone(),
        stream: format!("{}:alertsim-load-{run_id}", scenario.redis.stream),
        group: scenario.redis.group.clone(),
        spool_dir: options.spool_dir.clone(),
    }
}

/// Makes the registry serve the run's schema id (refusing to start when it
/// holds another schema there), creates the topic, and creates the run's
/// own stream and consumer group; returns the schema id the run writes.
async fn prepare(scenario: &Scenario, e: &Endpoints) -> Result<SchemaIdUse, LoadError> {
    let schema_id = prepare_schema_id(scenario.schema_registry.deterministic_ids, e)
        .await
        .map_err(|failure| match failure {
            SchemaIdFailure::Refused(error) => LoadError::SchemaIdRefused(error),
            SchemaIdFailure::Failed(reason) => LoadError::Schema {
                registry: e.registry.clone(),
                reason,
            },
        })?;
    tracing::info!(
        id = schema_id.id,
        action = %schema_id.registry_action,
        "schema id"
    );
    let partitions = i32::try_from(scenario.kafka.partitions.max(1)).unwrap_or(i32::MAX);
    // LogAppendTime: each message carries the broker's append time, from
    // which the consumers time the budget's receipt stage (Rubin's topics
    // keep the producer's CreateTime; nothing else here reads it).
    ensure_topic_with(
        &e.kafka,
        &e.topic,
        partitions,
        1,
        &[("message.timestamp.type", "LogAppendTime")],
    )
    .await
    .map_err(|err| LoadError::Topic {
        topic: e.topic.clone(),
        kafka: e.kafka.clone(),
        reason: err.to_string(),
    })?;
    let redis_error = |reason: String| LoadError::Redis {
        stream: e.stream.clone(),
        redis: e.redis.clone(),
        reason,
    };
    let mut conn = super::redis_link::connect(&e.redis)
        .await
        .map_err(|err| redis_error(err.to_string()))?;
    alertsim_drivers::fanout::create_group(&mut conn, &e.stream, &e.group)
        .await
        .map_err(|err| redis_error(err.to_string()))?;
    Ok(schema_id)
}

/// Waits for the remote workers to exit (a grace period and then some),
/// takes their last counts and merges their recorders into the run's;
/// returns the workers that never reported back.
async fn collect_workers(state: &RunState, mut link: RunLink) -> Result<Vec<String>, LoadError> {
    let patience = state.clock.wall(LocalConfig::DEFAULT_GRACE.as_secs_f64()) + WORKER_EXIT_MARGIN;
    let missing = link.wait_for_exits(patience).await?;
    if !missing.is_empty() {
        tracing::warn!(?missing, "worker Jobs that never handed in their records");
    }
    link.sync(state).await?;
    let recorders = link.recorders().await?;
    {
        let mut recorder = state.recorder();
        for worker in &recorders {
            recorder.merge(worker).map_err(JobLinkError::from)?;
        }
    }
    tracing::info!(workers = recorders.len(), "worker records merged");
    link.remove().await?;
    Ok(missing)
}

/// The size of each broker's log disk in a full-disk drill, MiB: room for
/// the whole of a smoke run's topic (each broker holds every partition at
/// RF 3 of 3: 5,000 alerts, 328 MB by the simulator's `capacity.ingress_bytes`
/// for smoke) and held in memory while the disk is full (a tmpfs). A run
/// whose topic outgrows it fills the disks before the fault: the fault's
/// note then shows little filler.
const BROKER_DISK_MB: u32 = 512;

/// How much longer than the grace period remote workers may take to exit
/// and report (a pod's own shutdown, a slow Redis).
const WORKER_EXIT_MARGIN: Duration = Duration::from_secs(30);

/// Waits until no entry of the stream is left unread, no worker is busy
/// and no alert is waiting for its delivery report, twice in a row half a
/// second apart; true if the drain limit passed first. KEDA's lag is not
/// the test: a trim leaves it overstated for good (`unread_entries`).
async fn wait_for_drain(state: &RunState) -> bool {
    let last_announced = state
        .plan
        .visits()
        .last()
        .map(|v| v.announced_s)
        .unwrap_or(0.0);
    let deadline = last_announced + state.scenario.night.drain_limit_s;
    let mut conn = None;
    let mut quiet_checks = 0;
    loop {
        if state.was_interrupted() {
            return false;
        }
        if state.clock.now_s() > deadline {
            return true;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = state.stopped() => return false,
        }
        let unread = any_unread(state, &mut conn).await;
        let busy = Counters::get(&state.counters.pods_busy);
        let in_flight = state.counters.alerts_in_flight();
        if unread == Some(false) && busy == 0 && in_flight == 0 {
            quiet_checks += 1;
            if quiet_checks >= 2 {
                return false;
            }
        } else {
            quiet_checks = 0;
        }
    }
}

/// Whether the stream still holds unread entries; `None` when Redis does
/// not answer within 2 s (paused or restarting), after which the
/// connection is opened again.
async fn any_unread(
    state: &RunState,
    conn: &mut Option<redis::aio::MultiplexedConnection>,
) -> Option<bool> {
    const WAIT: Duration = Duration::from_secs(2);
    if conn.is_none() {
        let opened = tokio::time::timeout(WAIT, super::redis_link::connect(&state.endpoints.redis));
        *conn = opened.await.ok()?.ok();
    }
    let check = super::unread_entries::any_unread(conn.as_mut()?, state);
    match tokio::time::timeout(WAIT, check).await {
        Ok(Ok(unread)) => Some(unread),
        _ => {
            *conn = None;
            None
        }
    }
}

/// Re-publishes what the publishers spooled; each alert delivered counts
/// with its latency at the end of the replay.
async fn replay_spool(state: &RunState) -> Result<ReplaySummary, LoadError> {
    let e = &state.endpoints;
    let spool_error = |reason: String| LoadError::Spool {
        dir: e.spool_dir.clone(),
        reason,
    };
    let spool = Spool::open(&e.spool_dir).map_err(|err| spool_error(err.to_string()))?;
    let before: Vec<SpoolKey> = spool
        .entries()
        .map_err(|err| spool_error(err.to_string()))?
        .into_iter()
        .map(|entry| entry.key)
        .collect();
    if before.is_empty() {
        return Ok(ReplaySummary::default());
    }
    let summary = replay(
        &spool,
        &e.kafka,
        &e.topic,
        state.plan.plan().publisher_profile,
        |_| {},
    )
    .await
    .map_err(|err| spool_error(err.to_string()))?;
    let left: std::collections::BTreeSet<SpoolKey> = spool
        .entries()
        .map_err(|err| spool_error(err.to_string()))?
        .into_iter()
        .map(|entry| entry.key)
        .collect();
    let now = state.clock.now_s();
    let mut recorder = state.recorder();
    for key in before.iter().filter(|k| !left.contains(k)) {
        if let Some(visit) = state.plan.by_number(key.visit) {
            recorder.alert_delivered(visit.index, 0, now - visit.readout_end_s);
        }
    }
    Ok(summary)
}

/// Deletes the run's own stream at the end (best effort: a run against a
/// real Redis leaves nothing behind).
async fn remove_stream(e: &Endpoints) {
    let result = match super::redis_link::connect(&e.redis).await {
        Ok(mut conn) => redis::cmd("DEL")
            .arg(&e.stream)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    if let Err(error) = result {
        tracing::warn!(stream = %e.stream, %error, "could not delete the run's stream");
    }
}
