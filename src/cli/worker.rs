//! `alertsim worker`: one alert-production worker, as a local child process
//! or a Kubernetes Job's container runs it: read detector events from the
//! Redis stream with the production worker loop, generate each detector's
//! alerts, publish them with the production publisher; print one JSON line
//! (the worker's report, the processor's counts, the publisher's ledger)
//! and exit with the worker's code (0 normal exit, 1 Redis error or SIGTERM).
//!
//! With `--load-run` it serves a load run instead (`alertsim load --jobs
//! process|kubernetes` starts it so): the scenario, shard and clock come
//! from `$ALERTSIM_LOAD_RUN`, each detector gets the scenario's processing
//! time and alert count, and the worker reports to the run through Redis.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use alertsim_core::alert::generate::{AlertGenerator, GeneratorConfig};
use alertsim_core::fanout::{consumer_group, stream_key};
use alertsim_core::publish::Profile;
use alertsim_core::worker::{AckMode, WorkerConfig};
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig};
use alertsim_drivers::worker::{WorkerSettings, run_worker_until};
use alertsim_loadgen::AlertProcessor;
use alertsim_loadgen::load::{JobServices, LOAD_RUN_ENV, LoadJobSpec, run_job_process};
use anyhow::Context;

use super::exit::bad_input;
use super::publish::{parse_profile, resolve_schema_id};
use super::registry::stop_signal;

/// Arguments of `worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// Redis URL.
    #[arg(long, value_name = "URL")]
    redis: String,
    /// Stream key (default: Rubin's for the instrument, `instrument:lsstcam`).
    #[arg(long)]
    stream: Option<String>,
    /// Consumer group (default: Rubin's for the instrument).
    #[arg(long)]
    group: Option<String>,
    /// Instrument whose stream and group are the defaults.
    #[arg(long, default_value = "LSSTCam")]
    instrument: String,
    /// Kafka bootstrap servers.
    #[arg(long, value_name = "HOST:PORT")]
    kafka: String,
    /// Topic.
    #[arg(long, default_value = "lsst-alerts-v11")]
    topic: String,
    /// Producer profile: rubin or safe.
    #[arg(long, default_value = "rubin", value_parser = parse_profile)]
    profile: Profile,
    /// Schema registry URL. With deterministic ids (the default) the worker
    /// makes sure it serves id 1100 as Rubin's schema sync job does, and
    /// refuses (exit 2) when it holds another schema there; without it, id
    /// 1100 is written and no registry is asked.
    #[arg(long, value_name = "URL")]
    registry: Option<String>,
    /// Registry subject the schema is imported into (or registered under).
    #[arg(long, default_value = "alert-packet")]
    subject: String,
    /// Rubin's deterministic schema id, major * 100 + minor (true, the
    /// default); false registers the schema under --subject and writes the
    /// id the registry assigns (needs --registry). With --load-run the
    /// scenario's `schema_registry.deterministic_ids` decides.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    deterministic_ids: bool,
    /// Spool directory for alerts that could not be delivered.
    #[arg(long, value_name = "DIR", default_value = "alertsim-spool")]
    spool: PathBuf,
    /// Alerts generated per detector event.
    #[arg(long, value_name = "N", default_value_t = 50)]
    alerts_per_detector: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// When entries are acknowledged: before (Rubin) or after processing.
    #[arg(long, value_enum, default_value_t = AckArg::Before)]
    ack: AckArg,
    /// Exit after this many messages (WORKER_RESTART_FREQ; 0 = unlimited).
    #[arg(long, value_name = "N")]
    restart_after: Option<u32>,
    /// Exit after this many seconds without a message (FANNED_OUT_MSG_LISTEN_TIMEOUT).
    #[arg(long, value_name = "SECONDS")]
    listen_timeout: Option<f64>,
    /// Serve the load run described by $ALERTSIM_LOAD_RUN (set by `alertsim
    /// load --jobs process|kubernetes`): its scenario decides the profile,
    /// the acknowledgement mode, the timeouts and the alerts per detector.
    #[arg(
        long,
        requires = "registry",
        conflicts_with_all = ["profile", "alerts_per_detector", "seed", "ack", "restart_after", "listen_timeout", "spool", "deterministic_ids"]
    )]
    load_run: bool,
}

