//! `alertsim load`: run a scenario through the real production path against
//! real Kafka, Redis and a schema registry (started in-process when not
//! given), and write the same reports as `alertsim sim`, plus
//! `load-info.json` (what was run against, the faults as done, the spool
//! replay) and `recorder.json` (the raw metrics, for `alertsim merge`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use alertsim_loadgen::load::{
    GeneratorSummary, JobBackend, LoadError, LoadOptions, LoadOutcome, MetricsListener,
    ServiceFlags, Shard, run_load,
};
use alertsim_reports::{PageExtras, RunInfo, human, junit, write_reports_with};
use alertsim_scenarios::Scenario;
use anyhow::Context;
use serde::Serialize;

use super::exit::{GATE_FAILED, INCONCLUSIVE, bad_input};
use super::load_progress::LoadProgressOutput;
use super::load_speed::{FIRST_PROBE, find_time_scale};
use super::overrides::ScenarioOverrides;
use super::shell::quote;

/// Run a scenario against real services and report it as `sim` does.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// A catalogue name (see `alertsim scenarios list`) or a scenario .toml
    /// file. Try `smoke --time-scale 20` first.
    #[arg(value_name = "SCENARIO")]
    pub scenario: String,
    /// Kafka bootstrap servers (default: an in-process tansu broker).
    #[arg(long, value_name = "HOST:PORT")]
    pub kafka: Option<String>,
    /// Redis URL (default: `redis-server` spawned on a private socket).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Schema registry URL (default: alertsim's registry, in-process).
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// The local broker started when --kafka is not given: the in-process
    /// tansu broker, or an Apache Kafka 4.1.0 cluster (`--brokers` JVMs and
    /// a controller; the topic at RF 3, min ISR 2), whose brokers the
    /// broker faults kill, stop and restart for real.
    #[arg(long, value_enum, default_value_t = super::broker::Engine::Tansu)]
    pub engine: super::broker::Engine,
    /// Brokers of the local Kafka cluster (`--engine kafka`).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub brokers: u16,
    /// How `broker_outage` takes brokers of the local Kafka cluster down:
    /// SIGKILL then a restart, or SIGSTOP then SIGCONT (a stalled broker).
    #[arg(long, value_enum, default_value_t = BrokerDownArg::Kill)]
    pub broker_down: BrokerDownArg,
    /// Topic to produce to and consume from (default: the scenario's `kafka.topic`).
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,
    /// Registry subject of the alert schema.
    #[arg(long, default_value = "alert-packet", value_name = "SUBJECT")]
    pub subject: String,
    /// Scenario seconds per wall-clock second: 10 fires a visit every 3.7 s;
    /// `auto` first finds the highest this machine sustains (short probe
    /// runs, as `--calibrate-speed`) and uses it.
    #[arg(long, default_value = "1", value_name = "X|auto", value_parser = parse_time_scale)]
    pub time_scale: TimeScaleArg,
    /// Find the highest time scale this machine sustains for the scenario
    /// (short probe runs judged by the generator's own lateness), print it
    /// and exit.
    #[arg(long)]
    pub calibrate_speed: bool,
    /// Run only this slice of every visit's detectors (detector % N == I),
    /// for N processes sharing the load; merge their outputs with `alertsim merge`.
    #[arg(long, default_value = "0/1", value_name = "I/N")]
    pub shard: String,
    /// Where worker Jobs run: tokio tasks in this process, child processes
    /// (`alertsim worker --load-run`), or Kubernetes Jobs from `--image`
    /// (needs --kafka, --redis and --registry the pods can reach).
    #[arg(long, value_enum, default_value_t = JobsArg::Task)]
    pub jobs: JobsArg,
    /// Container image of the Kubernetes Jobs (with `--jobs kubernetes`).
    #[arg(long, value_name = "IMAGE", required_if_eq("jobs", "kubernetes"))]
    pub image: Option<String>,
    /// Namespace of the Kubernetes Jobs (default: kubeconfig's or the pod's).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The `alertsim` executable inside the image.
    #[arg(long, value_name = "PATH", default_value = "alertsim")]
    pub image_program: String,
    #[command(flatten)]
    pub overrides: ScenarioOverrides,
    /// Directory for the reports (default `out/load-<scenario name>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Spool directory of the publishers (default `<out>/spool`).
    #[arg(long, value_name = "DIR")]
    pub spool: Option<PathBuf>,
    /// Also write the gates as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Serve the run's figures as OpenMetrics (Prometheus text) at
    /// http://ADDR/metrics while it goes: alerts handed, acknowledged, lost
    /// and in flight, stream lag, Jobs running and pending, busy pods, the
    /// alert latency histogram and each reader's lag and latency. ADDR is
    /// IP:PORT (port 0: any free port); the address bound is printed on
    /// stderr and written to load-info.json.
    #[arg(long, value_name = "ADDR", conflicts_with = "calibrate_speed")]
    pub metrics_listen: Option<SocketAddr>,
}

