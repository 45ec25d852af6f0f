//! Figures as a person reads them on report.md, report.html and the
//! terminal summaries: durations in s, min, h; sizes in B, kB, MB...;
//! rates with an SI prefix; shares as percentages; counts with thousands
//! separators. Every measured figure keeps three significant digits (never
//! more than four), rounded before its unit is chosen so that 999.96 s
//! reads `16 min 40 s` and 999,960 B reads `1 MB`, never `1,000 kB`.
//! report.json keeps full precision and does not use this module.
//!
//! Not a number (NaN) reads `n/a`; infinities read `∞` and `-∞`.

/// Significant digits of every measured figure.
const DIGITS: usize = 3;

/// SI prefixes from none up; beyond the last, the number grows.
const PREFIXES: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];

/// A count with thousands separators: `5,000`.
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// A signed count with thousands separators: `-5,000`.
pub fn count_i(n: i64) -> String {
    let digits = group(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// A figure without a unit, three significant digits, an SI prefix from
/// 1,000 up: `0.637`, `24.4`, `1.98 k`, `13.4 M`.
pub fn number(x: f64) -> String {
    if let Some(s) = not_finite(x) {
        return s;
    }
    if x.abs() < 1000.0 {
        let s = sig(x, DIGITS);
        if parse(&s).abs() < 1000.0 {
            return s;
        }
    }
    si(x, "").trim_end().to_owned()
}

/// A figure of a unit written as words, its SI prefix apart:
/// `with_unit(1983.5, "alerts/s")` is `1.98 k alerts/s`.
pub fn with_unit(x: f64, unit: &str) -> String {
    format!("{} {unit}", number(x))
}

/// A figure of a unit symbol, its SI prefix joined to it: `symbol(82_100.0,
/// "B")` is `82.1 kB`.
pub fn symbol(x: f64, unit: &str) -> String {
    if let Some(s) = not_finite(x) {
        return format!("{s} {unit}");
    }
    si(x, unit)
}

/// Bytes in decimal units: `512 B`, `82.1 kB`, `1.08 TB`.
pub fn bytes(n: f64) -> String {
    symbol(n, "B")
}

/// Megabits per second, shown in the unit that fits: `223 Mbit/s`,
/// `1.76 Gbit/s`.
pub fn mbit_per_s(mbit: f64) -> String {
    symbol(mbit * 1e6, "bit/s")
}

/// A share in [0, 1] as a percentage: `63.7%`, `0%`, `100%`.
pub fn percent(share: f64) -> String {
    match not_finite(share) {
        Some(s) => s,
        None => format!("{}%", sig(share * 100.0, DIGITS)),
    }
}

/// A duration in seconds: `0 s`, `5 ms`, `24.4 s`, `85.9 s`, `2 min 05 s`,
/// `1 h 02 min`. Negative durations carry a minus sign.
pub fn duration(secs: f64) -> String {
    if let Some(s) = not_finite(secs) {
        return s;
    }
    if secs < 0.0 {
        let d = duration(-secs);
        return if d == "0 s" { d } else { format!("-{d}") };
    }
    if secs == 0.0 {
        return "0 s".to_owned();
    }
    // Below a second: µs or ms, moving up when rounding reaches 1,000.
    if secs < 1.0 {
        for (scale, unit) in [(1e6, "µs"), (1e3, "ms")] {
            let v = secs * scale;
            if v < 1000.0 {
                let s = sig(v, DIGITS);
                if parse(&s) < 1000.0 {
                    return format!("{s} {unit}");
                }
            }
        }
    }
    // Seconds up to 99.9 s (a latency against a 60 s limit reads best in
    // seconds), minutes and seconds from 100 s.
    let s = sig(secs, DIGITS);
    if parse(&s) < 100.0 {
        return format!("{s} s");
    }
    let whole = secs.round();
    if whole < 3600.0 {
        let w = whole as u64;
        return format!("{} min {:02} s", w / 60, w % 60);
    }
    let minutes = (secs / 60.0).round();
    let m = if minutes < u64::MAX as f64 {
        minutes as u64
    } else {
        u64::MAX
    };
    format!("{} h {:02} min", count(m / 60), m % 60)
}

/// `x` with `digits` significant digits, trailing zeros after the point
/// dropped, thousands separators on the whole part; -0 reads `0`; below
/// 1e-6 and from 1e15 in scientific notation (`1.23e20`).
pub fn sig(x: f64, digits: usize) -> String {
    if let Some(s) = not_finite(x) {
        return s;
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if !(1e-6..1e15).contains(&x.abs()) {
        // Beyond what whole digits or leading zeros show well: `1.23e20`.
        let s = format!("{:.*e}", digits.saturating_sub(1), x);
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        return format!("{mantissa}e{exponent}");
    }
    let magnitude = x.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    // Whole digits beyond `digits` are rounded away too: 1,495 to 3 is 1,500.
    let dropped = magnitude + 1 - digits as i64;
    let x = if dropped > 0 {
        let f = 10f64.powi(dropped as i32);
        (x / f).round() * f
    } else {
        x
    };
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        return "0".to_owned();
    }
    let (sign, rest) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (whole, fraction) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    let mut out = format!("{sign}{}", group(whole));
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// `x` with the SI prefix that keeps it under 1,000 after rounding.
fn si(x: f64, unit: &str) -> String {
    let mut scaled = x;
    for prefix in PREFIXES {
        let s = sig(scaled, DIGITS);
        if parse(&s).abs() < 1000.0 || prefix == PREFIXES[PREFIXES.len() - 1] {
            return format!("{s} {prefix}{unit}");
        }
        scaled /= 1000.0;
    }
    unreachable!("the last prefix returns")
}

fn not_finite(x: f64) -> Option<String> {
    if x.is_nan() {
        Some("n/a".to_owned())
    } else if x == f64::INFINITY {
        Some("∞".to_owned())
    } else if x == f64::NEG_INFINITY {
        Some("-∞".to_owned())
    } else {
        None
    }
}

/// A number this module wrote, read back (separators dropped).
fn parse(s: &str) -> f64 {
    s.replace(',', "").parse().unwrap_or(0.0)
}

/// Thousands separators on a string of digits.
fn group(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(5000), "5,000");
        assert_eq!(count(9_583_139), "9,583,139");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(count_i(-1_234_567), "-1,234,567");
        assert_eq!(count_i(0), "0");
    }

    #[test]
    fn durations_pick_their_unit_after_rounding() {
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(-0.0), "0 s");
        assert_eq!(duration(24.395_775), "24.4 s");
        assert_eq!(duration(3.108), "3.11 s");
        assert_eq!(duration(0.005), "5 ms");
        assert_eq!(duration(0.371), "371 ms");
        assert_eq!(duration(0.000_012_34), "12.3 µs");
        assert_eq!(duration(1e-9), "0.001 µs");
        // Rounding carries into the next unit, never to `1000 ms` or `60 s`.
        assert_eq!(duration(0.999_96), "1 s");
        assert_eq!(duration(0.000_999_96), "1 ms");
        assert_eq!(duration(59.96), "60 s");
        assert_eq!(duration(85.852_159), "85.9 s");
        assert_eq!(duration(99.94), "99.9 s");
        assert_eq!(duration(99.96), "1 min 40 s");
        assert_eq!(duration(125.0), "2 min 05 s");
        assert_eq!(duration(999.96), "16 min 40 s");
        assert_eq!(duration(3599.6), "1 h 00 min");
        assert_eq!(duration(3720.0), "1 h 02 min");
        assert_eq!(duration(38_080.611_673), "10 h 35 min");
        assert_eq!(duration(-24.4), "-24.4 s");
        assert_eq!(duration(-0.000_000_000_1), "-0.0001 µs");
        assert_eq!(duration(f64::NAN), "n/a");
        assert_eq!(duration(f64::INFINITY), "∞");
        assert_eq!(duration(f64::NEG_INFINITY), "-∞");
        assert_eq!(duration(1e12), "277,777,777 h 47 min");
        assert_eq!(
            duration(f64::MAX),
            format!("{} h 15 min", count(u64::MAX / 60))
        );
    }

    #[test]
    fn sizes_and_rates_take_an_si_prefix() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(82_100.0), "82.1 kB");
        assert_eq!(bytes(1_078_731_931_762.0), "1.08 TB");
        assert_eq!(bytes(999_960.0), "1 MB");
        assert_eq!(bytes(999.4), "999 B");
        assert_eq!(bytes(999.6), "1 kB");
        assert_eq!(bytes(1e30), "1,000,000,000,000 EB");
        assert_eq!(with_unit(1983.5, "alerts/s"), "1.98 k alerts/s");
        assert_eq!(with_unit(251.654, "alerts/s"), "252 alerts/s");
        assert_eq!(with_unit(-2500.0, "alerts/s"), "-2.5 k alerts/s");
        assert_eq!(with_unit(f64::NAN, "alerts/s"), "n/a alerts/s");
        assert_eq!(mbit_per_s(222.961), "223 Mbit/s");
        assert_eq!(mbit_per_s(1756.255), "1.76 Gbit/s");
    }

    #[test]
    fn plain_figures_and_shares() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.636_598), "0.637");
        assert_eq!(number(20.0), "20");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(999.96), "1 k");
        assert_eq!(number(13_443_974.849), "13.4 M");
        assert_eq!(number(-0.000_123_4), "-0.000123");
        assert_eq!(number(f64::NAN), "n/a");
        assert_eq!(percent(0.636_598), "63.7%");
        assert_eq!(percent(0.025_355), "2.54%");
        assert_eq!(percent(0.01), "1%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.999_99), "100%");
        assert_eq!(sig(1234.6, 4), "1,235");
        assert_eq!(sig(9.9996, 4), "10");
        assert_eq!(sig(-0.000_04, 1), "-0.00004");
        assert_eq!(sig(1495.3, 3), "1,500");
        assert_eq!(sig(6_110_611.0, 3), "6,110,000");
        assert_eq!(sig(1e300, 3), "1e300");
        assert_eq!(sig(-1.234_5e20, 3), "-1.23e20");
        assert_eq!(sig(1.5e-9, 3), "1.5e-9");
        assert_eq!(number(f64::MAX), "1.8e290 E");
        assert_eq!(number(-1e-9), "-1e-9");
    }
}
