//! `alertsim sim --metrics-out`: the report's time series as a metrics file
//! in virtual time, one point per series per report sample, stamped from
//! the night's start; the same bytes for the same scenario and seed; in
//! OpenMetrics text (checked line by line) or InfluxDB line protocol.

use std::path::Path;
use std::process::Command;

use alertsim_sim::engine::NIGHT_START_UNIX_S;

#[path = "support/openmetrics.rs"]
mod openmetrics;

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// The report's sampled columns and the metric each is written as.
const COLUMNS: [(&str, &str); 8] = [
    ("lag", "alertsim_stream_lag"),
    ("jobs_running", "alertsim_jobs_running"),
    ("jobs_pending", "alertsim_jobs_pending"),
    ("pods_busy", "alertsim_pods_busy"),
    ("publisher_backlog", "alertsim_publisher_backlog"),
    ("delivered_per_s", "alertsim_delivered_alerts_per_second"),
    ("mbit_per_s", "alertsim_delivered_megabits_per_second"),
    ("redis_utilisation", "alertsim_redis_utilisation_ratio"),
];

/// Runs `sim smoke` into `dir/name` with the metrics file `dir/name.metrics`
/// in `format`; the report and the file's bytes.
fn sim_smoke(dir: &Path, name: &str, format: &str) -> (serde_json::Value, Vec<u8>) {
    let out = dir.join(name);
    let file = dir.join(format!("{name}.metrics"));
    let o = Command::new(BIN)
        .args(["sim", "smoke", "--metrics-format", format, "--out"])
        .arg(&out)
        .arg("--metrics-out")
        .arg(&file)
        .output()
        .expect("alertsim runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = std::fs::read_to_string(out.join("report.json")).unwrap_or_default();
    let report = serde_json::from_str(&report).expect("report.json is JSON");
    (
        report,
        std::fs::read(&file).expect("the metrics file is written"),
    )
}

/// The report's column `field` as numbers.
fn column(report: &serde_json::Value, field: &str) -> Vec<f64> {
    report["series"][field]
        .as_array()
        .unwrap_or_else(|| panic!("series.{field} missing"))
        .iter()
        .map(|v| v.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// Each sample's time in integer microseconds since the Unix epoch.
fn unix_us(report: &serde_json::Value) -> Vec<u64> {
    column(report, "t_s")
        .iter()
        .map(|t| NIGHT_START_UNIX_S * 1_000_000 + (t * 1e6).round() as u64)
        .collect()
}

#[test]
fn openmetrics_file_holds_every_report_sample_of_every_series_and_is_deterministic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (report, bytes) = sim_smoke(dir.path(), "a", "openmetrics");
    let (_, again) = sim_smoke(dir.path(), "b", "openmetrics");
    assert!(bytes == again, "two runs of smoke wrote different files");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let samples = openmetrics::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let times = unix_us(&report);
    assert!(times.len() > 5, "smoke has samples: {times:?}");
    for (field, metric) in COLUMNS {
        let expected = column(&report, field);
        let got = openmetrics::named(&samples, metric);
        assert_eq!(
            got.len(),
            expected.len(),
            "{metric}: one sample per report sample"
        );
        for ((s, want), us) in got.iter().zip(&expected).zip(&times) {
            assert_eq!(s.value, *want, "{metric}");
            let t = s
                .timestamp
                .unwrap_or_else(|| panic!("{metric} without a timestamp"));
            assert!(
                (t - *us as f64 / 1e6).abs() < 1e-6,
                "{metric}: {t} for {us} us"
            );
            assert_eq!(s.labels["scenario"], "smoke");
            assert_eq!(s.labels["seed"], report["seed"].to_string());
        }
        let stamps: Vec<f64> = got.iter().filter_map(|s| s.timestamp).collect();
        assert!(
            stamps.windows(2).all(|w| w[0] < w[1]),
            "{metric}: {stamps:?}"
        );
    }
    assert!(
        column(&report, "lag").iter().any(|&lag| lag > 0.0),
        "the check compares something"
    );
    assert_eq!(samples.len(), COLUMNS.len() * times.len(), "nothing else");
}

#[test]
fn influx_file_has_a_line_per_report_sample_with_every_series_as_a_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (report, bytes) = sim_smoke(dir.path(), "a", "influx");
    let (_, again) = sim_smoke(dir.path(), "b", "influx");
    assert!(bytes == again, "two runs of smoke wrote different files");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let times = unix_us(&report);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), times.len(), "{text}");
    let tags = format!("alertsim,scenario=smoke,seed={}", report["seed"]);
    let mut last_ns = 0;
    for (i, (line, us)) in lines.iter().zip(&times).enumerate() {
        // smoke's name needs no escaping: a space ends each part.
        let parts: Vec<&str> = line.split(' ').collect();
        let [series, fields, ns] = parts[..] else {
            panic!("not measurement,tags fields timestamp: {line}");
        };
        assert_eq!(series, tags);
        let ns: u64 = ns.parse().expect("integer nanoseconds");
        assert_eq!(ns, us * 1_000, "{line}");
        assert!(ns > last_ns);
        last_ns = ns;
        let fields: Vec<(&str, &str)> = fields
            .split(',')
            .map(|f| f.split_once('=').expect("key=value"))
            .collect();
        let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        let want: Vec<&str> = COLUMNS.iter().map(|(f, _)| *f).collect();
        assert_eq!(keys, want, "{line}");
        for (key, value) in fields {
            let expected = column(&report, key)[i];
            let got: f64 = match value.strip_suffix('i') {
                // Counts are integers, rates floats.
                Some(int) => int.parse::<i64>().expect("integer field") as f64,
                None => value.parse().expect("float field"),
            };
            assert_eq!(got, expected, "{key} in {line}");
            let count = matches!(
                key,
                "lag" | "jobs_running" | "jobs_pending" | "pods_busy" | "publisher_backlog"
            );
            assert_eq!(value.ends_with('i'), count, "{key}={value}");
        }
    }
}