/// `--time-scale` values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeScaleArg {
    /// A fixed number of scenario seconds per second.
    Fixed(f64),
    /// Found by probes first.
    Auto,
}

impl std::fmt::Display for TimeScaleArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeScaleArg::Fixed(x) => write!(f, "{x}"),
            TimeScaleArg::Auto => f.write_str("auto"),
        }
    }
}

fn parse_time_scale(text: &str) -> Result<TimeScaleArg, String> {
    if text == "auto" {
        return Ok(TimeScaleArg::Auto);
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(TimeScaleArg::Fixed(x)),
        _ => Err(format!(
            "expected `auto` or a positive number of scenario seconds per second, got {text:?}"
        )),
    }
}

/// `--broker-down` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BrokerDownArg {
    /// SIGKILL, restarted after the fault's duration.
    Kill,
    /// SIGSTOP, SIGCONT after the fault's duration.
    Stop,
}

/// `--jobs` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobsArg {
    /// Tokio tasks in this process.
    Task,
    /// Child processes of this machine.
    Process,
    /// Kubernetes Jobs.
    Kubernetes,
}

impl JobsArg {
    fn name(self) -> &'static str {
        match self {
            JobsArg::Task => "task",
            JobsArg::Process => "process",
            JobsArg::Kubernetes => "kubernetes",
        }
    }
}

/// The backend `--jobs` and its companions name.
fn job_backend(args: &LoadArgs) -> anyhow::Result<JobBackend> {
    Ok(match args.jobs {
        JobsArg::Task => JobBackend::Task,
        JobsArg::Process => JobBackend::Process {
            program: std::env::current_exe().context("finding the alertsim executable")?,
        },
        JobsArg::Kubernetes => {
            if args.kafka.is_none() || args.redis.is_none() || args.registry.is_none() {
                return Err(bad_input(
                    "--jobs kubernetes: expected --kafka, --redis and --registry that the pods can reach (services started locally are not)",
                ));
            }
            JobBackend::Kubernetes {
                image: args.image.clone().unwrap_or_default(),
                namespace: args.namespace.clone(),
                program: args.image_program.clone(),
            }
        }
    })
}

/// What `load-info.json` holds: the parts of a load run that are not
/// figures of the scenario.
#[derive(Debug, Serialize)]
struct LoadInfo<'a> {
    shard: String,
    jobs: &'static str,
    /// Remote worker Jobs whose records never came back (report partial).
    workers_unreported: &'a [String],
    time_scale: f64,
    kafka: &'a str,
    redis: &'a str,
    registry: &'a str,
    topic: String,
    local_services: &'a [&'static str],
    interrupted: bool,
    truncated: bool,
    scenario_s: f64,
    consumed: &'a [u64],
    /// The schema id every alert carries: Rubin's fixed id (made sure of in
    /// the registry as the sync job does) or the one the registry assigned.
    schema_id: &'a alertsim_loadgen::load::SchemaIdUse,
    replay: &'a alertsim_drivers::publish::replay::ReplaySummary,
    faults: &'a [alertsim_loadgen::load::FaultRun],
    /// Alerts per wall second handed to the producers, acknowledged by
    /// the broker and read by the first consumer: where the run is limited.
    wall_rates: &'a alertsim_loadgen::load::WallRates,
    /// The generator's own lag and whether the run is valid (`saturated`).
    generator: &'a GeneratorSummary,
    /// Where `--metrics-listen` served the run's metrics (the address
    /// bound: with port 0, the port picked).
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_listen: Option<String>,
    /// Settings of the scenario this run did not carry out (faults skipped
    /// are in `faults`).
    not_done: Vec<String>,
    reproduce: String,
}

