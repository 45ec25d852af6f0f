//! Limits on the counts given by flags (`--count`, `--rounds`,
//! `--partitions`...): a count beyond its limit is refused with exit 2
//! before anything is allocated or written, naming the flag, the limit and
//! the memory or disk it implies. `ALERTSIM_ALLOW_LARGE=1` raises every
//! limit a hundredfold, as it does for scenarios
//! (`alertsim_scenarios::limits`).

use alertsim_scenarios::limits::{allow_large, how_to_raise, human_bytes};

use super::exit::bad_input;

/// Bytes of one alert with its three cutouts, as encoded (the scenario
/// default `workers.nominal_alert_bytes`, FACTS: about 82 kB).
pub const ALERT_BYTES: u64 = 82_000;

/// Alerts `alerts generate` writes (they are written as they are
/// generated, so memory stays small; the limit is the disk: about 82 GB).
pub const GENERATE_ALERTS: u64 = 1_000_000;

/// Alerts `publish alerts` sends to a broker given with `--kafka`.
pub const PUBLISH_ALERTS: u64 = 1_000_000;

/// Alerts sent to the in-process broker, which keeps every message in
/// memory: about 17 GB at this count ([`IN_PROCESS_BYTES_PER_ALERT`]).
pub const IN_PROCESS_BROKER_ALERTS: u64 = 150_000;

/// Memory the in-process broker and a load run take per alert, bytes
/// (measured: 14 GB peak for `alertsim load galactic-plane-burst --set
/// night.visits=3`, 120,768 alerts; README).
pub const IN_PROCESS_BYTES_PER_ALERT: u64 = 117_000;

/// Alerts `alerts bench` encodes and decodes (one alert in memory; the
/// limit is time: about ten minutes).
pub const BENCH_ALERTS: u64 = 10_000_000;

/// Rounds of `publish bench`.
pub const BENCH_ROUNDS: u64 = 100;

/// Partitions of a topic `publish` or `broker serve` creates (Kafka's own
/// guidance: up to about 4,000 per broker; the in-process broker keeps
/// state per partition).
pub const PARTITIONS: u64 = 10_000;

/// Threads of `sweep --jobs`.
pub const SWEEP_THREADS: u64 = 1_024;

/// The limit in force: `standard`, or a hundred times it with
/// `ALERTSIM_ALLOW_LARGE` set.
pub fn in_force(standard: u64) -> u64 {
    if allow_large() {
        standard.saturating_mul(100)
    } else {
        standard
    }
}

/// `Ok` when `value` is within the limit in force for `standard`;
/// otherwise a bad-input error naming `flag`, the limit and, from
/// `bytes_each` (0 for none), the memory or disk the value implies.
pub fn at_most(
    flag: &str,
    value: u64,
    standard: u64,
    what: &str,
    bytes_each: u64,
    where_held: &str,
) -> anyhow::Result<()> {
    let limit = in_force(standard);
    if value <= limit {
        return Ok(());
    }
    let implied = if bytes_each > 0 {
        format!(
            " ({value} {what} would need about {} of {where_held})",
            human_bytes(value as f64 * bytes_each as f64)
        )
    } else {
        String::new()
    };
    Err(bad_input(format!(
        "{flag} {value}: above the limit of {limit} {what}{implied}; {} (expected at most {limit})",
        how_to_raise()
    )))
}

/// `Ok` when `alerts` alerts may be sent to the broker of `kafka`: the
/// in-process broker (no `--kafka`) keeps every message in memory.
pub fn at_most_published(
    flag: &str,
    alerts: u64,
    kafka: &super::publish::KafkaArgs,
) -> anyhow::Result<()> {
    match kafka.kafka {
        Some(_) => at_most(flag, alerts, PUBLISH_ALERTS, "alerts", 0, ""),
        None => at_most(
            flag,
            alerts,
            IN_PROCESS_BROKER_ALERTS,
            "alerts",
            IN_PROCESS_BYTES_PER_ALERT,
            "memory in the in-process broker, which keeps every message; give --kafka for more",
        ),
    }
}

/// `Ok` when a load run without `--kafka` (the in-process broker keeps
/// every message) expects at most [`IN_PROCESS_BROKER_ALERTS`] alerts in
/// this shard: `night.visits` times the mean alerts per visit.
pub fn in_process_load(scenario: &alertsim_scenarios::Scenario, shards: u32) -> anyhow::Result<()> {
    let alerts = f64::from(scenario.night.visits) * scenario.night.mean_alerts_per_visit()
        / f64::from(shards.max(1));
    let limit = in_force(IN_PROCESS_BROKER_ALERTS);
    if alerts <= limit as f64 {
        return Ok(());
    }
    Err(bad_input(format!(
        "`night.visits` ({}) times a mean of {:.0} alerts per visit: about {alerts:.0} alerts, \
         above the limit of {limit} alerts for the in-process broker, which keeps every message \
         in memory (about {} for this run); give --kafka HOST:PORT, fewer visits \
         (--set night.visits=N) or more shards (--shard I/N); {} (expected at most {limit} alerts)",
        scenario.night.visits,
        scenario.night.mean_alerts_per_visit(),
        human_bytes(alerts * IN_PROCESS_BYTES_PER_ALERT as f64),
        how_to_raise()
    )))
}

/// `Ok` when `--alerts-per-detector` is between 1 and what the
/// generator's source identifiers allow (16,384; a detector's alerts are
/// held in memory while they are written or published: about 1.3 GB at
/// that count). Not raised by `ALERTSIM_ALLOW_LARGE`: the identifiers
/// cannot hold more.
pub fn alerts_per_detector(value: usize) -> anyhow::Result<()> {
    use alertsim_core::alert::generate::ids::MAX_SOURCES_PER_DETECTOR;
    if (1..=MAX_SOURCES_PER_DETECTOR).contains(&value) {
        Ok(())
    } else {
        Err(bad_input(format!(
            "--alerts-per-detector {value}: expected 1 to {MAX_SOURCES_PER_DETECTOR} \
             (the alert identifiers hold {MAX_SOURCES_PER_DETECTOR} sources per detector)"
        )))
    }
}

/// `Ok` when `value` is at least 1.
pub fn at_least_one(flag: &str, value: u64, what: &str) -> anyhow::Result<()> {
    if value == 0 {
        Err(bad_input(format!("{flag} 0: expected at least 1 {what}")))
    } else {
        Ok(())
    }
}
