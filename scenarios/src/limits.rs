//! Resource limits: the largest counts and spans a scenario may ask for.
//!
//! The simulator holds a record per visit (the schedule, the report's
//! per-visit figures) and the run's time series, so the memory and time a
//! run takes grow with `night.visits`, the detectors, the night's length
//! and the alerts. A typo of a few extra zeros must not make the program
//! abort on an allocation of tens of gigabytes; validation refuses such a
//! scenario instead, naming the key, the limit and the memory it implies.
//!
//! The standard limits fit a run in about 1 GiB of memory and minutes of
//! CPU (see SCENARIO.md, "Limits"). Setting the environment variable
//! [`ALLOW_LARGE_ENV`] (`ALERTSIM_ALLOW_LARGE=1`) raises each size limit a
//! hundredfold, for a deliberate large run on a large machine; even then
//! the limits stay finite.

use crate::scenario::Scenario;
use crate::validate::Checker;

/// Environment variable that raises the size limits ([`Limits::LARGE`]).
pub const ALLOW_LARGE_ENV: &str = "ALERTSIM_ALLOW_LARGE";

/// Memory one visit takes in a run, bytes: the schedule entry, the fan-out
/// fields, the recorder's per-visit counters and latency histogram, the
/// report's per-visit record. Measured: peak RSS of `alertsim sim smoke
/// --set night.visits=N` (20 detectors) is 69 MB at 1,000 visits, 396 MB
/// at 10,000 and 1,485 MB at 40,000: 36 kB per visit.
pub const BYTES_PER_VISIT: u64 = 36_000;

/// Memory one detector of one visit takes (the schedule's alert count, the
/// stream entry while it waits), bytes (estimate from the types' sizes).
pub const BYTES_PER_DETECTOR_VISIT: u64 = 8;

/// Memory of one time-series sample (every 10 virtual seconds), bytes:
/// eight 8-byte columns in the builder and again in the report.
pub const BYTES_PER_SAMPLE: u64 = 128;

/// Memory of one encoded alert of the size sample (`workers.encode_sample`),
/// bytes: an alert with its three cutouts, held while the sample is measured.
pub const BYTES_PER_SAMPLE_ALERT: u64 = 82_000;

/// The largest counts and spans a scenario may ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// `night.visits`.
    pub visits: u32,
    /// `night.detectors` (and so `night.active_detectors`).
    pub detectors: u32,
    /// `night.visits` times `night.active_detectors`: detector events of the night.
    pub detector_visits: u64,
    /// Upper bound of `night.alerts_per_visit` and
    /// `night.galactic_plane_alerts_per_visit`.
    pub alerts_per_visit: f64,
    /// Mean alerts of the night (visits times the mean per visit): the
    /// simulator's work is proportional to it.
    pub night_alerts: f64,
    /// Virtual seconds a run may span: the night, its gaps, the drain and
    /// every fault window.
    pub run_s: f64,
    /// KEDA polls in the run (the run's span over `scaler.polling_interval_s`).
    pub polls: f64,
    /// `[[night.gaps]]` entries (the schedule looks through them per visit).
    pub gaps: usize,
    /// `[[consumers]]` (each reads every alert).
    pub consumers: usize,
    /// `[[faults]]` plus the faults `[chaos]` is expected to draw.
    pub faults: f64,
    /// `[[schema_changes]]`.
    pub schema_changes: usize,
    /// `kafka.partitions`.
    pub partitions: u32,
    /// `kafka.brokers`.
    pub brokers: u32,
    /// `scaler.max_replicas` (and so `min_replicas`): Jobs the simulator holds.
    pub max_replicas: u32,
    /// `workers.encode_sample`: alerts encoded (and held) to measure sizes.
    pub encode_sample: u32,
    /// `scaler.pending_pod_conditions` entries.
    pub pending_pod_conditions: usize,
}

/// Seconds in a day.
const DAY_S: f64 = 86_400.0;

impl Limits {
    /// The limits in force by default.
    pub const STANDARD: Limits = Limits {
        visits: 50_000,
        detectors: 10_000,
        detector_visits: 20_000_000,
        alerts_per_visit: 10_000_000.0,
        night_alerts: 1e9,
        run_s: 64.0 * DAY_S,
        polls: 1e7,
        gaps: 10_000,
        consumers: 1_000,
        faults: 10_000.0,
        schema_changes: 1_000,
        partitions: 100_000,
        brokers: 1_000,
        max_replicas: 150_000,
        encode_sample: 2_000,
        pending_pod_conditions: 100,
    };

