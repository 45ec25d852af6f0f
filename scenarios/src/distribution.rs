//! Probability distributions used by scenario parameters (a small tagged
//! enum), their validation and seeded sampling.

use rand::Rng;
use rand_distr::{Distribution as _, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// A distribution of a real value, written in TOML as an inline table with a
/// `kind` tag, for example `{ kind = "lognormal", mean = 60, std_dev = 15 }`.
///
/// The optional `min` and `max` of the unbounded kinds clamp each sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always `value`.
    Constant {
        /// The value every sample takes.
        value: f64,
    },
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound (inclusive).
        min: f64,
        /// Upper bound (exclusive; equal to `min` gives a constant).
        max: f64,
    },
    /// Normal with the given mean and standard deviation, clamped.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (>= 0).
        std_dev: f64,
        /// Samples below are raised to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Samples above are lowered to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Log-normal given by the mean and standard deviation of the value
    /// itself (not of its logarithm), clamped.
    Lognormal {
        /// Mean of the value (> 0).
        mean: f64,
        /// Standard deviation of the value (>= 0).
        std_dev: f64,
        /// Samples below are raised to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Samples above are lowered to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Exponential with the given mean, clamped.
    Exponential {
        /// Mean (> 0).
        mean: f64,
        /// Samples below are raised to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Samples above are lowered to this value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
}

impl Distribution {
    /// A constant distribution.
    pub const fn constant(value: f64) -> Self {
        Self::Constant { value }
    }

    /// The same distribution with every value multiplied by `factor`
    /// (bounds included): each sample of the result is `factor` times the
    /// sample the original draws from the same random numbers.
    pub fn scaled(&self, factor: f64) -> Self {
        let times = |bound: Option<f64>| bound.map(|b| b * factor);
        match *self {
            Self::Constant { value } => Self::Constant {
                value: value * factor,
            },
            Self::Uniform { min, max } => Self::Uniform {
                min: min * factor,
                max: max * factor,
            },
            Self::Normal {
                mean,
                std_dev,
                min,
                max,
            } => Self::Normal {
                mean: mean * factor,
                std_dev: std_dev * factor,
                min: times(min),
                max: times(max),
            },
            Self::Lognormal {
                mean,
                std_dev,
                min,
                max,
            } => Self::Lognormal {
                mean: mean * factor,
                std_dev: std_dev * factor,
                min: times(min),
                max: times(max),
            },
            Self::Exponential { mean, min, max } => Self::Exponential {
                mean: mean * factor,
                min: times(min),
                max: times(max),
            },
        }
    }

    /// The mean of the distribution before clamping (exact for the bounded kinds).
    pub fn mean(&self) -> f64 {
        match *self {
            Self::Constant { value } => value,
            Self::Uniform { min, max } => (min + max) / 2.0,
            Self::Normal { mean, .. }
            | Self::Lognormal { mean, .. }
            | Self::Exponential { mean, .. } => mean,
        }
    }

    /// The smallest value a sample can take (`-inf` when unbounded below).
    pub fn lower_bound(&self) -> f64 {
        match *self {
            Self::Constant { value } => value,
            Self::Uniform { min, .. } => min,
            Self::Normal { min, .. } => min.unwrap_or(f64::NEG_INFINITY),
            Self::Lognormal { min, .. } | Self::Exponential { min, .. } => min.unwrap_or(0.0),
        }
    }

    /// The largest value a sample can take (`+inf` when unbounded above).
    pub fn upper_bound(&self) -> f64 {
        match *self {
            Self::Constant { value } => value,
            Self::Uniform { max, .. } => max,
            Self::Normal { max, .. }
            | Self::Lognormal { max, .. }
            | Self::Exponential { max, .. } => max.unwrap_or(f64::INFINITY),
        }
    }

    /// Draws one sample. Validated distributions never return NaN.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Self::Constant { value } => value,
            Self::Uniform { min, max } => {
                let u: f64 = rand_distr::StandardUniform.sample(rng);
                min + (max - min) * u
            }
            Self::Normal {
                mean,
                std_dev,
                min,
                max,
            } => {
                let z: f64 = StandardNormal.sample(rng);
                clamp(mean + std_dev * z, min, max)
            }
            Self::Lognormal {
                mean,
                std_dev,
                min,
                max,
            } => {
                let (mu, sigma) = lognormal_parameters(mean, std_dev);
                let z: f64 = StandardNormal.sample(rng);
                clamp((mu + sigma * z).exp(), min, max)
            }
            Self::Exponential { mean, min, max } => {
                let e: f64 = Exp1.sample(rng);
                clamp(mean * e, min, max)
            }
        }
    }

    /// Checks the parameters. `domain` says which values make sense for the
    /// quantity (times and counts cannot be negative).
    pub(crate) fn check(&self, c: &mut Checker, path: &str, domain: Domain) {
        let finite = |c: &mut Checker, key: &str, v: f64| {
            if !v.is_finite() {
                c.fail(
                    &format!("{path}.{key}"),
                    format!("`{key}` must be a finite number, got {v}"),
                    "a finite number",
                );
                false
            } else {
                true
            }
        };
        match *self {
            Self::Constant { value } => {
                if finite(c, "value", value) {
                    domain.check(c, &format!("{path}.value"), value);
                }
            }
            Self::Uniform { min, max } => {
                if finite(c, "min", min) && finite(c, "max", max) {
                    domain.check(c, &format!("{path}.min"), min);
                    if min > max {
                        c.fail(
                            &format!("{path}.max"),
                            format!("uniform `max` ({max}) is below `min` ({min})"),
                            "max >= min",
                        );
                    }
                }
            }
            Self::Normal {
                mean,
                std_dev,
                min,
                max,
            } => {
                if finite(c, "mean", mean) && finite(c, "std_dev", std_dev) {
                    non_negative_spread(c, path, std_dev);
                    if min.is_none() && domain == Domain::NonNegative {
                        c.fail(
                            path,
                            "a normal distribution of a quantity that cannot be negative needs a `min`",
                            "`min = 0` or higher, or a lognormal distribution",
                        );
                    }
                }
                check_clamp(c, path, min, max, domain);
            }
            Self::Lognormal {
                mean,
                std_dev,
                min,
                max,
            } => {
                if finite(c, "mean", mean) && finite(c, "std_dev", std_dev) {
                    if mean <= 0.0 {
                        c.fail(
                            &format!("{path}.mean"),
                            format!("lognormal `mean` must be positive, got {mean}"),
                            "a number > 0",
                        );
                    }
                    non_negative_spread(c, path, std_dev);
                }
                check_clamp(c, path, min, max, domain);
            }
            Self::Exponential { mean, min, max } => {
                if finite(c, "mean", mean) && mean <= 0.0 {
                    c.fail(
                        &format!("{path}.mean"),
                        format!("exponential `mean` must be positive, got {mean}"),
                        "a number > 0",
                    );
                }
                check_clamp(c, path, min, max, domain);
            }
        }
    }
}