impl WorkerArgs {
    /// `--stream`, or Rubin's stream for the instrument.
    fn stream(&self) -> String {
        self.stream
            .clone()
            .unwrap_or_else(|| stream_key(&self.instrument))
    }

    /// `--group`, or Rubin's consumer group for the instrument.
    fn group(&self) -> String {
        self.group
            .clone()
            .unwrap_or_else(|| consumer_group(&self.instrument))
    }
}

/// Resolves at SIGINT or SIGTERM (never, if the handlers cannot be
/// installed): the worker's termination.
async fn until_stop_signal() {
    if stop_signal().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `--ack` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AckArg {
    /// XACK right after the read (at-most-once, Rubin).
    Before,
    /// XACK after publishing; reclaim dead consumers' entries (at-least-once).
    After,
}

/// Runs `worker`.
pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if args.load_run {
        return run_for_load(args);
    }
    let mut config = WorkerConfig::rubin();
    config.ack_mode = match args.ack {
        AckArg::Before => AckMode::BeforeProcessing,
        AckArg::After => AckMode::AfterProcessing,
    };
    if let Some(n) = args.restart_after {
        config.restart_after = n;
    }
    if let Some(s) = args.listen_timeout {
        config.listen_timeout = Duration::try_from_secs_f64(s)
            .map_err(|_| bad_input(format!("--listen-timeout {s}: expected seconds >= 0")))?;
    }
    super::limits::alerts_per_detector(args.alerts_per_detector)?;
    let client = redis::Client::open(args.redis.as_str())
        .map_err(|e| bad_input(format!("--redis {}: {e}", args.redis)))?;
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let schema_id = resolve_schema_id(
            args.registry.as_deref(),
            &args.subject,
            args.deterministic_ids,
        )
        .await?;
        let publisher = AlertPublisher::new(&PublisherConfig {
            bootstrap: args.kafka.clone(),
            topic: args.topic.clone(),
            profile: args.profile,
            schema_id,
            spool_dir: args.spool.clone(),
            overrides: Vec::new(),
        })
        .map_err(|e| bad_input(format!("publisher: {e}")))?;
        let generator = AlertGenerator::new(GeneratorConfig::default(), args.seed)
            .context("alert generator")?;
        let mut processor = AlertProcessor::new(generator, publisher, args.alerts_per_detector);
        // Reconnects after a break, as Rubin's worker (redis-py) does for
        // the command it retries after its retry delay.
        let mut conn = client
            .get_connection_manager()
            .await
            .with_context(|| format!("connecting to {}", args.redis))?;
        let settings = WorkerSettings::new(args.stream(), args.group(), config);
        let report =
            run_worker_until(&mut conn, settings, &mut processor, until_stop_signal()).await;
        let ledger = processor
            .publisher_mut()
            .finish()
            .await
            .context("waiting for deliveries")?;
        let line = serde_json::json!({
            "worker": report,
            "processed": processor.stats(),
            "published": ledger,
        });
        println!("{line}");
        Ok(ExitCode::from(u8::try_from(report.exit_code).unwrap_or(1)))
    })
}

/// `worker --load-run`: one Job of a load run.
fn run_for_load(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let value = std::env::var(LOAD_RUN_ENV).map_err(|_| {
        bad_input(format!(
            "--load-run: expected the load run in ${LOAD_RUN_ENV}"
        ))
    })?;
    let spec = LoadJobSpec::from_env_value(&value).map_err(|e| bad_input(e.to_string()))?;
    redis::Client::open(args.redis.as_str())
        .map_err(|e| bad_input(format!("--redis {}: {e}", args.redis)))?;
    // The Job's name: set by the local runtime; a pod's hostname is its name.
    let identity = std::env::var("JOB_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| format!("worker-{}", std::process::id()));
    let services = JobServices {
        redis: args.redis.clone(),
        kafka: args.kafka.clone(),
        registry: args.registry.clone().unwrap_or_default(),
        topic: args.topic.clone(),
        stream: args.stream(),
        group: args.group(),
    };
    let runtime = super::runtime()?;
    let code = runtime.block_on(run_job_process(
        spec,
        services,
        identity,
        until_stop_signal(),
    ))?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