/// Runs the command.
pub fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let scenario = args.overrides.load(&args.scenario)?;
    let shard: Shard = args
        .shard
        .parse()
        .map_err(|e: alertsim_loadgen::load::BadShard| bad_input(e.to_string()))?;
    if args.kafka.is_none() {
        super::limits::in_process_load(&scenario, shard.count)?;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("load-{}", scenario.name)));
    // Bound before anything starts: a bad or taken address stops here.
    let metrics = match args.metrics_listen {
        Some(addr) => {
            let listener = MetricsListener::bind(addr)
                .map_err(|e| bad_input(format!("{e}; the run was not started")))?;
            eprintln!(
                "metrics: serving OpenMetrics at http://{}/metrics",
                listener.local_addr()
            );
            Some(listener)
        }
        None => None,
    };
    let options = LoadOptions {
        services: ServiceFlags {
            kafka: args.kafka.clone(),
            redis: args.redis.clone(),
            registry: args.registry.clone(),
            kafka_cluster: (args.engine == super::broker::Engine::Kafka).then(|| {
                alertsim_loadgen::ClusterConfig {
                    brokers: args.brokers,
                    ..alertsim_loadgen::ClusterConfig::default()
                }
            }),
            broker_down: match args.broker_down {
                BrokerDownArg::Kill => alertsim_loadgen::load::BrokerDown::Kill,
                BrokerDownArg::Stop => alertsim_loadgen::load::BrokerDown::Stop,
            },
        },
        time_scale: match args.time_scale {
            TimeScaleArg::Fixed(x) => x,
            TimeScaleArg::Auto => FIRST_PROBE,
        },
        shard,
        topic: args.topic.clone(),
        subject: args.subject.clone(),
        // Absolute: child-process Jobs are handed the same directory.
        spool_dir: std::path::absolute(args.spool.clone().unwrap_or_else(|| out.join("spool")))
            .context("resolving the spool directory")?,
        jobs: job_backend(&args)?,
        // Set after the speed probes, which serve nothing.
        metrics: None,
    };

    let mut options = options;
    if args.calibrate_speed || args.time_scale == TimeScaleArg::Auto {
        let found = find_time_scale(&scenario, &options)?;
        let Some(time_scale) = found.time_scale else {
            eprintln!(
                "this machine cannot run {} even at --time-scale 1 within the generator's limits (see `load --help`)",
                scenario.name
            );
            return Ok(ExitCode::from(INCONCLUSIVE));
        };
        if args.calibrate_speed {
            eprintln!("{} probes", found.probes);
            println!("{time_scale}");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("running at --time-scale {time_scale}, the highest found valid");
        options.time_scale = time_scale;
    }
    let mut args = args;
    args.time_scale = TimeScaleArg::Fixed(options.time_scale);
    let metrics_addr = metrics.as_ref().map(MetricsListener::local_addr);
    options.metrics = metrics;

    let started = Instant::now();
    let progress = LoadProgressOutput::new(&scenario, options.time_scale);
    let mut handle = progress.handle();
    let outcome = super::runtime()?
        .block_on(run_load(
            &scenario,
            &options,
            move |p| handle.update(&p),
            interrupted(),
        ))
        .map_err(|e| match e {
            // The registry's content forbids the run's fixed id: bad input.
            LoadError::SchemaIdRefused(refused) => {
                bad_input(format!("load run: {refused}; the night was not started"))
            }
            other => anyhow::Error::new(other).context("load run"),
        })?;
    progress.finish();
    let wall_s = started.elapsed().as_secs_f64();

    write_outputs(&args, &scenario, &outcome, &out, wall_s, metrics_addr)?;
    print_summary(&outcome, wall_s, &out);

    let line = reproduce(&args, &scenario);
    if outcome.interrupted || outcome.report.partial {
        eprintln!("the reports in {} are partial", out.display());
        return Ok(ExitCode::from(GATE_FAILED));
    }
    if outcome.generator.verdict.saturated {
        eprintln!(
            "inconclusive: the load generator could not keep up, so the gates say nothing about the system (exit {INCONCLUSIVE}); try --time-scale {}",
            outcome.generator.verdict.suggested_time_scale
        );
        return Ok(ExitCode::from(INCONCLUSIVE));
    }
    if outcome.report.gates.passed {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("gates failed; reproduce with:\n  {line}");
        Ok(ExitCode::from(GATE_FAILED))
    }
}

