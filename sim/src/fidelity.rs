//! Alert sizes for the packaging model, measured with the real code: a
//! sample of alerts from the core's seeded generator, each encoded by the
//! core's direct encoder in Confluent wire format; the run draws every
//! alert's size from that sample (`workers.fidelity = "sample"`), or uses
//! the nominal size (`"nominal"`).

use alertsim_core::alert::generate::{GenerateError, generate};
use alertsim_core::alert::wire::alert_message;
use alertsim_scenarios::{Fidelity, Workers};
use rand::Rng;

use crate::rng::{Stream, stream};
use crate::sizes::AlertSizes;

/// Alerts encoded when `fidelity = "full"`: the largest sample the
/// simulator encodes (encoding all ten million alerts of a night would cost
/// minutes and change no figure the report shows).
pub const FULL_SAMPLE: u32 = 2000;

/// The sizes a run of this scenario draws from. The generator's seed comes
/// from the run's `content` stream, so the sample is part of the run's
/// determinism.
pub fn measure_sizes(workers: &Workers, seed: u64) -> Result<AlertSizes, GenerateError> {
    let count = match workers.fidelity {
        Fidelity::Nominal => return Ok(AlertSizes::fixed(workers.nominal_alert_bytes)),
        Fidelity::Sample => workers.encode_sample,
        Fidelity::Full => workers.encode_sample.max(FULL_SAMPLE),
    };
    if count == 0 {
        return Ok(AlertSizes::fixed(workers.nominal_alert_bytes));
    }
    let content_seed = stream(seed, Stream::Content).next_u64();
    let alerts = generate(count as usize, content_seed)?;
    let sizes = alerts
        .iter()
        .map(|a| u32::try_from(alert_message(a).len()).unwrap_or(u32::MAX))
        .collect();
    Ok(AlertSizes::measured(sizes, workers.nominal_alert_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_sizes_are_real_encodings_and_repeat() {
        let workers = Workers {
            fidelity: Fidelity::Sample,
            encode_sample: 20,
            ..Workers::default()
        };
        let a = measure_sizes(&workers, 5).map(|s| (s.sample_len(), s.mean()));
        let b = measure_sizes(&workers, 5).map(|s| (s.sample_len(), s.mean()));
        let (len, mean) = a.as_ref().copied().unwrap_or((0, 0.0));
        assert_eq!(len, 20);
        // A wire-format alert is at least its 5-byte header and a diaSource.
        assert!(mean > 1000.0, "mean size {mean}");
        assert_eq!(a.ok(), b.ok());
    }

    #[test]
    fn nominal_uses_the_configured_size() {
        let workers = Workers {
            fidelity: Fidelity::Nominal,
            nominal_alert_bytes: 1234,
            ..Workers::default()
        };
        let sizes = measure_sizes(&workers, 1).map(|s| s.mean()).ok();
        assert_eq!(sizes, Some(1234.0));
    }
}
