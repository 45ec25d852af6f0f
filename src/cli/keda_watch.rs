//! `alertsim keda watch`: a dry run of the scaler on a live Redis stream.
//!
//! Every poll reads the redis-streams trigger's metric exactly as KEDA does
//! (`alertsim_core::scaler::lag`) and feeds it, with the Job counts given on
//! the command line, to the ScaledJob decision (`alertsim_core::scaler::
//! decide`). One JSON line per poll on stdout. Nothing is created: KEDA's
//! answer is only printed.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alertsim_core::scaler::lag::{MetricReading, NullLag, StreamQuery};
use alertsim_core::scaler::{
    Decision, JobCounts, KedaVersion, ScaledJobSettings, Strategy, TriggerMetric, decide,
};
use alertsim_drivers::lag::read_metric;
use anyhow::Context;
use serde::Serialize;

use super::exit::bad_input;

/// Poll a live stream and print the metric and what KEDA would do.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Redis URL, e.g. redis://127.0.0.1:6379 or redis+unix:///path/redis.sock.
    #[arg(long)]
    pub redis: String,
    /// The stream key, e.g. instrument:lsstcam.
    #[arg(long)]
    pub stream: String,
    /// The consumer group, e.g. lsstcam_consumer_group.
    #[arg(long)]
    pub group: String,
    /// Poll once and exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between polls (KEDA's pollingInterval; Rubin 2).
    #[arg(long, default_value = "2")]
    pub interval: String,
    /// KEDA release to reproduce: 2.16 (Rubin's 2.16.1), 2.17, 2.18, 2.19,
    /// 2.20, 2.20.2 or current (2.20.2); it decides how a NULL lag reads.
    #[arg(long, default_value = "2.16")]
    pub keda_version: String,
    /// The trigger's lagCount (target per Job; 0 selects the XPENDING count).
    #[arg(long, default_value_t = 1)]
    pub lag_count: u32,
    /// The trigger's activationLagCount (active when the metric is greater).
    #[arg(long, default_value_t = 1)]
    pub activation_lag_count: u32,
    /// The trigger's pendingEntriesCount (target when lagCount is 0).
    #[arg(long, default_value_t = 5)]
    pub pending_entries_count: u32,
    /// Scaling strategy: default, custom, accurate or eager (Rubin: eager).
    #[arg(long, default_value = "eager")]
    pub strategy: String,
    /// minReplicaCount (Rubin 3).
    #[arg(long, default_value_t = 3)]
    pub min_replicas: u32,
    /// maxReplicaCount (Rubin prod LSSTCam 1700).
    #[arg(long, default_value_t = 1700)]
    pub max_replicas: u32,
    /// Jobs of the ScaledJob not Complete/Failed (R), as the cluster would report.
    #[arg(long, default_value_t = 0)]
    pub running: u32,
    /// Of those, Jobs whose pod is not yet Running (P).
    #[arg(long, default_value_t = 0)]
    pub pending: u32,
}

/// One poll's output line.
#[derive(Debug, Serialize)]
struct PollLine<'a> {
    polled_at_unix_ms: u128,
    stream: &'a str,
    group: &'a str,
    keda_version: &'static str,
    /// The metric, or null when the trigger errored.
    metric: Option<MetricReading>,
    /// The trigger's error, when it errored (KEDA then skips it).
    error: Option<String>,
    active: bool,
    running: u32,
    pending: u32,
    decision: Decision,
}

/// What the flags resolve to.
struct Plan {
    query: StreamQuery,
    settings: ScaledJobSettings,
    target: f64,
    activation: f64,
    interval: Duration,
}

fn plan(args: &WatchArgs) -> anyhow::Result<Plan> {
    let keda_version = KedaVersion::parse(&args.keda_version).ok_or_else(|| {
        bad_input(format!(
            "--keda-version: expected one of {}, got {:?}",
            KedaVersion::NAMES.join(", "),
            args.keda_version
        ))
    })?;
    let strategy = Strategy::parse(&args.strategy).ok_or_else(|| {
        bad_input(format!(
            "--strategy: expected default, custom, accurate or eager, got {:?}",
            args.strategy
        ))
    })?;
    let interval = args
        .interval
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            bad_input(format!(
                "--interval: expected a number of seconds above 0 (at most 86400), got {:?}",
                args.interval
            ))
        })?;
    if args.pending > args.running {
        return Err(bad_input(format!(
            "--pending ({}) cannot exceed --running ({})",
            args.pending, args.running
        )));
    }
    let mut settings =
        ScaledJobSettings::rubin_production().with_max_replica_count(args.max_replicas);
    settings.keda_version = keda_version;
    settings.min_replica_count = args.min_replicas;
    settings.scaling_strategy.strategy = strategy;
    let query = StreamQuery::from_trigger(
        args.stream.clone(),
        Some(args.group.clone()),
        i64::from(args.lag_count),
        NullLag::for_keda(keda_version),
    );
    let target = if args.lag_count != 0 {
        args.lag_count
    } else {
        args.pending_entries_count
    };
    Ok(Plan {
        query,
        settings,
        target: f64::from(target),
        activation: f64::from(args.activation_lag_count),
        interval,
    })
}

/// Runs the command.
pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(&args)?;
    let client = redis::Client::open(args.redis.as_str()).map_err(|e| {
        bad_input(format!(
            "--redis: not a usable Redis URL {:?}: {e}",
            args.redis
        ))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(watch(&args, &plan, client))
}

async fn watch(args: &WatchArgs, plan: &Plan, client: redis::Client) -> anyhow::Result<ExitCode> {
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .with_context(|| format!("connecting to Redis at {}", args.redis))?;
    let mut ticker = tokio::time::interval(plan.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
        let reading = read_metric(&mut conn, &plan.query).await;
        let line = poll_line(args, plan, reading);
        println!(
            "{}",
            serde_json::to_string(&line).context("serialising the poll line")?
        );
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

fn poll_line<'a>(
    args: &'a WatchArgs,
    plan: &Plan,
    reading: Result<MetricReading, alertsim_drivers::lag::ReadError>,
) -> PollLine<'a> {
    let (metric, error, trigger) = match reading {
        Ok(m) => (
            Some(m),
            None,
            TriggerMetric::new(m.value as f64, plan.target, plan.activation),
        ),
        Err(e) => (
            None,
            Some(e.to_string()),
            TriggerMetric::errored(plan.target, plan.activation),
        ),
    };
    let decision = decide(
        &plan.settings,
        &[trigger],
        JobCounts::new(args.running, args.pending),
    );
    PollLine {
        polled_at_unix_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
        stream: &args.stream,
        group: &args.group,
        keda_version: plan.settings.keda_version.as_str(),
        metric,
        error,
        active: trigger.is_active(),
        running: args.running,
        pending: args.pending,
        decision,
    }
}
