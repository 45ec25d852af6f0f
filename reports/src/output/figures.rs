//! The key figures of report.md and report.html, each written once for
//! both pages with `human`: durations, sizes, rates (with the sampling
//! interval their peak is taken over), shares and counts, and the
//! brokers' share of the night (`metrics::capacity`).

use crate::human;
use crate::output::redis_cpu;
use crate::report::Report;

/// "peak over 10 s samples": what a peak rate is the peak of.
pub(crate) fn sampling(r: &Report) -> String {
    format!("peak over {} samples", human::duration(r.series.interval_s))
}

/// The key figures: name and value, in the pages' order.
pub(crate) fn key_figures(r: &Report) -> Vec<(&'static str, String)> {
    let l = &r.latency_s;
    let t = &r.throughput;
    let mut rows = vec![
        ("seed", r.seed.to_string()),
        ("simulated time", human::duration(r.simulated_s)),
        ("visits", human::count(r.visits)),
        ("alerts produced", human::count(r.alerts.produced)),
        ("alerts delivered", human::count(r.alerts.delivered)),
        ("alerts lost", human::count(r.alerts.lost)),
        ("alerts duplicated", human::count(r.alerts.duplicated)),
        (
            "latency p50 / p90 / p98 / p99 / max",
            [l.p50, l.p90, l.p98, l.p99, l.max]
                .map(human::duration)
                .join(" / "),
        ),
        ("late visits", human::count(r.late_visits)),
        ("failed visits", human::count(r.failed_visits)),
        (
            "detectors dropped by the fan-out",
            human::count(r.detectors_dropped),
        ),
        ("Jobs created", human::count(r.jobs.created)),
        ("Jobs running at most", human::count(r.jobs.max_running)),
        ("Jobs pending at most", human::count(r.jobs.max_pending)),
        (
            "KEDA operator crashes",
            human::count(r.jobs.keda_operator_crashes),
        ),
        (
            "pod time busy / idle",
            format!(
                "{} / {}",
                human::duration(r.jobs.busy_pod_s),
                human::duration(r.jobs.idle_pod_s)
            ),
        ),
        (
            "idle fraction (over-provisioning)",
            human::percent(r.jobs.idle_fraction),
        ),
        (
            "mean pod start-up",
            human::duration(r.jobs.mean_pod_startup_s),
        ),
        (
            "bytes delivered (mean alert)",
            format!(
                "{} ({})",
                human::bytes(r.bytes.delivered as f64),
                human::bytes(r.bytes.mean_alert)
            ),
        ),
        (
            "throughput",
            format!(
                "mean {}, peak {} ({})",
                human::with_unit(t.mean_alerts_per_s, "alerts/s"),
                human::with_unit(t.peak_alerts_per_s, "alerts/s"),
                sampling(r)
            ),
        ),
        (
            "bandwidth",
            format!(
                "mean {}, peak {} ({})",
                human::mbit_per_s(t.mean_mbit_per_s),
                human::mbit_per_s(t.peak_mbit_per_s),
                sampling(r)
            ),
        ),
    ];
    rows.extend(capacity(r));
    rows.extend(redis_cpu::figure(r));
    rows
}

/// The brokers' share: what went in and out of them in all, the mean
/// broker's rates against its bandwidth, the busiest broker, and the disk
/// at retention.
fn capacity(r: &Report) -> [(&'static str, String); 4] {
    let c = &r.capacity;
    let b = &c.busiest_broker;
    [
        (
            "broker traffic",
            format!(
                "in {} from the producers, {} replicated, {} to the readers: egress {}× the ingress",
                human::bytes(c.ingress_bytes as f64),
                human::bytes(c.replication_bytes as f64),
                human::bytes(c.readers_bytes as f64),
                human::number(c.egress_over_ingress)
            ),
        ),
        (
            "mean broker of the cluster",
            format!(
                "in mean {}, peak {} ({} of its {} left); out mean {}; {} written to disk",
                human::mbit_per_s(c.broker_ingress_mean_mbit_per_s),
                human::mbit_per_s(c.broker_ingress_peak_mbit_per_s),
                human::percent(c.ingress_headroom),
                human::mbit_per_s(c.broker_bandwidth_mbit_per_s),
                human::mbit_per_s(c.broker_egress_mean_mbit_per_s),
                human::bytes(c.broker_disk_bytes as f64)
            ),
        ),
        (
            "busiest broker",
            format!(
                "broker {} of {} ({} KRaft controllers): {} in and out, {}× the brokers' mean; in peak {} ({}); out mean {}",
                b.broker,
                c.brokers,
                r.config.kafka.controllers,
                human::bytes(b.total_bytes as f64),
                human::number(b.over_mean),
                human::mbit_per_s(b.in_peak_mbit_per_s),
                sampling(r),
                human::mbit_per_s(b.out_mean_mbit_per_s)
            ),
        ),
        ("broker disk at retention", disk_at_retention(r)),
    ]
}

/// The disk at the topic's retention in words, as the key figures and the
/// Brokers section show it.
pub(crate) fn disk_at_retention(r: &Report) -> String {
    let d = &r.capacity.disk;
    let days = human::number(d.days_to_fill);
    let fill = if d.headroom < 0.0 {
        format!("; it fills after {days} days, before retention frees anything (broker_disk_full)")
    } else {
        format!(" (full in {days} days with nothing deleted)")
    };
    format!(
        "{} a day on the broker writing the most; {} kept over {} days of retention, {} of its {} disk left{fill}",
        human::bytes(d.per_day_bytes as f64),
        human::bytes(d.retained_bytes as f64),
        human::number(r.config.kafka.retention_s / 86_400.0),
        human::percent(d.headroom),
        human::bytes(d.size_bytes as f64),
    )
}
