//! `alertsim keda decide | watch`: what KEDA's ScaledJob controller would do.
//!
//! `decide` evaluates one state given by flags, or with `--batch` one state
//! per stdin line (a JSON object), and prints `{"create": N}` per state.

use std::io::Write;
use std::process::ExitCode;

use alertsim_core::scaler::{Decision, KedaVersion, MultipleScalersCalculation, Strategy};
use anyhow::Context;

use super::exit::bad_input;
use super::keda_batch::{DecideState, MAX_LINE_BYTES, TriggerState, parse_line, read_line};
use super::keda_watch;

/// Subcommands of `alertsim keda`.
#[derive(Debug, clap::Subcommand)]
pub enum KedaCommand {
    /// Poll a live Redis stream and print the lag and what KEDA would do.
    Watch(keda_watch::WatchArgs),
    /// Print how many Jobs KEDA would create for one state (defaults: Rubin's
    /// production ScaledJob), or for each JSON line of stdin with --batch.
    Decide(DecideArgs),
}

/// Arguments of `alertsim keda decide`.
#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// Read states from stdin, one JSON object per line, with the fields
    /// strategy, min_replicas, max_replicas, queue_length, target,
    /// activation, running, pending and optionally keda_version (else
    /// --keda-version), custom_deduction and custom_running_percentage;
    /// print one answer per line. Several triggers: a "triggers" array of
    /// {queue_length, target, activation} objects in place of those three,
    /// combined by "multiple_scalers_calculation" (max, min, avg, sum;
    /// default max).
    #[arg(long, conflicts_with = "state")]
    batch: bool,
    /// KEDA release to reproduce: 2.16 (Rubin's 2.16.1; also "2.16.1"),
    /// 2.17, 2.18, 2.19, 2.20 (2.20.0 and 2.20.1), 2.20.2 or current (the
    /// newest, 2.20.2). With --batch, the release of lines that name none.
    /// This is the executor's decision on trigger readings: a trigger that
    /// the release refuses to build (2.16: activationLagCount 0 with a
    /// consumer group and lagCount) never gets here; `alertsim sim` and
    /// `scenarios lint` show that case.
    #[arg(long, default_value = "2.16", value_parser = parse_keda_version)]
    keda_version: KedaVersion,
    /// Print the whole decision (branch, maxScale, scaleTo...) instead of `{"create": N}`.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    state: StateArgs,
}

/// One state, given by flags.
#[derive(Debug, clap::Args)]
#[group(id = "state", multiple = true)]
struct StateArgs {
    /// Scaling strategy: default, custom, accurate or eager.
    #[arg(long, default_value = "eager", value_parser = parse_strategy)]
    strategy: Strategy,
    /// minReplicaCount.
    #[arg(long, default_value_t = 3)]
    min_replicas: u32,
    /// maxReplicaCount (the minimum counts against it).
    #[arg(long, default_value_t = 1700)]
    max_replicas: u32,
    /// The trigger's metric value (the stream's lag).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    queue_length: f64,
    /// The trigger's target per Job (lagCount).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    target: f64,
    /// The trigger's activation value (activationLagCount); active when strictly above.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    activation: f64,
    /// Jobs not Complete and not Failed (R).
    #[arg(long, default_value_t = 0)]
    running: u32,
    /// Of those, Jobs whose pod is not yet running (P).
    #[arg(long, default_value_t = 0)]
    pending: u32,
    /// customScalingQueueLengthDeduction (custom strategy).
    #[arg(long, allow_negative_numbers = true)]
    custom_deduction: Option<i32>,
    /// customScalingRunningJobPercentage (custom strategy; without it KEDA uses default).
    #[arg(long, allow_negative_numbers = true)]
    custom_running_percentage: Option<f64>,
}

/// Runs a `keda` subcommand.
pub fn run(cmd: KedaCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KedaCommand::Watch(args) => keda_watch::run(args),
        KedaCommand::Decide(args) => run_decide(args),
    }
}

fn parse_strategy(text: &str) -> Result<Strategy, String> {
    Strategy::parse(text)
        .ok_or_else(|| format!("expected default, custom, accurate or eager, got {text:?}"))
}

fn parse_keda_version(text: &str) -> Result<KedaVersion, String> {
    KedaVersion::parse(text).ok_or_else(|| {
        format!(
            "expected one of {}, got {text:?}",
            KedaVersion::NAMES.join(", ")
        )
    })
}

impl StateArgs {
    fn into_state(self, keda_version: KedaVersion) -> DecideState {
        let a = self;
        DecideState {
            strategy: a.strategy,
            keda_version,
            min_replicas: a.min_replicas,
            max_replicas: a.max_replicas,
            triggers: vec![TriggerState {
                queue_length: a.queue_length,
                target: a.target,
                activation: a.activation,
            }],
            multiple_scalers_calculation: MultipleScalersCalculation::default(),
            running: a.running,
            pending: a.pending,
            custom_deduction: a.custom_deduction,
            custom_running_percentage: a.custom_running_percentage,
        }
    }
}

fn answer(decision: &Decision, explain: bool) -> anyhow::Result<String> {
    if explain {
        serde_json::to_string(decision).context("serializing the decision")
    } else {
        Ok(format!("{{\"create\": {}}}", decision.create))
    }
}

fn run_decide(args: DecideArgs) -> anyhow::Result<ExitCode> {
    if !args.batch {
        let state = args.state.into_state(args.keda_version);
        state.check().map_err(|m| bad_input(flag_message(&m)))?;
        println!("{}", answer(&state.evaluate(), args.explain)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut buffer = Vec::with_capacity(256);
    for number in 1.. {
        let parsed = match read_line(&mut stdin, &mut buffer, MAX_LINE_BYTES) {
            Ok(false) => break,
            Ok(true) => std::str::from_utf8(&buffer)
                .map_err(|e| format!("not UTF-8 text: {e}"))
                .and_then(|line| parse_line(line, args.keda_version)),
            Err(message) => Err(message),
        };
        match parsed {
            Ok(None) => {}
            Ok(Some(state)) => {
                writeln!(out, "{}", answer(&state.evaluate(), args.explain)?)
                    .context("writing to stdout")?;
            }
            Err(message) => {
                out.flush().context("writing to stdout")?;
                return Err(bad_input(format!("stdin line {number}: {message}")));
            }
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// A state error as the flags name it (`field "target"` -> `--target`).
fn flag_message(message: &str) -> String {
    match message
        .strip_prefix("field \"")
        .and_then(|rest| rest.split_once('"'))
    {
        Some((field, rest)) => format!("--{}{rest}", field.replace('_', "-")),
        None => message.to_owned(),
    }
}
