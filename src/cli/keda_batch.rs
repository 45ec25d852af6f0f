//! The states of `alertsim keda decide`: one ScaledJob state with its
//! triggers, its evaluation by the core's decision code, and the parser of
//! `--batch` input lines (one JSON object per line, each line at most
//! [`MAX_LINE_BYTES`]). A line gives one trigger by its `queue_length`,
//! `target` and `activation`, or several as a `triggers` array of such
//! objects combined by `multiple_scalers_calculation` (max, min, avg, sum;
//! default max). Self-contained (the core and serde_json only), so
//! that the fuzz target `keda_batch_line` compiles this very file.

use std::io::BufRead;

use alertsim_core::scaler::{
    Decision, JobCounts, KedaVersion, MultipleScalersCalculation, ScaledJobSettings,
    ScalingStrategy, Strategy, TriggerMetric, decide,
};
use serde_json::{Map, Value};

/// The longest `--batch` line read (a state is about 200 bytes).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One trigger's reading: its metric value (the queue length), its target
/// per Job and its activation threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriggerState {
    pub queue_length: f64,
    pub target: f64,
    pub activation: f64,
}

/// One state of the ScaledJob, as `decide` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideState {
    pub strategy: Strategy,
    pub keda_version: KedaVersion,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// At least one trigger.
    pub triggers: Vec<TriggerState>,
    pub multiple_scalers_calculation: MultipleScalersCalculation,
    pub running: u32,
    pub pending: u32,
    pub custom_deduction: Option<i32>,
    pub custom_running_percentage: Option<f64>,
}

impl DecideState {
    /// What KEDA decides for this state.
    pub fn evaluate(&self) -> Decision {
        let settings = ScaledJobSettings {
            keda_version: self.keda_version,
            min_replica_count: self.min_replicas,
            max_replica_count: Some(self.max_replicas),
            scaling_strategy: ScalingStrategy {
                strategy: self.strategy,
                custom_scaling_queue_length_deduction: self.custom_deduction,
                custom_scaling_running_job_percentage: self.custom_running_percentage,
                multiple_scalers_calculation: self.multiple_scalers_calculation,
                ..ScalingStrategy::default()
            },
            ..ScaledJobSettings::default()
        };
        let metrics: Vec<TriggerMetric> = self
            .triggers
            .iter()
            .map(|t| TriggerMetric::new(t.queue_length, t.target, t.activation))
            .collect();
        decide(
            &settings,
            &metrics,
            JobCounts::new(self.running, self.pending),
        )
    }

    /// Refuses numbers the decision cannot use: NaN and infinities (flags
    /// accept them; JSON cannot hold them).
    pub fn check(&self) -> Result<(), String> {
        let numbers = self.triggers.iter().flat_map(|t| {
            [
                ("queue_length", Some(t.queue_length)),
                ("target", Some(t.target)),
                ("activation", Some(t.activation)),
            ]
        });
        let percentage = [("custom_running_percentage", self.custom_running_percentage)];
        for (name, value) in numbers.chain(percentage) {
            if let Some(v) = value.filter(|v| !v.is_finite()) {
                return Err(format!(
                    "field \"{name}\": expected a finite number, got {v}"
                ));
            }
        }
        Ok(())
    }
}

/// One `--batch` line: `None` for a blank line, else the state it holds;
/// `keda_version` is the release of a line that names none.
pub fn parse_line(text: &str, keda_version: KedaVersion) -> Result<Option<DecideState>, String> {
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
    let keda_version = match obj.get("keda_version") {
        None | Some(Value::Null) => keda_version,
        Some(_) => {
            let name = text_field(&obj, "keda_version")?;
            KedaVersion::parse(name).ok_or_else(|| {
                format!(
                    "field \"keda_version\": expected one of {}, got {name:?}",
                    KedaVersion::NAMES.join(", ")
                )
            })?
        }
    };
    let state = DecideState {
        strategy,
        keda_version,
        min_replicas: count_field(&obj, "min_replicas")?,
        max_replicas: count_field(&obj, "max_replicas")?,
        triggers: triggers(&obj)?,
        multiple_scalers_calculation: match obj.get("multiple_scalers_calculation") {
            None | Some(Value::Null) => MultipleScalersCalculation::default(),
            Some(_) => {
                let name = text_field(&obj, "multiple_scalers_calculation")?;
                calculation(name).ok_or_else(|| {
                    format!(
                        "field \"multiple_scalers_calculation\": expected \"max\", \"min\", \"avg\" or \"sum\", got {name:?}"
                    )
                })?
            }
        },
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
    };
    state.check()?;
    Ok(Some(state))
}

