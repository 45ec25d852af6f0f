//! Every field a report writes is documented, and REPORT.md carries the
//! current field table.

mod common;

use alertsim_reports::fields::{FIELDS, markdown_table};
use alertsim_reports::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport};
use common::{smoke, synthetic_report};
use serde_json::Value;
use std::collections::BTreeSet;

/// Objects keyed by names from the scenario (consumers): one documented
/// field each, its keys written as `{name}`.
const NAMED: [&str; 1] = ["alerts.lost_to_readers"];

/// Leaf paths of a JSON value; arrays of objects become `path[]`, arrays of
/// scalars are leaves; `config` is one leaf; the keys of a [`NAMED`]
/// object become `{name}`.
fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) if NAMED.contains(&prefix) => {
            if !map.is_empty() {
                out.push(format!("{prefix}.{{name}}"));
            }
        }
        Value::Object(map) if prefix != "config" => {
            for (k, child) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, child, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for item in items {
                leaves(&format!("{prefix}[]"), item, out);
            }
        }
        _ => out.push(prefix.to_owned()),
    }
}

#[test]
fn every_written_field_is_documented_and_every_documented_field_is_written() {
    let mut scenario = smoke();
    scenario
        .faults
        .push(alertsim_scenarios::Fault::RedisOutage {
            at_s: 60.0,
            duration_s: 30.0,
        });
    let mut report = synthetic_report(&scenario, 1.0, 0);
    report.partial = true;
    // The simulator's Redis CPU model fills this series.
    report.series.redis_utilisation = vec![0.5; report.series.t_s.len()];
    // A late visit and its cause, as a slow run would have them.
    report.per_visit[0].late_cause = Some(alertsim_reports::LateCause::Pipeline);
    report
        .latency_budget
        .late_causes
        .push(alertsim_reports::CauseCount {
            cause: alertsim_reports::LateCause::Pipeline,
            late_visits: 1,
        });
    report.schema = Some(SchemaReport {
        compatibility: "BACKWARD".into(),
        changes: vec![SchemaChangeRecord {
            at_s: 10.0,
            from: "10.0".into(),
            to: "11.0".into(),
            accepted: false,
            reason: "backward".into(),
        }],
        consumers: vec![SchemaConsumerRecord {
            name: "community-1".into(),
            undecodable: 3,
            fields_lost: 0,
        }],
    });
    // The simulator's archive model fills this block.
    report.archive = Some(alertsim_reports::metrics::archive::ArchiveReport {
        alerts_archived: 10,
        gaps: 1,
        gaps_after_redeploy: 1,
        rereads: 2,
        latency_s: report.latency_s,
        receipt_s: report.latency_s,
        max_replicas: 4,
        replica_hours: 0.5,
        scale_ups: 1,
        scale_downs: 1,
        max_lag: 300,
    });
    let v: Value = serde_json::from_str(&report.to_json()).unwrap_or_else(|e| panic!("{e}"));
    let mut written = Vec::new();
    leaves("", &v, &mut written);
    let written: BTreeSet<String> = written.into_iter().collect();
    let documented: BTreeSet<String> = FIELDS.iter().map(|f| f.path.to_owned()).collect();
    assert_eq!(
        FIELDS.len(),
        documented.len(),
        "a field is documented twice"
    );
    let undocumented: Vec<_> = written.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "undocumented fields: {undocumented:?}"
    );
    let stale: Vec<_> = documented.difference(&written).collect();
    assert!(stale.is_empty(), "documented but not written: {stale:?}");
}

#[test]
fn report_md_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/REPORT.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        text.contains(&markdown_table()),
        "reports/REPORT.md is out of date: regenerate its field table with \
         `cargo test -p alertsim-reports --test fields -- --ignored write_report_md`"
    );
}

/// Rewrites the generated part of REPORT.md.
#[test]
#[ignore = "writes reports/REPORT.md"]
fn write_report_md() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/REPORT.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let begin = "<!-- fields:begin -->\n";
    let end = "<!-- fields:end -->";
    let (head, rest) = text.split_once(begin).unwrap_or((&text, ""));
    let tail = rest.split_once(end).map_or("", |(_, t)| t);
    let new = format!("{head}{begin}{}{end}{tail}", markdown_table());
    std::fs::write(path, new).unwrap_or_else(|e| panic!("{e}"));
}
