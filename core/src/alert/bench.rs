//! Encode/decode throughput measurement of the reference alert.
//!
//! Single-threaded: encodes the reference alert's wire message `count` times
//! into one reused buffer, then decodes it `count` times. `alertsim alerts
//! bench` prints the result as one JSON line.

use super::reference::reference_alert;
use super::wire;
use std::hint::black_box;
use std::time::Instant;

/// Throughput of the direct codec on the reference alert.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BenchResult {
    /// Wire messages encoded per second.
    pub encode_alerts_per_s: f64,
    /// Wire messages decoded per second.
    pub decode_alerts_per_s: f64,
    /// Size of one wire message in bytes.
    pub alert_bytes: usize,
}

/// Encodes then decodes the reference alert `count` times each (at least once).
pub fn run(count: usize) -> BenchResult {
    let count = count.max(1);
    let alert = reference_alert();
    let mut buf = Vec::new();

    let start = Instant::now();
    for _ in 0..count {
        buf.clear();
        wire::encode_alert_message(black_box(&alert), &mut buf);
        black_box(&buf);
    }
    let encode_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut decoded_ok = 0usize;
    for _ in 0..count {
        if black_box(wire::decode_alert_message(black_box(&buf))).is_ok() {
            decoded_ok += 1;
        }
    }
    let decode_s = start.elapsed().as_secs_f64();
    debug_assert_eq!(decoded_ok, count);

    BenchResult {
        encode_alerts_per_s: count as f64 / encode_s.max(f64::MIN_POSITIVE),
        decode_alerts_per_s: decoded_ok as f64 / decode_s.max(f64::MIN_POSITIVE),
        alert_bytes: buf.len(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_positive_rates_and_the_message_size() {
        let result = super::run(3);
        assert!(result.encode_alerts_per_s > 0.0);
        assert!(result.decode_alerts_per_s > 0.0);
        assert_eq!(
            result.alert_bytes,
            crate::alert::wire::alert_message(&crate::alert::reference::reference_alert()).len()
        );
    }
}