/// The triggers of a line: the `triggers` array, or else the one trigger
/// given by the line's own `queue_length`, `target` and `activation`.
fn triggers(obj: &Map<String, Value>) -> Result<Vec<TriggerState>, String> {
    let one = |obj: &Map<String, Value>| -> Result<TriggerState, String> {
        Ok(TriggerState {
            queue_length: number_field(obj, "queue_length")?,
            target: number_field(obj, "target")?,
            activation: number_field(obj, "activation")?,
        })
    };
    let Some(list) = obj.get("triggers") else {
        return Ok(vec![one(obj)?]);
    };
    if let Some(name) = ["queue_length", "target", "activation"]
        .into_iter()
        .find(|name| obj.contains_key(*name))
    {
        return Err(format!(
            "field {name:?}: expected inside \"triggers\" when the line has a \"triggers\" array"
        ));
    }
    let items = list
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| {
            format!("field \"triggers\": expected a non-empty array of trigger objects, got {list}")
        })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let trigger = item.as_object().ok_or_else(|| {
                format!(
                    "field \"triggers\" item {}: expected an object, got {item}",
                    i + 1
                )
            })?;
            one(trigger).map_err(|e| format!("field \"triggers\" item {}: {e}", i + 1))
        })
        .collect()
}

/// `multipleScalersCalculation` by its name in the ScaledJob spec.
fn calculation(name: &str) -> Option<MultipleScalersCalculation> {
    match name {
        "max" => Some(MultipleScalersCalculation::Max),
        "min" => Some(MultipleScalersCalculation::Min),
        "avg" => Some(MultipleScalersCalculation::Avg),
        "sum" => Some(MultipleScalersCalculation::Sum),
        _ => None,
    }
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

/// Reads the next line of `input` into `buffer` (without its line end),
/// refusing a line longer than `max` bytes before holding more of it;
/// `Ok(false)` at the end of the input.
pub fn read_line(
    input: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    max: usize,
) -> Result<bool, String> {
    use std::io::Read;
    buffer.clear();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let read = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', buffer)
        .map_err(|e| format!("cannot read: {e}"))?;
    if read == 0 {
        return Ok(false);
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    } else if buffer.len() > max {
        return Err(format!(
            "line longer than {max} bytes (expected one JSON object per line)"
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"strategy":"accurate","keda_version":"current","min_replicas":2,"max_replicas":10,"queue_length":8,"target":1,"activation":0,"running":7,"pending":4}"#;

    #[test]
    fn parses_a_full_line() {
        let state = parse_line(LINE, KedaVersion::V2_16).unwrap().unwrap();
        assert_eq!(state.strategy, Strategy::Accurate);
        assert_eq!(state.keda_version, KedaVersion::LATEST);
        assert_eq!((state.running, state.pending), (7, 4));
        assert_eq!(state.custom_deduction, None);
    }

    #[test]
    fn long_lines_are_refused_before_they_are_held() {
        let text = format!("{LINE}\n{}\n", "x".repeat(100));
        let mut input = text.as_bytes();
        let mut buffer = Vec::new();
        assert_eq!(read_line(&mut input, &mut buffer, 1000), Ok(true));
        assert_eq!(buffer, LINE.as_bytes());
        let err = read_line(&mut input, &mut buffer, 50).unwrap_err();
        assert!(err.contains("longer than 50 bytes"), "{err}");
        assert!(buffer.len() <= 51);
        let mut empty: &[u8] = b"";
        assert_eq!(read_line(&mut empty, &mut buffer, 50), Ok(false));
    }

    #[test]
    fn a_line_without_a_release_takes_the_flag() {
        let line = LINE.replace("\"keda_version\":\"current\",", "");
        let state = parse_line(&line, KedaVersion::V2_19).unwrap().unwrap();
        assert_eq!(state.keda_version, KedaVersion::V2_19);
        let bad = LINE.replace("\"current\"", "\"2.21\"");
        let err = parse_line(&bad, KedaVersion::V2_16).unwrap_err();
        assert!(err.contains("2.20.2") && err.contains("\"2.21\""), "{err}");
    }

    #[test]
    fn several_triggers_combine_as_the_line_says() {
        let line = LINE.replace(
            "\"queue_length\":8,\"target\":1,\"activation\":0,",
            "\"triggers\":[{\"queue_length\":8,\"target\":1,\"activation\":0},{\"queue_length\":3,\"target\":1,\"activation\":0}],",
        );
        let max = parse_line(&line, KedaVersion::V2_16).unwrap().unwrap();
        assert_eq!(max.triggers.len(), 2);
        assert_eq!(max.evaluate().queue_length, 8);
        let sum = format!(
            "{},\"multiple_scalers_calculation\":\"sum\"}}",
            line.strip_suffix('}').unwrap()
        );
        let sum = parse_line(&sum, KedaVersion::V2_16).unwrap().unwrap();
        assert_eq!(
            sum.multiple_scalers_calculation,
            MultipleScalersCalculation::Sum
        );
        assert_eq!(sum.evaluate().queue_length, 11);
    }

    #[test]
    fn a_triggers_array_is_checked_and_exclusive() {
        let both = LINE.replace("}", ",\"triggers\":[]}");
        let err = parse_line(&both, KedaVersion::V2_16).unwrap_err();
        assert!(
            err.contains("\"queue_length\"") && err.contains("triggers"),
            "{err}"
        );
        let base = LINE.replace("\"queue_length\":8,\"target\":1,\"activation\":0,", "");
        let empty = base.replace("}", ",\"triggers\":[]}");
        let err = parse_line(&empty, KedaVersion::V2_16).unwrap_err();
        assert!(err.contains("non-empty array"), "{err}");
        let bad = base.replace("}", ",\"triggers\":[{\"queue_length\":1,\"target\":1}]}");
        let err = parse_line(&bad, KedaVersion::V2_16).unwrap_err();
        assert!(
            err.contains("item 1") && err.contains("\"activation\""),
            "{err}"
        );
        let calc = LINE.replace("}", ",\"multiple_scalers_calculation\":\"median\"}");
        let err = parse_line(&calc, KedaVersion::V2_16).unwrap_err();
        assert!(
            err.contains("\"sum\"") && err.contains("\"median\""),
            "{err}"
        );
    }

    #[test]
    fn blank_lines_are_skipped() {
        assert_eq!(parse_line("   ", KedaVersion::V2_16), Ok(None));
    }

    #[test]
    fn errors_name_the_field_and_what_was_expected() {
        let bad = LINE.replace("\"accurate\"", "\"fast\"");
        let err = parse_line(&bad, KedaVersion::V2_16).unwrap_err();
        assert!(
            err.contains("\"strategy\"") && err.contains("\"eager\""),
            "{err}"
        );
        let bad = LINE.replace("\"running\":7", "\"running\":-1");
        let err = parse_line(&bad, KedaVersion::V2_16).unwrap_err();
        assert!(
            err.contains("\"running\"") && err.contains("non-negative"),
            "{err}"
        );
        let bad = LINE.replace(",\"pending\":4", "");
        assert_eq!(
            parse_line(&bad, KedaVersion::V2_16).unwrap_err(),
            "missing field \"pending\""
        );
        let bad = LINE.replace("}", ",\"custom_deduction\":1.5}");
        let err = parse_line(&bad, KedaVersion::V2_16).unwrap_err();
        assert!(err.contains("\"custom_deduction\""), "{err}");
        assert!(
            parse_line("[1]", KedaVersion::V2_16)
                .unwrap_err()
                .contains("JSON object")
        );
    }
}
