//! The `schema` section of report.json also appears in report.md and
//! report.html: the registry's verdict on each change and, per consumer, the
//! alerts it could not decode or decoded with fields lost; and the
//! `undecodable_alerts` gate on those counts.

mod common;

use alertsim_reports::{SchemaChangeRecord, SchemaConsumerRecord, SchemaReport, write_reports};
use common::{smoke, synthetic_report};

fn schema() -> SchemaReport {
    SchemaReport {
        compatibility: "BACKWARD".into(),
        changes: vec![
            SchemaChangeRecord {
                at_s: 60.0,
                from: "11.0".into(),
                to: "10.0".into(),
                accepted: true,
                reason: String::new(),
            },
            SchemaChangeRecord {
                at_s: 120.0,
                from: "10.0".into(),
                to: "11.0".into(),
                accepted: false,
                reason: "field <psfNdata> & co".into(),
            },
        ],
        consumers: vec![
            SchemaConsumerRecord {
                name: "community-1".into(),
                undecodable: 0,
                fields_lost: 0,
            },
            SchemaConsumerRecord {
                name: "community-2".into(),
                undecodable: 1234,
                fields_lost: 56,
            },
        ],
    }
}

fn pages(schema: Option<SchemaReport>) -> (String, String) {
    let mut report = synthetic_report(&smoke(), 2.0, 0);
    report.schema = schema;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_reports(&report, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
    (read("report.md"), read("report.html"))
}

#[test]
fn markdown_shows_verdicts_and_per_consumer_counts() {
    let (md, _) = pages(Some(schema()));
    assert!(md.contains("\n## Schema\n"), "{md}");
    assert!(md.contains("Registry compatibility: BACKWARD."), "{md}");
    // 0 + 1234 undecodable alerts in all.
    assert!(md.contains("could not decode: 1,234 in all"), "{md}");
    assert!(md.contains("| 60 s | 11.0 | 10.0 | accepted | - |"), "{md}");
    assert!(md.contains("| 2 min 00 s | 10.0 | 11.0 | refused | field <psfNdata> & co |"));
    assert!(md.contains("| consumer | undecodable | fields lost |"));
    assert!(md.contains("| community-2 | 1,234 | 56 |"), "{md}");
}

#[test]
fn html_shows_the_same_escaped() {
    let (_, html) = pages(Some(schema()));
    assert!(html.contains("<h2>Schema</h2>"));
    assert!(html.contains("<td>refused</td><td>field &lt;psfNdata&gt; &amp; co</td>"));
    assert!(html.contains("<tr><td>community-2</td><td>1,234</td><td>56</td></tr>"));
}

#[test]
fn no_schema_section_without_schema_figures() {
    let (md, html) = pages(None);
    assert!(!md.contains("## Schema"));
    assert!(!html.contains("<h2>Schema</h2>"));
}

#[test]
fn the_undecodable_gate_adds_up_the_consumers_and_is_off_by_default() {
    let mut report = synthetic_report(&smoke(), 2.0, 0);
    report.schema = Some(schema());
    report.finalise();
    let named = |r: &alertsim_reports::Report| {
        r.gates
            .results
            .iter()
            .find(|g| g.name == "undecodable_alerts")
            .cloned()
    };
    assert!(
        named(&report).is_none(),
        "no gate unless max_undecodable_alerts is set"
    );

    report.config.gates.max_undecodable_alerts = Some(1233);
    report.finalise();
    let gate = named(&report).unwrap_or_else(|| panic!("gate missing: {:?}", report.gates));
    // community-1 0 + community-2 1234.
    assert_eq!(
        (gate.actual, gate.limit, gate.passed),
        (1234.0, 1233.0, false)
    );
    assert!(!report.gates.passed);

    report.config.gates.max_undecodable_alerts = Some(1234);
    report.finalise();
    assert!(named(&report).is_some_and(|g| g.passed));
}
