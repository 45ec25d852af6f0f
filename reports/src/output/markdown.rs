//! report.md: what a CI log or a pull request shows. The gates table comes
//! first, then the key figures, the latency budget and the late visits,
//! faults and recovery, schema changes,
//! consumers and the slowest visits.

use std::fmt::Write as _;

use crate::metrics::recovery::RecoveryRecord;
use crate::output::load_validity::LoadValidity;
use crate::output::tables::markdown_table;
use crate::output::{budget, redis_cpu};
use crate::report::Report;
use crate::schema::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};

/// Renders report.md.
pub fn render(r: &Report) -> String {
    render_with(r, None)
}

/// Renders report.md, with a load run's validity near the top.
pub fn render_with(r: &Report, validity: Option<&LoadValidity>) -> String {
    let mut s = String::new();
    let verdict = if r.gates.passed { "PASS" } else { "FAIL" };
    let _ = writeln!(s, "# alertsim report: {} ({verdict})\n", r.scenario);
    if !r.description.is_empty() {
        let _ = writeln!(s, "{}\n", r.description);
    }
    if r.partial {
        s.push_str("> **Partial report:** the run was interrupted; the figures cover only the part of the night that ran.\n\n");
    }
    if let Some(validity) = validity {
        s.push_str(&validity.markdown());
    }
    s.push_str("## Gates\n\n| gate | result | actual | limit | detail |\n| --- | --- | --- | --- | --- |\n");
    for g in &r.gates.results {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            g.name,
            if g.passed { "pass" } else { "**FAIL**" },
            g.actual,
            g.limit,
            g.description
        );
    }
    s.push_str("\n## Key figures\n\n| figure | value |\n| --- | --- |\n");
    let rows: [(&str, String); 21] = [
        ("seed", r.seed.to_string()),
        ("simulated time", format!("{} s", r.simulated_s)),
        ("visits", r.visits.to_string()),
        ("alerts produced", r.alerts.produced.to_string()),
        ("alerts delivered", r.alerts.delivered.to_string()),
        ("alerts lost", r.alerts.lost.to_string()),
        ("alerts duplicated", r.alerts.duplicated.to_string()),
        (
            "latency p50 / p90 / p98 / p99 / max",
            format!(
                "{} / {} / {} / {} / {} s",
                r.latency_s.p50, r.latency_s.p90, r.latency_s.p98, r.latency_s.p99, r.latency_s.max
            ),
        ),
        ("late visits", r.late_visits.to_string()),
        ("failed visits", r.failed_visits.to_string()),
        (
            "detectors dropped by the fan-out",
            r.detectors_dropped.to_string(),
        ),
        ("Jobs created", r.jobs.created.to_string()),
        ("Jobs running at most", r.jobs.max_running.to_string()),
        ("Jobs pending at most", r.jobs.max_pending.to_string()),
        (
            "KEDA operator crashes",
            r.jobs.keda_operator_crashes.to_string(),
        ),
        (
            "pod time busy / idle",
            format!("{} / {} pod-s", r.jobs.busy_pod_s, r.jobs.idle_pod_s),
        ),
        (
            "idle fraction (over-provisioning)",
            r.jobs.idle_fraction.to_string(),
        ),
        (
            "mean pod start-up",
            format!("{} s", r.jobs.mean_pod_startup_s),
        ),
        ("bytes delivered", r.bytes.delivered.to_string()),
        (
            "throughput mean / peak",
            format!(
                "{} / {} alerts/s",
                r.throughput.mean_alerts_per_s, r.throughput.peak_alerts_per_s
            ),
        ),
        (
            "bandwidth mean / peak",
            format!(
                "{} / {} Mbit/s",
                r.throughput.mean_mbit_per_s, r.throughput.peak_mbit_per_s
            ),
        ),
    ];
    for (name, value) in rows.into_iter().chain(redis_cpu::figure(r)) {
        let _ = writeln!(s, "| {name} | {value} |");
    }
    s.push_str(&budget::markdown(r));
    if !r.faults.is_empty() {
        s.push_str("\n## Faults\n\n| kind | start | end |\n| --- | --- | --- |\n");
        for f in &r.faults {
            let _ = writeln!(s, "| {} | {} s | {} s |", f.kind, f.start_s, f.end_s);
        }
        s.push_str("\n## Recovery\n\n");
        markdown_table(
            &mut s,
            &RecoveryRecord::HEADERS,
            r.recovery.iter().map(|x| x.cells().to_vec()),
        );
    }
    if let Some(schema) = &r.schema {
        schema_section(&mut s, schema);
    }
    if !r.consumers.is_empty() {
        s.push_str("\n## Consumers\n\n| consumer | received | p50 | p98 | max |\n| --- | --- | --- | --- | --- |\n");
        for c in &r.consumers {
            let _ = writeln!(
                s,
                "| {} | {} | {} s | {} s | {} s |",
                c.name, c.received, c.latency_s.p50, c.latency_s.p98, c.latency_s.max
            );
        }
    }
    let mut slowest: Vec<_> = r.per_visit.iter().collect();
    slowest.sort_by(|a, b| {
        b.p98_latency_s
            .total_cmp(&a.p98_latency_s)
            .then(a.visit.cmp(&b.visit))
    });
    if !slowest.is_empty() {
        s.push_str("\n## Slowest visits\n\n| visit | alerts | delivered | lost | p98 | late | failed |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for v in slowest.iter().take(10) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} s | {} | {} |",
                v.visit, v.alerts, v.delivered, v.lost, v.p98_latency_s, v.late, v.failed
            );
        }
    }
    s
}

/// The registry's verdicts and what each consumer could not read.
fn schema_section(s: &mut String, schema: &SchemaReport) {
    let _ = writeln!(
        s,
        "\n## Schema\n\nRegistry compatibility: {}. Alerts a consumer could not decode: {} in all.\n",
        schema.compatibility,
        schema.undecodable_total()
    );
    if schema.changes.is_empty() {
        s.push_str("No schema change.\n\n");
    } else {
        markdown_table(
            s,
            &SchemaChangeRecord::HEADERS,
            schema.changes.iter().map(|c| c.cells().to_vec()),
        );
        s.push('\n');
    }
    markdown_table(
        s,
        &SchemaConsumerRecord::HEADERS,
        schema.consumers.iter().map(|c| c.cells().to_vec()),
    );
}
