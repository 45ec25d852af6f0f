//! Alert sizes on the wire: a sample of sizes (measured by encoding real
//! generated alerts with the real encoder, the `fidelity` setting) from
//! which each detector's alerts draw, or one fixed size.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The sizes alerts draw from.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSizes {
    sample: Vec<u32>,
    fixed: f64,
}

impl AlertSizes {
    /// Every alert the same size.
    pub fn fixed(bytes: u64) -> Self {
        AlertSizes {
            sample: Vec::new(),
            fixed: bytes as f64,
        }
    }

    /// Sizes measured on encoded alerts; an empty sample falls back to `fallback`.
    pub fn measured(sample: Vec<u32>, fallback: u64) -> Self {
        AlertSizes {
            sample,
            fixed: fallback as f64,
        }
    }

    /// Alerts measured.
    pub fn sample_len(&self) -> usize {
        self.sample.len()
    }

    /// The largest size an alert can draw (the sample's largest, or the fixed size).
    pub fn largest(&self) -> u64 {
        self.sample
            .iter()
            .max()
            .map_or(self.fixed as u64, |&b| u64::from(b))
    }

    /// Mean size over the sample (or the fixed size).
    pub fn mean(&self) -> f64 {
        if self.sample.is_empty() {
            return self.fixed;
        }
        self.sample.iter().map(|&b| f64::from(b)).sum::<f64>() / self.sample.len() as f64
    }

    /// The mean size of `n` alerts drawn from the sample.
    pub fn mean_of(&self, n: u32, rng: &mut ChaCha8Rng) -> f64 {
        if self.sample.is_empty() || n == 0 {
            return self.fixed;
        }
        let len = self.sample.len();
        let mut total = 0.0;
        for _ in 0..n {
            let i = rng.random_range(0..len);
            total += self
                .sample
                .get(i)
                .map(|&b| f64::from(b))
                .unwrap_or(self.fixed);
        }
        total / f64::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream};

    #[test]
    fn fixed_sizes_ignore_the_rng() {
        let s = AlertSizes::fixed(82_000);
        let mut rng = stream(1, Stream::AlertSizes);
        assert_eq!(s.mean_of(50, &mut rng), 82_000.0);
    }

    #[test]
    fn measured_sizes_average_within_the_sample_range() {
        let s = AlertSizes::measured(vec![10, 20, 30], 0);
        let mut rng = stream(1, Stream::AlertSizes);
        let m = s.mean_of(1000, &mut rng);
        assert!((15.0..25.0).contains(&m), "{m}");
        assert_eq!(s.mean(), 20.0);
    }
}
