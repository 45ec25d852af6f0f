//! `--set key=value` overrides: parsing the argument and applying it to the
//! scenario's TOML table before deserialisation.

use toml::{Table, Value};

use crate::error::{Diagnostic, Origin};

/// One `--set key=value` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The argument as given, for messages.
    pub argument: String,
    /// The key path: table keys, and array indices as decimal numbers.
    pub path: Vec<String>,
    /// The value: parsed as TOML, or the raw text as a string when it is not TOML.
    pub value: Value,
}

impl Override {
    /// Parses `key.path=value`; `consumers[2].name` and `consumers.2.name`
    /// are the same path.
    pub fn parse(argument: &str) -> Result<Self, Diagnostic> {
        let fail = |message: String, expected: &str| Diagnostic {
            origin: Origin::Override {
                argument: argument.to_owned(),
            },
            key: None,
            message,
            expected: Some(expected.to_owned()),
        };
        let Some((key, raw)) = argument.split_once('=') else {
            return Err(fail(
                "no `=` in the argument".to_owned(),
                "key=value, for example gates.p98_latency_s=30",
            ));
        };
        let path: Vec<String> = key
            .trim()
            .replace('[', ".")
            .replace(']', "")
            .split('.')
            .map(str::to_owned)
            .collect();
        if path
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(fail(
                format!("`{key}` is not a key path"),
                "dotted keys such as scaler.max_replicas or consumers[0].name",
            ));
        }
        Ok(Self {
            argument: argument.to_owned(),
            path,
            value: parse_value(raw.trim()),
        })
    }

    /// The path in dotted form (`consumers.2.name`).
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }

    /// Sets the value in `table`. Missing intermediate tables and arrays are
    /// first copied from `defaults` (so `night.alerts_per_visit.mean=...`
    /// keeps the default distribution's other fields) or created empty.
    pub fn apply(&self, table: &mut Table, defaults: &Table) -> Result<(), Diagnostic> {
        let mut root = Value::Table(std::mem::take(table));
        let result = self.apply_to(&mut root, defaults);
        if let Value::Table(t) = root {
            *table = t;
        }
        result
    }

    fn apply_to(&self, root: &mut Value, defaults: &Table) -> Result<(), Diagnostic> {
        let Some((last, parents)) = self.path.split_last() else {
            return Err(self.fail("empty key".to_owned(), "a key path"));
        };
        let mut slot = root;
        let mut default: Option<&Value> = None;
        for (depth, segment) in parents.iter().enumerate() {
            let next_default = if depth == 0 {
                defaults.get(segment.as_str())
            } else {
                default.and_then(|d| child(d, segment))
            };
            slot = step(slot, segment, next_default)
                .map_err(|m| self.fail(m, "a path through tables and array indices"))?;
            default = next_default;
        }
        match slot {
            Value::Table(t) => {
                t.insert(last.clone(), self.value.clone());
                Ok(())
            }
            Value::Array(items) => {
                let index = array_index(last, items.len())
                    .map_err(|m| self.fail(m, "an index into the array"))?;
                if let Some(item) = items.get_mut(index) {
                    *item = self.value.clone();
                }
                Ok(())
            }
            other => Err(self.fail(
                format!("a {} cannot hold `{last}`", other.type_str()),
                "a path through tables",
            )),
        }
    }

    fn fail(&self, message: String, expected: &str) -> Diagnostic {
        Diagnostic {
            origin: Origin::Override {
                argument: self.argument.clone(),
            },
            key: Some(self.dotted()),
            message,
            expected: Some(expected.to_owned()),
        }
    }
}

/// Moves one step down the path, creating the step when missing.
fn step<'a>(
    slot: &'a mut Value,
    segment: &str,
    default: Option<&Value>,
) -> Result<&'a mut Value, String> {
    match slot {
        Value::Table(t) => Ok(t.entry(segment.to_owned()).or_insert_with(|| {
            default
                .cloned()
                .unwrap_or_else(|| Value::Table(Table::new()))
        })),
        Value::Array(items) => {
            let index = array_index(segment, items.len())?;
            items
                .get_mut(index)
                .ok_or_else(|| format!("index {index} is out of range"))
        }
        other => Err(format!("a {} cannot hold `{segment}`", other.type_str())),
    }
}

fn child<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Table(t) => t.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

fn array_index(segment: &str, len: usize) -> Result<usize, String> {
    match segment.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => Err(format!("index {i} is past the end of an array of {len}")),
        Err(_) => Err(format!("`{segment}` is not an array index")),
    }
}

/// The value as TOML (`30`, `true`, `"x"`, `{ kind = "constant", value = 3 }`),
/// or as a plain string when it does not parse.
fn parse_value(raw: &str) -> Value {
    let doc = format!("value = {raw}");
    match toml::from_str::<Table>(&doc) {
        Ok(mut t) if t.len() == 1 => t
            .remove("value")
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        _ => Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        let o = Override::parse("gates.p98_latency_s=30").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(o.path, ["gates", "p98_latency_s"]);
        assert_eq!(o.value, Value::Integer(30));
        let s = Override::parse("scaler.strategy=accurate").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(s.value, Value::String("accurate".into()));
        let injected = Override::parse("name=1\nseed = 4").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(injected.value, Value::String("1\nseed = 4".into()));
    }

    #[test]
    fn brackets_are_indices() {
        let o = Override::parse("consumers[2].name=x").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(o.dotted(), "consumers.2.name");
    }

    #[test]
    fn missing_tables_are_copied_from_defaults() {
        let mut defaults = Table::new();
        let mut night = Table::new();
        night.insert("visits".into(), Value::Integer(1000));
        night.insert("exposure_s".into(), Value::Float(30.0));
        defaults.insert("night".into(), Value::Table(night));
        let mut table = Table::new();
        let o = Override::parse("night.visits=5").unwrap_or_else(|d| panic!("{d}"));
        o.apply(&mut table, &defaults)
            .unwrap_or_else(|d| panic!("{d}"));
        let n = table
            .get("night")
            .and_then(Value::as_table)
            .cloned()
            .unwrap_or_default();
        assert_eq!(n.get("visits"), Some(&Value::Integer(5)));
        assert_eq!(n.get("exposure_s"), Some(&Value::Float(30.0)));
    }

    #[test]
    fn paths_through_scalars_are_errors() {
        let mut table: Table = toml::from_str("seed = 3").unwrap_or_default();
        let o = Override::parse("seed.x=1").unwrap_or_else(|d| panic!("{d}"));
        let err = o.apply(&mut table, &Table::new());
        assert!(err.is_err());
        assert_eq!(table.get("seed"), Some(&Value::Integer(3)));
    }
}
