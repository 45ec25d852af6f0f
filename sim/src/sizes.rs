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
        self.draw(n, u64::MAX, rng).mean_bytes
    }

    /// Draws `n` alerts (one draw each, whatever the limit, so that the
    /// stream of draws does not depend on it): how many are larger than
    /// `limit` bytes, and the mean size of the others (of all when none
    /// fits; the fixed size without a sample).
    pub fn draw(&self, n: u32, limit: u64, rng: &mut ChaCha8Rng) -> Drawn {
        if self.sample.is_empty() || n == 0 {
            let too_large = if self.fixed > limit as f64 { n } else { 0 };
            return Drawn {
                mean_bytes: self.fixed,
                too_large,
            };
        }
        let len = self.sample.len();
        let (mut fitting, mut fitting_total, mut all_total) = (0u32, 0.0, 0.0);
        for _ in 0..n {
            let i = rng.random_range(0..len);
            let bytes = self.sample.get(i).map_or(self.fixed, |&b| f64::from(b));
            all_total += bytes;
            if bytes <= limit as f64 {
                fitting += 1;
                fitting_total += bytes;
            }
        }
        let mean_bytes = if fitting > 0 {
            fitting_total / f64::from(fitting)
        } else {
            all_total / f64::from(n)
        };
        Drawn {
            mean_bytes,
            too_large: n - fitting,
        }
    }
}

/// What [`AlertSizes::draw`] drew.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawn {
    /// Mean size of the alerts that fit, bytes.
    pub mean_bytes: f64,
    /// Alerts larger than the limit.
    pub too_large: u32,
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
    fn draws_count_the_alerts_over_the_limit_and_average_the_others() {
        let s = AlertSizes::measured(vec![10, 20, 1_000], 0);
        let (mut a, mut b) = (stream(1, Stream::AlertSizes), stream(1, Stream::AlertSizes));
        let all = s.draw(3_000, u64::MAX, &mut a);
        let limited = s.draw(3_000, 100, &mut b);
        assert_eq!(all.too_large, 0);
        // About a third of the draws are the 1,000-byte alert.
        assert!((800..1200).contains(&limited.too_large), "{limited:?}");
        assert!((14.0..16.0).contains(&limited.mean_bytes), "{limited:?}");
        // The limit changes no draw: both rngs are at the same place.
        assert_eq!(a.random_range(0..1_000_000), b.random_range(0..1_000_000));
        let fixed = AlertSizes::fixed(2_000);
        assert_eq!(fixed.draw(7, 1_999, &mut a).too_large, 7);
        assert_eq!(fixed.draw(7, 2_000, &mut a).too_large, 0);
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
