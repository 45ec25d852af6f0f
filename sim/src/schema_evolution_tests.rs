//! Hand-checkable cases of the schema plan: which changes the registry
//! refuses, and what each consumer counts.

use super::*;
use alertsim_scenarios::SchemaChange;

fn scenario(compatibility: &str, start: &str, changes: &[(f64, &str)]) -> Scenario {
    let mut s = Scenario::default();
    s.schema_registry.compatibility = compatibility.into();
    s.schema_registry.start_version = start.into();
    s.schema_changes = changes
        .iter()
        .map(|&(at_s, version)| SchemaChange {
            at_s,
            version: version.into(),
            new_topic: false,
        })
        .collect();
    s.consumers.truncate(2);
    s
}

#[test]
fn backward_refuses_10_to_11_and_the_producer_keeps_10() {
    let plan = SchemaPlan::new(&scenario("BACKWARD", "10.0", &[(100.0, "11.0")])).unwrap();
    assert_eq!(plan.decisions.len(), 1);
    assert!(!plan.decisions[0].refusals.is_empty());
    assert_eq!(plan.producer_at(200_000), SchemaVersion::V10_0);
}

#[test]
fn forward_accepts_10_to_11_and_10_readers_still_decode() {
    let mut plan = SchemaPlan::new(&scenario("FORWARD", "10.0", &[(100.0, "11.0")])).unwrap();
    assert!(plan.decisions[0].refusals.is_empty());
    assert_eq!(plan.producer_at(99_999), SchemaVersion::V10_0);
    assert_eq!(plan.producer_at(100_000), SchemaVersion::V11_0);
    plan.record(0, 150_000, 150_000, 5);
    assert_eq!(plan.counts[0], ReadCounts::default());
}

#[test]
fn an_11_reader_fails_on_10_alerts_until_the_producer_changes() {
    let mut s = scenario("NONE", "10.0", &[(100.0, "11.0")]);
    s.consumers[1].reader_version = Some("11.0".into());
    let mut plan = SchemaPlan::new(&s).unwrap();
    plan.record(1, 50_000, 60_000, 7); // 10.0 alert, 11.0 reader: fails
    plan.record(1, 120_000, 130_000, 3); // 11.0 alert: decodes
    plan.record(0, 50_000, 60_000, 4); // 10.0 reader: decodes
    assert_eq!(plan.counts[1].undecodable, 7);
    assert_eq!(plan.counts[1].fields_lost, 0);
    assert_eq!(plan.counts[0], ReadCounts::default());
}

#[test]
fn a_reader_upgrade_takes_effect_at_its_time() {
    let mut s = scenario("BACKWARD", "10.0", &[]);
    s.consumers[0].reader_upgrade_at_s = Some(10.0);
    s.consumers[0].reader_upgrade_to = Some("11.0".into());
    let mut plan = SchemaPlan::new(&s).unwrap();
    plan.record(0, 5_000, 9_999, 2);
    plan.record(0, 5_000, 10_000, 3);
    assert_eq!(plan.counts[0].undecodable, 3);
}

#[test]
fn unknown_versions_are_errors_naming_the_key() {
    let err = SchemaPlan::new(&scenario("BACKWARD", "7.4", &[])).unwrap_err();
    assert!(
        err.to_string().starts_with("schema_registry.start_version"),
        "{err}"
    );
}

#[test]
fn plans_are_only_wanted_when_the_scenario_uses_them() {
    assert!(!SchemaPlan::wanted(&Scenario::default()));
    assert!(SchemaPlan::wanted(&scenario(
        "BACKWARD",
        "11.0",
        &[(1.0, "10.0")]
    )));
}
