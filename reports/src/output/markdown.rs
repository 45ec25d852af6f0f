//! report.md: what a CI log or a pull request shows. The night's verdict
//! and its reasons come first, then the gates table, the key figures, the
//! latency budget and the late visits, the readers and the brokers, faults
//! and recovery, schema changes and the slowest visits.

use std::fmt::Write as _;

use crate::human;
use crate::metrics::recovery::RecoveryRecord;
use crate::output::tables::markdown_table;
use crate::output::{PageExtras, brokers, budget, fidelity_section, figures, readers, verdict};
use crate::report::Report;
use crate::schema::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};

/// Renders report.md.
pub fn render(r: &Report) -> String {
    render_with(r, PageExtras::default())
}

/// Renders report.md, with a load run's validity and a calibration's
/// fidelity table near the top.
pub fn render_with(r: &Report, extras: PageExtras<'_>) -> String {
    let validity = extras.validity;
    let mut s = String::new();
    let verdict = if r.gates.passed { "PASS" } else { "FAIL" };
    let _ = writeln!(s, "# alertsim report: {} ({verdict})\n", r.scenario);
    if let Some(validity) = validity {
        s.push_str(&validity.headline_markdown());
    }
    s.push_str(&verdict::markdown(r));
    if !r.description.is_empty() {
        let _ = writeln!(s, "{}\n", r.description);
    }
    if r.partial {
        s.push_str("> **Partial report:** the run was interrupted; the figures cover only the part of the night that ran.\n\n");
    }
    if let Some(validity) = validity {
        s.push_str(&validity.table_markdown());
    }
    if let Some(fidelity) = extras.fidelity {
        s.push_str(&fidelity_section::markdown(fidelity));
    }
    s.push_str("## Gates\n\n");
    markdown_table(
        &mut s,
        &["gate", "result", "actual", "limit", "detail"],
        verdict::gate_rows(r)
            .into_iter()
            .map(|(g, [actual, limit, detail])| {
                let result = if g.passed { "pass" } else { "**FAIL**" };
                vec![g.name, result.to_owned(), actual, limit, detail]
            }),
    );
    s.push_str("\n## Key figures\n\n");
    markdown_table(
        &mut s,
        &["figure", "value"],
        figures::key_figures(r)
            .into_iter()
            .map(|(k, v)| vec![k.to_owned(), v]),
    );
    s.push_str(&budget::markdown(r));
    s.push_str(&readers::markdown(r));
    s.push_str(&brokers::markdown(r));
    if !r.faults.is_empty() {
        s.push_str("\n## Faults\n\n| kind | start | end |\n| --- | --- | --- |\n");
        for f in &r.faults {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                f.kind,
                human::duration(f.start_s),
                human::duration(f.end_s)
            );
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
    let mut slowest: Vec<_> = r.per_visit.iter().collect();
    slowest.sort_by(|a, b| {
        b.p98_latency_s
            .total_cmp(&a.p98_latency_s)
            .then(a.visit.cmp(&b.visit))
    });
    if !slowest.is_empty() {
        s.push_str("\n## Slowest visits\n\n");
        markdown_table(
            &mut s,
            &[
                "visit",
                "alerts",
                "delivered",
                "lost",
                "p98",
                "late",
                "failed",
            ],
            slowest.iter().take(10).map(|v| {
                vec![
                    v.visit.to_string(),
                    human::count(v.alerts),
                    human::count(v.delivered),
                    human::count(v.lost),
                    human::duration(v.p98_latency_s),
                    v.late.to_string(),
                    v.failed.to_string(),
                ]
            }),
        );
    }
    s
}

/// The registry's verdicts and what each consumer could not read.
fn schema_section(s: &mut String, schema: &SchemaReport) {
    let _ = writeln!(
        s,
        "\n## Schema\n\nRegistry compatibility: {}. Alerts a consumer could not decode: {} in all.\n",
        schema.compatibility,
        human::count(schema.undecodable_total())
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
