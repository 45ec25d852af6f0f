//! The grid of a sweep: `--vary key=FROM..TO:STEP` ranges (integers or
//! floats) and their cartesian product, in a fixed order (the last range
//! varies fastest), so that a point's index names the same settings on
//! every run.

use std::fmt;

use serde::{Serialize, Serializer};

/// The form of a `--vary` argument, for messages.
pub const VARY_FORM: &str = "key=FROM..TO:STEP, for example scaler.max_replicas=50..400:50 or gates.p98_latency_s=20.0..60.0:10.0";

/// Largest number of points a grid may hold.
pub const MAX_POINTS: usize = 100_000;

/// A `--vary` argument or a grid that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--vary {argument}: {message} (expected {VARY_FORM})")]
pub struct GridError {
    /// The argument as given (or a summary of the ranges, for grid-wide errors).
    pub argument: String,
    /// What is wrong with it.
    pub message: String,
}

/// One value of a range: whole numbers stay integers so that integer
/// scenario fields accept them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
}

impl Number {
    /// The value as a float (for charts).
    pub fn as_f64(self) -> f64 {
        match self {
            // Precision loss above 2^53 does not matter for a chart axis.
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps a decimal point (1.0, not 1) and round-trips.
            Number::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Number::Int(i) => s.serialize_i64(*i),
            Number::Float(x) => s.serialize_f64(*x),
        }
    }
}

/// One `--vary key=FROM..TO:STEP`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The scenario key (`scaler.max_replicas`).
    pub key: String,
    /// First value.
    pub from: Number,
    /// Last value (included when a whole number of steps away).
    pub to: Number,
    /// Distance between values, positive.
    pub step: Number,
}

impl Range {
    /// Parses `key=FROM..TO:STEP`. All three numbers whole: an integer
    /// range; otherwise a float range.
    pub fn parse(argument: &str) -> Result<Self, GridError> {
        let fail = |message: String| GridError {
            argument: argument.to_owned(),
            message,
        };
        let Some((key, range)) = argument.split_once('=') else {
            return Err(fail("no `=` between the key and the range".to_owned()));
        };
        let key = key.trim();
        let key_ok = !key.is_empty()
            && key.split('.').all(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-[]".contains(c))
            });
        if !key_ok {
            return Err(fail(format!("`{key}` is not a dotted key path")));
        }
        let Some((bounds, step)) = range.rsplit_once(':') else {
            return Err(fail("no `:STEP` after the range".to_owned()));
        };
        let Some((from, to)) = bounds.split_once("..") else {
            return Err(fail("no `..` between FROM and TO".to_owned()));
        };
        let (from, to, step) = (from.trim(), to.trim(), step.trim());
        let ints = (from.parse::<i64>(), to.parse::<i64>(), step.parse::<i64>());
        let parsed = if let (Ok(f), Ok(t), Ok(s)) = ints {
            if s <= 0 {
                return Err(fail(format!("STEP `{step}` is not positive")));
            }
            if t < f {
                return Err(fail(format!("TO `{to}` is below FROM `{from}`")));
            }
            Range {
                key: key.to_owned(),
                from: Number::Int(f),
                to: Number::Int(t),
                step: Number::Int(s),
            }
        } else {
            let number = |text: &str, what: &str| match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(fail(format!("{what} `{text}` is not a number"))),
            };
            let (f, t, s) = (
                number(from, "FROM")?,
                number(to, "TO")?,
                number(step, "STEP")?,
            );
            if s <= 0.0 {
                return Err(fail(format!("STEP `{step}` is not positive")));
            }
            if t < f {
                return Err(fail(format!("TO `{to}` is below FROM `{from}`")));
            }
            Range {
                key: key.to_owned(),
                from: Number::Float(f),
                to: Number::Float(t),
                step: Number::Float(s),
            }
        };
        if parsed.len() > MAX_POINTS {
            return Err(fail(format!(
                "the range holds more than {MAX_POINTS} values"
            )));
        }
        Ok(parsed)
    }

    /// Number of values: FROM, FROM + STEP, ... up to TO.
    pub fn len(&self) -> usize {
        match (self.from, self.to, self.step) {
            (Number::Int(f), Number::Int(t), Number::Int(s)) if s > 0 => {
                let span = i128::from(t) - i128::from(f);
                usize::try_from(span / i128::from(s) + 1).unwrap_or(usize::MAX)
            }
            _ => {
                let (f, t, s) = (self.from.as_f64(), self.to.as_f64(), self.step.as_f64());
                if s <= 0.0 || t < f {
                    return 0;
                }
                // A relative tolerance, so that 0.1..0.3:0.1 holds 0.3.
                let steps = ((t - f) / s + 1e-9).floor();
                if steps >= MAX_POINTS as f64 {
                    usize::MAX
                } else {
                    // steps is a non-negative whole number below MAX_POINTS.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let n = steps as usize;
                    n + 1
                }
            }
        }
    }

    /// Whether the range holds no value (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th value, computed from FROM (no accumulated rounding).
    pub fn value(&self, i: usize) -> Number {
        match (self.from, self.step) {
            (Number::Int(f), Number::Int(s)) => {
                let i = i64::try_from(i).unwrap_or(i64::MAX);
                Number::Int(f.saturating_add(s.saturating_mul(i)))
            }
            _ => {
                #[allow(clippy::cast_precision_loss)]
                let x = self.from.as_f64() + self.step.as_f64() * i as f64;
                // Twelve significant decimals: 0.1 * 3 shows as 0.3.
                Number::Float((x * 1e12).round() / 1e12)
            }
        }
    }

    /// All values in order.
    pub fn values(&self) -> Vec<Number> {
        (0..self.len()).map(|i| self.value(i)).collect()
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}..{}:{}", self.key, self.from, self.to, self.step)
    }
}

