//! A run's time series as a metrics file (`alertsim sim --metrics-out`), so
//! that a simulated night can be looked at in an existing dashboard: one
//! point per sampled column of the report's `series` at each sample, stamped
//! with the night's Unix time (its start plus the sample's virtual time).
//!
//! Two formats: OpenMetrics text (what Prometheus backfills from with
//! `promtool tsdb create-blocks-from openmetrics`), and InfluxDB line
//! protocol (what Rubin's Sasquatch ingests), measurement `alertsim`, tags
//! `scenario` and `seed`, a field per column, nanosecond timestamps.
//!
//! The OpenMetrics text is written here rather than by `prometheus-client`
//! (which `alertsim load --metrics-listen` serves with): that crate encodes
//! the present value of each metric and has no way to write a sample's
//! timestamp, and a night's file is nothing but timestamped samples. The
//! writer is small: gauges only, label values escaped as the format says,
//! `# EOF` at the end; its tests check the text line by line. The line
//! protocol is written by InfluxData's `influxdb-line-protocol` builder.
//!
//! Same report, same bytes: the values are the report's own (already
//! rounded), and the timestamps are integer microseconds.

use std::fmt::Write as _;
use std::path::Path;

use influxdb_line_protocol::builder::{FieldValue, LineProtocolBuilder};

use crate::metrics::series::Series;
use crate::output::files::{ReportError, write_file};
use crate::report::Report;

/// The prefix of every metric's name (`alertsim_stream_lag`).
pub const PREFIX: &str = "alertsim";

/// The InfluxDB measurement of every line.
pub const MEASUREMENT: &str = "alertsim";

/// Which format `--metrics-out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    /// OpenMetrics text exposition, timestamped samples.
    OpenMetrics,
    /// InfluxDB line protocol.
    Influx,
}

/// A sampled column of the report's series, and the gauge it is exposed as
/// (the same name a load run's `/metrics` gives the live value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesMetric {
    /// The column's name in report.json's `series` (the InfluxDB field).
    pub field: &'static str,
    /// The metric's name after [`PREFIX`] and `_`.
    pub name: &'static str,
    /// What it measures (the `# HELP` text, without its closing stop).
    pub help: &'static str,
}

/// Every sampled column, in the order they are written.
pub const SERIES_METRICS: [SeriesMetric; 8] = [
    SeriesMetric {
        field: "lag",
        name: "stream_lag",
        help: "Consumer-group lag of the detector stream as KEDA reads it (entries)",
    },
    SeriesMetric {
        field: "jobs_running",
        name: "jobs_running",
        help: "Worker Jobs not finished (pending ones included)",
    },
    SeriesMetric {
        field: "jobs_pending",
        name: "jobs_pending",
        help: "Worker Jobs whose pod has not started",
    },
    SeriesMetric {
        field: "pods_busy",
        name: "pods_busy",
        help: "Worker pods processing a detector",
    },
    SeriesMetric {
        field: "publisher_backlog",
        name: "publisher_backlog",
        help: "Alerts the publishers hold for a later attempt (spooled)",
    },
    SeriesMetric {
        field: "delivered_per_s",
        name: "delivered_alerts_per_second",
        help: "Alerts acknowledged by Kafka per second over the preceding sample interval",
    },
    SeriesMetric {
        field: "mbit_per_s",
        name: "delivered_megabits_per_second",
        help: "Megabits of alerts acknowledged by Kafka per second over the preceding sample interval",
    },
    SeriesMetric {
        field: "redis_utilisation",
        name: "redis_utilisation_ratio",
        help: "Share of its CPU limit Redis was busy over the preceding sample interval",
    },
];

/// The metric of the series column `field`.
pub fn series_metric(field: &str) -> Option<&'static SeriesMetric> {
    SERIES_METRICS.iter().find(|m| m.field == field)
}

/// One column's values.
#[derive(Debug, Clone, Copy)]
enum Values<'a> {
    Count(&'a [u64]),
    Real(&'a [f64]),
}

impl Values<'_> {
    fn len(self) -> usize {
        match self {
            Values::Count(v) => v.len(),
            Values::Real(v) => v.len(),
        }
    }
}