    /// With [`ALLOW_LARGE_ENV`] set: every size limit a hundred times the
    /// standard one (the run span about six times: a year).
    pub const LARGE: Limits = Limits {
        visits: 5_000_000,
        detectors: 1_000_000,
        detector_visits: 2_000_000_000,
        alerts_per_visit: 1e9,
        night_alerts: 1e11,
        run_s: 366.0 * DAY_S,
        polls: 1e9,
        gaps: 1_000_000,
        consumers: 100_000,
        faults: 1_000_000.0,
        schema_changes: 100_000,
        partitions: 10_000_000,
        brokers: 100_000,
        max_replicas: 15_000_000,
        encode_sample: 200_000,
        pending_pod_conditions: 10_000,
    };

    /// [`Limits::LARGE`] when `ALERTSIM_ALLOW_LARGE` is set to anything but
    /// empty or `0`, else [`Limits::STANDARD`].
    pub fn in_force() -> Limits {
        if allow_large() {
            Self::LARGE
        } else {
            Self::STANDARD
        }
    }
}

/// True when `ALERTSIM_ALLOW_LARGE` asks for the large limits.
pub fn allow_large() -> bool {
    std::env::var_os(ALLOW_LARGE_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// How to go beyond a standard limit, for messages.
pub fn how_to_raise() -> String {
    if allow_large() {
        format!("{ALLOW_LARGE_ENV} is set: this is the raised limit")
    } else {
        format!("set {ALLOW_LARGE_ENV}=1 to raise the limits a hundredfold")
    }
}

/// A byte count in words (`1.2 GB`).
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[0])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Checks `scenario` against `limits`, adding an issue per limit passed.
pub(crate) fn check(s: &Scenario, limits: &Limits, c: &mut Checker) {
    let raise = how_to_raise();
    let mut over = |c: &mut Checker, path: &str, what: String, limit: String, memory: String| {
        c.fail(
            path,
            format!("{what}, above the limit of {limit}{memory}; {raise}"),
            &format!("at most {limit}"),
        );
    };
    let night = &s.night;
    let visits = u64::from(night.visits);
    let per_visit_bytes = |visits: u64, detectors: u64| {
        visits as f64 * (BYTES_PER_VISIT + detectors * BYTES_PER_DETECTOR_VISIT) as f64
    };
    if night.visits > limits.visits {
        let memory = per_visit_bytes(visits, u64::from(night.active_detectors));
        over(
            c,
            "night.visits",
            format!("{} visits", night.visits),
            format!("{} visits", limits.visits),
            format!(
                " (the simulator holds a record per visit: this night would need about {} of memory)",
                human_bytes(memory)
            ),
        );
    }
    if night.detectors > limits.detectors {
        over(
            c,
            "night.detectors",
            format!("{} detectors", night.detectors),
            format!("{} detectors", limits.detectors),
            " (LSSTCam has 189)".to_owned(),
        );
    }
    let detector_visits = visits * u64::from(night.active_detectors);
    if night.visits <= limits.visits
        && night.detectors <= limits.detectors
        && detector_visits > limits.detector_visits
    {
        over(
            c,
            "night.active_detectors",
            format!(
                "{} visits of {} active detectors make {detector_visits} detector events",
                night.visits, night.active_detectors
            ),
            format!("{} detector events in a night", limits.detector_visits),
            format!(
                " (about {} of memory)",
                human_bytes(per_visit_bytes(visits, u64::from(night.active_detectors)))
            ),
        );
    }
    for (path, distribution) in [
        ("night.alerts_per_visit", &night.alerts_per_visit),
        (
            "night.galactic_plane_alerts_per_visit",
            &night.galactic_plane_alerts_per_visit,
        ),
    ] {
        let upper = distribution.upper_bound();
        if upper > limits.alerts_per_visit {
            let what = if upper.is_finite() {
                format!("visits of up to {upper} alerts")
            } else {
                "an unbounded distribution (no `max`)".to_owned()
            };
            over(
                c,
                path,
                what,
                format!("{} alerts per visit", limits.alerts_per_visit),
                " (set `max` on the distribution)".to_owned(),
            );
        }
    }
    let night_alerts = visits as f64 * night.mean_alerts_per_visit();
    if night.visits <= limits.visits && night_alerts > limits.night_alerts {
        over(
            c,
            "night.visits",
            format!(
                "{} visits of {:.0} alerts on average make {night_alerts:.3e} alerts",
                night.visits,
                night.mean_alerts_per_visit()
            ),
            format!("{:.0e} alerts in a run", limits.night_alerts),
            " (the simulator's time grows with the alerts)".to_owned(),
        );
    }
    check_spans(s, limits, &raise, c);
    check_lists(s, limits, &mut over, c);
}

/// The run's virtual length: the night, its gaps, the drain and the faults.
fn check_spans(s: &Scenario, limits: &Limits, raise: &str, c: &mut Checker) {
    let night = &s.night;
    let samples = |span_s: f64| span_s / 10.0;
    let too_long = |c: &mut Checker, path: &str, span_s: f64| {
        c.fail(
            path,
            format!(
                "the run would span {span_s:.3e} virtual seconds, above the limit of {:.0} s ({:.0} days; \
                 the time series alone would hold {:.3e} samples, about {}); {raise}",
                limits.run_s,
                limits.run_s / DAY_S,
                samples(span_s),
                human_bytes(samples(span_s) * BYTES_PER_SAMPLE as f64)
            ),
            &format!("a run of at most {:.0} s", limits.run_s),
        );
    };
    let nominal = night.nominal_duration_s() + night.next_visit_lead_s + night.drain_limit_s;
    if night.visits <= limits.visits && nominal.is_finite() && nominal > limits.run_s {
        let path = if night.drain_limit_s > limits.run_s / 2.0 {
            "night.drain_limit_s"
        } else if night.gaps.iter().map(|g| g.duration_s).sum::<f64>() > limits.run_s / 2.0 {
            "night.gaps"
        } else {
            "night.visit_interval_s"
        };
        too_long(c, path, nominal);
    }
    let polls = nominal / s.scaler.polling_interval_s;
    if night.visits <= limits.visits
        && nominal.is_finite()
        && nominal <= limits.run_s
        && s.scaler.polling_interval_s > 0.0
        && polls > limits.polls
    {
        c.fail(
            "scaler.polling_interval_s",
            format!(
                "polling every {} s over a run of {nominal:.0} s makes {polls:.3e} polls, above the \
                 limit of {:.0e} (the simulator's time grows with them); {raise}",
                s.scaler.polling_interval_s, limits.polls
            ),
            &format!(
                "a polling interval of at least {:.3} s for this run",
                nominal / limits.polls
            ),
        );
    }
    for (i, fault) in s.faults.iter().enumerate() {
        let (_, end) = fault.window_s();
        if end.is_finite() && end > limits.run_s {
            too_long(c, &format!("faults.{i}.at_s"), end);
        }
    }
    for (i, change) in s.schema_changes.iter().enumerate() {
        if change.at_s.is_finite() && change.at_s > limits.run_s {
            too_long(c, &format!("schema_changes.{i}.at_s"), change.at_s);
        }
    }
    for (i, consumer) in s.consumers.iter().enumerate() {
        for (key, value) in [
            ("start_delay_s", Some(consumer.start_delay_s)),
            ("reader_upgrade_at_s", consumer.reader_upgrade_at_s),
        ] {
            if let Some(v) = value.filter(|v| v.is_finite() && *v > limits.run_s) {
                too_long(c, &format!("consumers.{i}.{key}"), v);
            }
        }
    }
    if s.chaos.duration_s.is_finite() && s.chaos.duration_s > limits.run_s {
        too_long(c, "chaos.duration_s", s.chaos.duration_s);
    }
}

type Over<'a> = dyn FnMut(&mut Checker, &str, String, String, String) + 'a;

/// Lists and counts the simulator holds one entry per item of.
fn check_lists(s: &Scenario, limits: &Limits, over: &mut Over<'_>, c: &mut Checker) {
    let lists = [
        ("night.gaps", s.night.gaps.len(), limits.gaps, "gaps"),
        (
            "consumers",
            s.consumers.len(),
            limits.consumers,
            "consumers (each reads every alert)",
        ),
        (
            "schema_changes",
            s.schema_changes.len(),
            limits.schema_changes,
            "schema changes",
        ),
        (
            "scaler.pending_pod_conditions",
            s.scaler.pending_pod_conditions.len(),
            limits.pending_pod_conditions,
            "conditions",
        ),
    ];
    for (path, len, limit, what) in lists {
        if len > limit {
            over(
                c,
                path,
                format!("{len} {what}"),
                format!("{limit} {what}"),
                String::new(),
            );
        }
    }
    let horizon_h = f64::from(s.night.visits) * s.night.visit_interval_s / 3600.0;
    let chaos_faults = if s.chaos.faults_per_hour > 0.0 {
        s.chaos.faults_per_hour * horizon_h
    } else {
        0.0
    };
    let faults = s.faults.len() as f64 + chaos_faults;
    if faults > limits.faults {
        let path = if chaos_faults > 0.0 {
            "chaos.faults_per_hour"
        } else {
            "faults"
        };
        over(
            c,
            path,
            format!(
                "{} faults listed and about {chaos_faults:.3e} drawn by chaos",
                s.faults.len()
            ),
            format!("{} faults in a run", limits.faults),
            String::new(),
        );
    }
    let counts = [
        (
            "kafka.partitions",
            s.kafka.partitions,
            limits.partitions,
            "partitions",
        ),
        ("kafka.brokers", s.kafka.brokers, limits.brokers, "brokers"),
        (
            "scaler.max_replicas",
            s.scaler.max_replicas,
            limits.max_replicas,
            "Jobs",
        ),
        (
            "scaler.min_replicas",
            s.scaler.min_replicas,
            limits.max_replicas,
            "Jobs",
        ),
    ];
    for (path, value, limit, what) in counts {
        if value > limit {
            over(
                c,
                path,
                format!("{value} {what}"),
                format!("{limit} {what}"),
                String::new(),
            );
        }
    }
    if s.workers.encode_sample > limits.encode_sample {
        over(
            c,
            "workers.encode_sample",
            format!("{} alerts encoded", s.workers.encode_sample),
            format!("{} alerts", limits.encode_sample),
            format!(
                " (the sample is held while it is measured: about {})",
                human_bytes(f64::from(s.workers.encode_sample) * BYTES_PER_SAMPLE_ALERT as f64)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(s: &Scenario) -> Vec<String> {
        let mut c = Checker::default();
        check(s, &Limits::STANDARD, &mut c);
        c.into_issues().into_iter().map(|i| i.path).collect()
    }

    #[test]
    fn the_catalogue_is_within_the_standard_limits() {
        for entry in crate::catalog::list() {
            let s = entry.load(&[]).unwrap_or_default();
            assert_eq!(issues(&s), Vec::<String>::new(), "{}", entry.name);
        }
    }

    #[test]
    fn a_billion_visits_is_refused_with_the_memory_it_needs() {
        let mut s = Scenario::default();
        s.night.visits = 1_000_000_000;
        let mut c = Checker::default();
        check(&s, &Limits::STANDARD, &mut c);
        let found = c.into_issues();
        let first = found.first().map(|i| i.message.clone()).unwrap_or_default();
        assert!(first.contains("50000 visits"), "{first}");
        assert!(first.contains("GB") || first.contains("TB"), "{first}");
        assert!(first.contains(ALLOW_LARGE_ENV), "{first}");
    }

    #[test]
    fn spans_lists_and_counts_are_bounded() {
        let mut s = Scenario::default();
        s.night.visits = 5;
        s.night.visit_interval_s = 1e9;
        s.kafka.partitions = u32::MAX;
        s.scaler.max_replicas = u32::MAX;
        s.workers.encode_sample = u32::MAX;
        s.chaos.faults_per_hour = 1e12;
        let found = issues(&s);
        let mut t = Scenario::default();
        t.scaler.polling_interval_s = 1e-6;
        assert_eq!(issues(&t), vec!["scaler.polling_interval_s".to_owned()]);
        for path in [
            "night.visit_interval_s",
            "kafka.partitions",
            "scaler.max_replicas",
            "workers.encode_sample",
            "chaos.faults_per_hour",
        ] {
            assert!(found.iter().any(|p| p == path), "{path} in {found:?}");
        }
    }

    #[test]
    fn unbounded_alert_counts_are_refused() {
        let mut s = Scenario::default();
        s.night.alerts_per_visit = crate::Distribution::Exponential {
            mean: 100.0,
            min: None,
            max: None,
        };
        assert_eq!(issues(&s), vec!["night.alerts_per_visit".to_owned()]);
    }

    #[test]
    fn bytes_read_as_words() {
        assert_eq!(human_bytes(56e9), "56.0 GB");
        assert_eq!(human_bytes(512.0), "512 bytes");
    }
}
