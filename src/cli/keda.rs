//! `alertsim keda decide | watch`: what KEDA's ScaledJob controller would do.
//!
//! `decide` evaluates one state given by flags, or with `--batch` one state
//! per stdin line (a JSON object), and prints `{"create": N}` per state.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use alertsim_core::scaler::{
    Decision, JobCounts, KedaVersion, ScaledJobSettings, ScalingStrategy, Strategy, TriggerMetric,
    decide,
};
use anyhow::Context;
use serde_json::{Map, Value};

use super::exit::bad_input;
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
    /// strategy, keda_version, min_replicas, max_replicas, queue_length,
    /// target, activation, running, pending and optionally custom_deduction
    /// and custom_running_percentage; print one answer per line.
    #[arg(long, conflicts_with = "state")]
    batch: bool,
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
    /// KEDA release to reproduce: 2.16 (Rubin's 2.16.1) or current.
    #[arg(long, default_value = "2.16", value_parser = parse_keda_version)]
    keda_version: KedaVersion,
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
    KedaVersion::parse(text).ok_or_else(|| format!("expected 2.16 or current, got {text:?}"))
}

/// One state of the ScaledJob with a single trigger, as `decide` takes it.
#[derive(Debug, Clone, PartialEq)]
struct DecideState {
    strategy: Strategy,
    keda_version: KedaVersion,
    min_replicas: u32,
    max_replicas: u32,
    queue_length: f64,
    target: f64,
    activation: f64,
    running: u32,
    pending: u32,
    custom_deduction: Option<i32>,
    custom_running_percentage: Option<f64>,
}

impl DecideState {
    fn evaluate(&self) -> Decision {
        let settings = ScaledJobSettings {
            keda_version: self.keda_version,
            min_replica_count: self.min_replicas,
            max_replica_count: Some(self.max_replicas),
            scaling_strategy: ScalingStrategy {
                strategy: self.strategy,
                custom_scaling_queue_length_deduction: self.custom_deduction,
                custom_scaling_running_job_percentage: self.custom_running_percentage,
                ..ScalingStrategy::default()
            },
            ..ScaledJobSettings::default()
        };
        let metric = TriggerMetric::new(self.queue_length, self.target, self.activation);
        decide(
            &settings,
            &[metric],
            JobCounts::new(self.running, self.pending),
        )
    }
}

impl From<StateArgs> for DecideState {
    fn from(a: StateArgs) -> Self {
        Self {
            strategy: a.strategy,
            keda_version: a.keda_version,
            min_replicas: a.min_replicas,
            max_replicas: a.max_replicas,
            queue_length: a.queue_length,
            target: a.target,
            activation: a.activation,
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
        let state = DecideState::from(args.state);
        println!("{}", answer(&state.evaluate(), args.explain)?);
        return Ok(ExitCode::SUCCESS);
    }
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (index, line) in stdin.lines().enumerate() {
        let number = index + 1;
        let parsed = line
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| parse_line(&text));
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

/// Parses one batch line; `Ok(None)` for a blank line.
fn parse_line(text: &str) -> Result<Option<DecideState>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("expected a JSON object: {e}"))?;
    let Value::Object(obj) = value else {
        return Err(format!("expected a JSON object, got {value}"));
    };
    let strategy_name = text_field(&obj, "strategy")?;
    let strategy = Strategy::parse(strategy_name).ok_or_else(|| {
        format!(
            "field \"strategy\": expected \"default\", \"custom\", \"accurate\" or \"eager\", got {strategy_name:?}"
        )
    })?;
    let version_name = text_field(&obj, "keda_version")?;
    let keda_version = KedaVersion::parse(version_name).ok_or_else(|| {
        format!("field \"keda_version\": expected \"2.16\" or \"current\", got {version_name:?}")
    })?;
    Ok(Some(DecideState {
        strategy,
        keda_version,
        min_replicas: count_field(&obj, "min_replicas")?,
        max_replicas: count_field(&obj, "max_replicas")?,
        queue_length: number_field(&obj, "queue_length")?,
        target: number_field(&obj, "target")?,
        activation: number_field(&obj, "activation")?,
        running: count_field(&obj, "running")?,
        pending: count_field(&obj, "pending")?,
        custom_deduction: optional(&obj, "custom_deduction", |v| {
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or("an integer that fits in 32 bits")
        })?,
        custom_running_percentage: optional(&obj, "custom_running_percentage", |v| {
            v.as_f64().ok_or("a number")
        })?,
    }))
}

fn required<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    obj.get(name)
        .ok_or_else(|| format!("missing field {name:?}"))
}

fn text_field<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    let value = required(obj, name)?;
    value
        .as_str()
        .ok_or_else(|| format!("field {name:?}: expected a string, got {value}"))
}

fn count_field(obj: &Map<String, Value>, name: &str) -> Result<u32, String> {
    let value = required(obj, name)?;
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            format!("field {name:?}: expected a non-negative integer below 2^32, got {value}")
        })
}

fn number_field(obj: &Map<String, Value>, name: &str) -> Result<f64, String> {
    let value = required(obj, name)?;
    value
        .as_f64()
        .ok_or_else(|| format!("field {name:?}: expected a number, got {value}"))
}

/// An optional field: absent or null gives `None`.
fn optional<T>(
    obj: &Map<String, Value>,
    name: &str,
    read: impl Fn(&Value) -> Result<T, &'static str>,
) -> Result<Option<T>, String> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).map_err(|expected| {
            format!("field {name:?}: expected {expected} or null, got {value}")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"strategy":"accurate","keda_version":"current","min_replicas":2,"max_replicas":10,"queue_length":8,"target":1,"activation":0,"running":7,"pending":4}"#;

    #[test]
    fn parses_a_full_line() {
        let state = parse_line(LINE).unwrap().unwrap();
        assert_eq!(state.strategy, Strategy::Accurate);
        assert_eq!(state.keda_version, KedaVersion::Current);
        assert_eq!((state.running, state.pending), (7, 4));
        assert_eq!(state.custom_deduction, None);
    }

    #[test]
    fn blank_lines_are_skipped() {
        assert_eq!(parse_line("   "), Ok(None));
    }

    #[test]
    fn errors_name_the_field_and_what_was_expected() {
        let bad = LINE.replace("\"accurate\"", "\"fast\"");
        let err = parse_line(&bad).unwrap_err();
        assert!(
            err.contains("\"strategy\"") && err.contains("\"eager\""),
            "{err}"
        );
        let bad = LINE.replace("\"running\":7", "\"running\":-1");
        let err = parse_line(&bad).unwrap_err();
        assert!(
            err.contains("\"running\"") && err.contains("non-negative"),
            "{err}"
        );
        let bad = LINE.replace(",\"pending\":4", "");
        assert_eq!(parse_line(&bad).unwrap_err(), "missing field \"pending\"");
        let bad = LINE.replace("}", ",\"custom_deduction\":1.5}");
        let err = parse_line(&bad).unwrap_err();
        assert!(err.contains("\"custom_deduction\""), "{err}");
        assert!(parse_line("[1]").unwrap_err().contains("JSON object"));
    }
}