/// The columns the series has, each with its metric (Redis's utilisation
/// only when the run modelled it).
fn columns(series: &Series) -> Vec<(&'static SeriesMetric, Values<'_>)> {
    let [lag, running, pending, busy, backlog, delivered, mbit, redis] = &SERIES_METRICS;
    let mut columns = vec![
        (lag, Values::Count(&series.lag)),
        (running, Values::Count(&series.jobs_running)),
        (pending, Values::Count(&series.jobs_pending)),
        (busy, Values::Count(&series.pods_busy)),
        (backlog, Values::Count(&series.publisher_backlog)),
        (delivered, Values::Real(&series.delivered_per_s)),
        (mbit, Values::Real(&series.mbit_per_s)),
    ];
    if !series.redis_utilisation.is_empty() {
        columns.push((redis, Values::Real(&series.redis_utilisation)));
    }
    columns
}

/// Each sample's time as integer microseconds since the Unix epoch.
fn unix_us(series: &Series, start_unix_s: u64) -> Vec<u64> {
    let start_us = start_unix_s.saturating_mul(1_000_000);
    series
        .t_s
        .iter()
        // Virtual times are whole microseconds already (rounded in the report).
        .map(|t| start_us.saturating_add((t.max(0.0) * 1e6).round() as u64))
        .collect()
}

/// The file's text: the report's series in `format`, sample times counted
/// from `start_unix_s` (the Unix second the night's virtual time 0 is).
pub fn render(report: &Report, format: MetricsFormat, start_unix_s: u64) -> String {
    match format {
        MetricsFormat::OpenMetrics => openmetrics(report, start_unix_s),
        MetricsFormat::Influx => influx(report, start_unix_s),
    }
}

/// Writes [`render`]'s text to `path`.
pub fn write(
    report: &Report,
    format: MetricsFormat,
    start_unix_s: u64,
    path: &Path,
) -> Result<(), ReportError> {
    write_file(path, &render(report, format, start_unix_s))
}

/// OpenMetrics text: per column a gauge family (`# HELP`, `# TYPE`), then
/// one sample per report sample, labelled with the scenario and the seed
/// and stamped in seconds (six decimals); `# EOF` last.
fn openmetrics(report: &Report, start_unix_s: u64) -> String {
    let times = unix_us(&report.series, start_unix_s);
    let labels = format!(
        "{{scenario=\"{}\",seed=\"{}\"}}",
        escape_label_value(&report.scenario),
        report.seed
    );
    let mut text = String::new();
    for (metric, values) in columns(&report.series) {
        let name = format!("{PREFIX}_{}", metric.name);
        // Writing to a String cannot fail.
        let _ = writeln!(text, "# HELP {name} {}.", metric.help);
        let _ = writeln!(text, "# TYPE {name} gauge");
        for (i, us) in times.iter().enumerate().take(values.len()) {
            let value = match values {
                Values::Count(v) => v[i].to_string(),
                Values::Real(v) => openmetrics_number(v[i]),
            };
            let _ = writeln!(
                text,
                "{name}{labels} {value} {}.{:06}",
                us / 1_000_000,
                us % 1_000_000
            );
        }
    }
    text.push_str("# EOF\n");
    text
}

/// A real number as OpenMetrics writes it (its infinities and NaN spelt
/// as the format spells them; the report never holds them).
fn openmetrics_number(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{x}")
    }
}

/// A label value with `\`, `"` and line feeds escaped (OpenMetrics).
fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// InfluxDB line protocol: one line per sample, every column a field
/// (counts as integers, rates as floats), nanosecond timestamps.
fn influx(report: &Report, start_unix_s: u64) -> String {
    let times = unix_us(&report.series, start_unix_s);
    let columns = columns(&report.series);
    let seed = report.seed.to_string();
    let mut lines = LineProtocolBuilder::new();
    for (i, us) in times.iter().enumerate() {
        let mut fields = columns
            .iter()
            .filter(|(_, v)| i < v.len())
            .map(|(metric, values)| (metric.field, FieldAt(*values, i)));
        let Some((key, value)) = fields.next() else {
            continue;
        };
        let mut line = lines
            .measurement(MEASUREMENT)
            .tag("scenario", &report.scenario)
            .tag("seed", &seed)
            .field(key, value);
        for (key, value) in fields {
            line = line.field(key, value);
        }
        let ns = i64::try_from(us.saturating_mul(1_000)).unwrap_or(i64::MAX);
        lines = line.timestamp(ns).close_line();
    }
    String::from_utf8_lossy(&lines.build()).into_owned()
}

/// A column's value at a sample, as a line-protocol field: counts as
/// signed integers (InfluxDB 1.x takes no unsigned ones), rates as floats.
#[derive(Debug, Clone, Copy)]
struct FieldAt<'a>(Values<'a>, usize);

