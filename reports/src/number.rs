//! Stable number formatting: values written to reports are rounded to a
//! fixed resolution and never NaN or infinite, so that report.json is
//! byte-identical across runs and readable.

/// Rounds to microseconds (6 decimals); NaN and infinities become 0.
pub fn micros(x: f64) -> f64 {
    round_to(x, 1e6)
}

/// Rounds to 3 decimals; NaN and infinities become 0.
pub fn millis(x: f64) -> f64 {
    round_to(x, 1e3)
}

fn round_to(x: f64, scale: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let r = (x * scale).round() / scale;
    // Normalise -0.0 so that it prints as 0.0.
    if r == 0.0 { 0.0 } else { r }
}

/// `a / b`, or 0 when `b` is 0.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_stable_and_total() {
        assert_eq!(micros(1.234_567_89), 1.234_568);
        assert_eq!(millis(-0.000_1).to_string(), "0");
        assert_eq!(micros(f64::NAN), 0.0);
        assert_eq!(micros(f64::INFINITY), 0.0);
        assert_eq!(ratio(1.0, 0.0), 0.0);
    }
}