/// One setting of a grid point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// The scenario key.
    pub key: String,
    /// Its value at this point.
    pub value: Number,
}

/// The cartesian product of the ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The ranges, in argument order.
    pub ranges: Vec<Range>,
}

impl Grid {
    /// Parses the `--vary` arguments; a key may be varied once.
    pub fn parse(arguments: &[String]) -> Result<Self, GridError> {
        if arguments.is_empty() {
            return Err(GridError {
                argument: String::new(),
                message: "no --vary argument: a sweep needs at least one range".to_owned(),
            });
        }
        let mut ranges: Vec<Range> = Vec::with_capacity(arguments.len());
        for argument in arguments {
            let range = Range::parse(argument)?;
            if ranges.iter().any(|r| r.key == range.key) {
                return Err(GridError {
                    argument: argument.clone(),
                    message: format!("`{}` is varied twice", range.key),
                });
            }
            ranges.push(range);
        }
        let grid = Grid { ranges };
        let total = grid
            .ranges
            .iter()
            .try_fold(1usize, |n, r| n.checked_mul(r.len()));
        match total {
            Some(n) if n <= MAX_POINTS => Ok(grid),
            _ => Err(GridError {
                argument: arguments.join(" --vary "),
                message: format!("the grid holds more than {MAX_POINTS} points"),
            }),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(Range::len).product()
    }

    /// Whether the grid has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The settings of point `index` (the last range varies fastest).
    pub fn point(&self, index: usize) -> Vec<Setting> {
        let mut rest = index;
        let mut settings: Vec<Setting> = self
            .ranges
            .iter()
            .rev()
            .map(|r| {
                let n = r.len().max(1);
                let i = rest % n;
                rest /= n;
                Setting {
                    key: r.key.clone(),
                    value: r.value(i),
                }
            })
            .collect();
        settings.reverse();
        settings
    }

    /// Every point, in index order.
    pub fn points(&self) -> Vec<Vec<Setting>> {
        (0..self.len()).map(|i| self.point(i)).collect()
    }
}