/// Resolves at the first Ctrl-C (the run then winds down and still writes
/// its reports); a second Ctrl-C quits at once.
async fn interrupted() {
    // No handler means no Ctrl-C: the run goes to its end.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    // Listen for the second Ctrl-C before saying it is heard: a listener
    // sees only the signals that come after it was made.
    let again = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    eprintln!(
        "stopping: waiting for the alerts in flight, then writing a partial report (Ctrl-C again to quit now)"
    );
    let Ok(mut again) = again else {
        return;
    };
    tokio::spawn(async move {
        if again.recv().await.is_some() {
            // Exiting runs no destructor: stop the local services first.
            alertsim_loadgen::quit::stop_services_now();
            eprintln!("quit: no report written");
            std::process::exit(130);
        }
    });
}

fn write_outputs(
    args: &LoadArgs,
    scenario: &Scenario,
    outcome: &LoadOutcome,
    out: &Path,
    wall_s: f64,
    metrics_addr: Option<SocketAddr>,
) -> anyhow::Result<()> {
    let report = &outcome.report;
    let validity = outcome.generator.page_figures();
    let extras = PageExtras {
        validity: Some(&validity),
        ..PageExtras::default()
    };
    write_reports_with(report, out, extras)
        .with_context(|| format!("writing the reports to {}", out.display()))?;
    RunInfo::new(wall_s, outcome.scenario_s, report.alerts.produced)
        .write(out)
        .with_context(|| format!("writing run-info.json to {}", out.display()))?;
    let recorder_path = out.join("recorder.json");
    outcome
        .recorder
        .save(&recorder_path)
        .with_context(|| format!("writing {}", recorder_path.display()))?;
    let info = LoadInfo {
        shard: args.shard.clone(),
        jobs: args.jobs.name(),
        workers_unreported: &outcome.workers_unreported,
        time_scale: outcome.generator.time_scale,
        kafka: &outcome.endpoints.kafka,
        redis: &outcome.endpoints.redis,
        registry: &outcome.endpoints.registry,
        topic: outcome.endpoints.topic.clone(),
        local_services: &outcome.local_services,
        interrupted: outcome.interrupted,
        truncated: outcome.truncated,
        scenario_s: outcome.scenario_s,
        consumed: &outcome.consumed,
        schema_id: &outcome.schema_id,
        replay: &outcome.replay,
        faults: &outcome.faults,
        wall_rates: &outcome.rates,
        generator: &outcome.generator,
        metrics_listen: metrics_addr.map(|a| a.to_string()),
        not_done: alertsim_loadgen::load::not_done(scenario),
        reproduce: reproduce(args, scenario),
    };
    let path = out.join("load-info.json");
    let mut text = serde_json::to_string_pretty(&info).context("encoding load-info.json")?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    if let Some(path) = &args.junit {
        junit::write(report, path)
            .with_context(|| format!("writing JUnit XML to {}", path.display()))?;
    }
    Ok(())
}

/// The command line that runs this again (services and timing included;
/// a load run is reproducible in its plan, not in its measurements).
fn reproduce(args: &LoadArgs, scenario: &Scenario) -> String {
    let mut line = format!(
        "alertsim load {}{} --time-scale {} --shard {}",
        quote(&args.scenario),
        args.overrides.reproduce(scenario),
        args.time_scale,
        args.shard
    );
    if args.jobs != JobsArg::Task {
        line.push_str(&format!(" --jobs {}", args.jobs.name()));
    }
    if args.kafka.is_none() && args.engine == super::broker::Engine::Kafka {
        line.push_str(&format!(" --engine kafka --brokers {}", args.brokers));
        if args.broker_down == BrokerDownArg::Stop {
            line.push_str(" --broker-down stop");
        }
    }
    for (flag, value) in [
        ("--image", &args.image),
        ("--namespace", &args.namespace),
        ("--kafka", &args.kafka),
        ("--redis", &args.redis),
        ("--registry", &args.registry),
        ("--topic", &args.topic),
    ] {
        if let Some(v) = value {
            line.push_str(&format!(" {flag} {}", quote(v)));
        }
    }
    line.push_str(&format!("   # alertsim {}", env!("CARGO_PKG_VERSION")));
    line
}