/// Which values a distributed quantity may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Times, sizes, counts: `>= 0`.
    NonNegative,
}

impl Domain {
    fn check(self, c: &mut Checker, path: &str, value: f64) {
        match self {
            Self::NonNegative if value < 0.0 => c.fail(
                path,
                format!("this quantity cannot be negative, got {value}"),
                "a number >= 0",
            ),
            Self::NonNegative => {}
        }
    }
}

fn non_negative_spread(c: &mut Checker, path: &str, std_dev: f64) {
    if std_dev < 0.0 {
        c.fail(
            &format!("{path}.std_dev"),
            format!("`std_dev` cannot be negative, got {std_dev}"),
            "a number >= 0",
        );
    }
}

fn check_clamp(c: &mut Checker, path: &str, min: Option<f64>, max: Option<f64>, domain: Domain) {
    for (key, bound) in [("min", min), ("max", max)] {
        if let Some(v) = bound {
            if !v.is_finite() {
                c.fail(
                    &format!("{path}.{key}"),
                    format!("`{key}` must be a finite number, got {v}"),
                    "a finite number",
                );
                return;
            }
            domain.check(c, &format!("{path}.{key}"), v);
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        c.fail(
            &format!("{path}.max"),
            format!("`max` ({hi}) is below `min` ({lo})"),
            "max >= min",
        );
    }
}

/// Applies the optional bounds; overflow to infinity (huge parameters)
/// saturates at the largest finite value, NaN becomes 0.
fn clamp(v: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    let v = if v.is_nan() {
        0.0
    } else {
        v.clamp(f64::MIN, f64::MAX)
    };
    let v = min.map_or(v, |lo| v.max(lo));
    max.map_or(v, |hi| v.min(hi))
}

/// `(mu, sigma)` of the underlying normal for a log-normal with this mean
/// and standard deviation.
fn lognormal_parameters(mean: f64, std_dev: f64) -> (f64, f64) {
    let cv = std_dev / mean;
    let sigma2 = (1.0 + cv * cv).ln();
    (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
}

/// Reads a distribution written either as its inline table or as a plain
/// number, which means a constant (so `workers.prep_s = 5` and
/// `--set workers.prep_s=8` keep working where a key became a
/// distribution). Used with `#[serde(deserialize_with = ...)]`.
pub(crate) fn number_or_distribution<'de, D>(deserializer: D) -> Result<Distribution, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize as _;
    let value = toml::Value::deserialize(deserializer)?;
    match value {
        toml::Value::Integer(i) => Ok(Distribution::constant(i as f64)),
        toml::Value::Float(f) => Ok(Distribution::constant(f)),
        other => other
            .try_into::<Distribution>()
            .map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample_mean(d: &Distribution, n: usize) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_sample_mean_matches_the_configured_mean() {
        let d = Distribution::Lognormal {
            mean: 60.0,
            std_dev: 15.0,
            min: None,
            max: None,
        };
        let m = sample_mean(&d, 200_000);
        assert!((m - 60.0).abs() < 0.5, "mean {m}");
    }

    #[test]
    fn a_scaled_distribution_draws_the_scaled_samples() {
        let kinds = [
            Distribution::constant(4.0),
            Distribution::Uniform { min: 1.0, max: 3.0 },
            Distribution::Normal {
                mean: 5.0,
                std_dev: 4.0,
                min: Some(1.0),
                max: Some(9.0),
            },
            Distribution::Lognormal {
                mean: 5.0,
                std_dev: 2.0,
                min: Some(1.0),
                max: Some(100.0),
            },
            Distribution::Exponential {
                mean: 5.0,
                min: Some(2.0),
                max: None,
            },
        ];
        for d in kinds {
            let scaled = d.scaled(2.5);
            let mut a = ChaCha8Rng::seed_from_u64(3);
            let mut b = ChaCha8Rng::seed_from_u64(3);
            for _ in 0..1000 {
                let (x, y) = (d.sample(&mut a), scaled.sample(&mut b));
                assert!(
                    (y - 2.5 * x).abs() <= 1e-9 * x.abs().max(1.0),
                    "{d:?}: {x} -> {y}"
                );
            }
            assert!((scaled.mean() - 2.5 * d.mean()).abs() < 1e-12, "{d:?}");
        }
    }

    #[test]
    fn clamps_are_respected() {
        let d = Distribution::Normal {
            mean: 50.0,
            std_dev: 100.0,
            min: Some(10.0),
            max: Some(200.0),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..10_000 {
            let v = d.sample(&mut rng);
            assert!((10.0..=200.0).contains(&v), "{v}");
        }
    }

    #[test]
    fn uniform_stays_in_range_and_exponential_has_its_mean() {
        let u = Distribution::Uniform { min: 3.0, max: 5.0 };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..10_000 {
            let v = u.sample(&mut rng);
            assert!((3.0..5.0).contains(&v));
        }
        let e = Distribution::Exponential {
            mean: 4.0,
            min: None,
            max: None,
        };
        let m = sample_mean(&e, 200_000);
        assert!((m - 4.0).abs() < 0.05, "mean {m}");
    }
}