impl FieldValue for FieldAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Values::Count(v) => FieldValue::fmt(&i64::try_from(v[self.1]).unwrap_or(i64::MAX), f),
            Values::Real(v) => FieldValue::fmt(&v[self.1], f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::recorder::Recorder;
    use crate::metrics::series::Gauges;
    use alertsim_scenarios::Scenario;

    /// A report of two samples (10 s and 20 s) under a name that needs
    /// escaping in both formats.
    fn report() -> Report {
        let mut scenario = Scenario::resolve("smoke", &[]).expect("smoke");
        scenario.name = "a \"night\", x=1".into();
        scenario.seed = 7;
        let mut recorder = Recorder::new(&scenario);
        recorder.visit_planned(0, 0.0, 2);
        recorder.alert_produced(0, 1000);
        recorder.alert_delivered(0, 1000, 3.0);
        let gauges = |lag| Gauges {
            lag,
            jobs_running: 3,
            jobs_pending: 1,
            pods_busy: 2,
            publisher_backlog: 0,
        };
        recorder.sample(10.0, gauges(40));
        recorder.alert_delivered(0, 1000, 12.0);
        recorder.sample(20.0, gauges(0));
        recorder.finish(&scenario, 20.0)
    }

    #[test]
    fn openmetrics_has_a_gauge_family_per_column_and_a_stamped_sample_per_report_sample() {
        let text = render(&report(), MetricsFormat::OpenMetrics, 1_000);
        let labels = r#"{scenario="a \"night\", x=1",seed="7"}"#;
        let lag: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("alertsim_stream_lag"))
            .collect();
        assert_eq!(
            lag,
            [
                "# HELP alertsim_stream_lag Consumer-group lag of the detector stream as KEDA reads it (entries).",
                "# TYPE alertsim_stream_lag gauge",
                &format!("alertsim_stream_lag{labels} 40 1010.000000"),
                &format!("alertsim_stream_lag{labels} 0 1020.000000"),
            ]
        );
        assert!(text.contains(&format!(
            "alertsim_delivered_alerts_per_second{labels} 0.1 1010.000000\n"
        )));
        assert!(text.ends_with(" 0.001 1020.000000\n# EOF\n"), "{text}");
        // Seven columns (no Redis model in a recorder fed by hand), each a
        // family of two samples; nothing else but the end marker.
        assert_eq!(text.lines().count(), 7 * 4 + 1, "{text}");
        assert_eq!(text.matches("# TYPE").count(), 7);
        assert!(!text.contains("redis"));
    }

    #[test]
    fn influx_has_a_line_per_sample_with_every_column_and_nanosecond_times() {
        let report = report();
        let text = render(&report, MetricsFormat::Influx, 1_000);
        let lines: Vec<_> = influxdb_line_protocol::parse_lines(&text)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(lines.len(), 2, "{text}");
        for (line, (t_ns, lag)) in lines
            .iter()
            .zip([(1_010_000_000_000, 40), (1_020_000_000_000, 0)])
        {
            assert_eq!(line.series.measurement.as_str(), "alertsim");
            assert_eq!(
                line.tag_value("scenario").map(|v| v.to_string()),
                Some(report.scenario.clone())
            );
            assert_eq!(
                line.tag_value("seed").map(|v| v.to_string()),
                Some("7".to_owned())
            );
            assert_eq!(line.timestamp, Some(t_ns));
            let fields: Vec<_> = line.field_set.iter().map(|(k, _)| k.to_string()).collect();
            assert_eq!(
                fields,
                [
                    "lag",
                    "jobs_running",
                    "jobs_pending",
                    "pods_busy",
                    "publisher_backlog",
                    "delivered_per_s",
                    "mbit_per_s"
                ]
            );
            assert_eq!(
                line.field_value("lag"),
                Some(&influxdb_line_protocol::FieldValue::I64(lag))
            );
            assert_eq!(
                line.field_value("pods_busy"),
                Some(&influxdb_line_protocol::FieldValue::I64(2))
            );
        }
        assert_eq!(
            lines[1].field_value("delivered_per_s"),
            Some(&influxdb_line_protocol::FieldValue::F64(0.1))
        );
    }

    #[test]
    fn the_same_report_gives_the_same_bytes() {
        for format in [MetricsFormat::OpenMetrics, MetricsFormat::Influx] {
            assert_eq!(render(&report(), format, 5), render(&report(), format, 5));
        }
    }

    #[test]
    fn every_metric_is_named_for_its_column() {
        for m in &SERIES_METRICS {
            assert_eq!(series_metric(m.field), Some(m));
        }
        assert_eq!(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(openmetrics_number(f64::INFINITY), "+Inf");
        assert_eq!(openmetrics_number(2.5), "2.5");
    }
}