fn print_summary(outcome: &LoadOutcome, wall_s: f64, out: &Path) {
    let r = &outcome.report;
    let g = &outcome.generator;
    if g.verdict.saturated {
        println!(
            "SATURATED at --time-scale {}: {}. The figures below measure the load generator, not the system; \
             gates are inconclusive. A run at --time-scale {} should be valid on this machine (or use --time-scale auto).",
            human::number(g.time_scale),
            g.verdict.reason,
            human::number(g.verdict.suggested_time_scale)
        );
    }
    println!(
        "{}: {} visits, {} scenario time in {} wall; services: {}",
        r.scenario,
        human::count(r.visits),
        human::duration(outcome.scenario_s),
        human::duration(wall_s),
        if outcome.local_services.is_empty() {
            "given".to_owned()
        } else {
            format!("{} started locally", outcome.local_services.join(", "))
        }
    );
    let consumed: Vec<String> = outcome.consumed.iter().map(|&n| human::count(n)).collect();
    println!(
        "{}; consumers read {}",
        super::summary::alerts_line(r),
        consumed.join(", ")
    );
    println!("{}", super::summary::latency_line(r));
    println!("{}", super::summary::jobs_line(r));
    println!("{}", super::summary::throughput_line(r));
    println!(
        "generator: planned actions late by p50 {}, p99 {}, max {} (scenario time); alert generation {} of the detectors' latency, publishing stretched by the time scale {}; {} cores of CPU; {}",
        human::duration(g.lateness_p50_s),
        human::duration(g.lateness_p99_s),
        human::duration(g.lateness_max_s),
        human::percent(g.unmodelled_work_share),
        human::percent(g.publish_inflation_share),
        human::number(g.cpu_cores_used),
        if g.verdict.saturated {
            "saturated"
        } else {
            "valid"
        }
    );
    if g.verdict.saturated {
        let per_action: Vec<String> = g
            .by_action
            .iter()
            .map(|a| {
                format!(
                    "{} {} (p99 {}, max {})",
                    human::count(a.count),
                    serde_json::to_value(a.action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    human::duration(a.p99_s),
                    human::duration(a.max_s)
                )
            })
            .collect();
        println!("  late by action: {}", per_action.join(", "));
    }
    let id = &outcome.schema_id;
    println!(
        "schema id {} ({} {}, registry: {} in {})",
        id.id,
        id.version,
        if id.deterministic_ids {
            "deterministic"
        } else {
            "assigned"
        },
        id.registry_action.replace('_', " "),
        id.subjects.join(", ")
    );
    let w = &outcome.rates;
    println!(
        "wall-clock peaks, alerts/s: handed to producers {}, acknowledged by the broker {}, read by the first consumer {}",
        human::number(w.handed_to_producer.peak_per_s),
        human::number(w.acknowledged.peak_per_s),
        human::number(w.consumed.peak_per_s)
    );
    if outcome.replay.found > 0 {
        println!(
            "spool: {} alerts replayed at the end, {} delivered, {} still spooled",
            human::count(outcome.replay.found),
            human::count(outcome.replay.delivered),
            human::count(outcome.replay.failed)
        );
    }
    for f in &outcome.faults {
        println!(
            "fault {} at {}: {}{}",
            f.kind,
            human::duration(f.at_s),
            if f.applied { "done" } else { "skipped" },
            if f.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.note)
            }
        );
    }
    if !outcome.workers_unreported.is_empty() {
        println!(
            "warning: {} worker Jobs never handed in their records ({}): the report is partial",
            human::count(outcome.workers_unreported.len() as u64),
            outcome.workers_unreported.join(", ")
        );
    }
    super::summary::print_gates_and_reports(r, outcome.truncated, out);
}
