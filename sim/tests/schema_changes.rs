//! The `schema-upgrade` catalogue scenario end to end: the rollback to 10.0
//! is accepted, the re-upgrade to 11.0 refused, the 11.0 reader cannot
//! decode the 10.0 alerts, the 10.0 reader decodes everything, and the
//! report is deterministic.

use alertsim_scenarios::Scenario;

#[test]
fn schema_upgrade_accepts_the_rollback_refuses_the_upgrade_and_counts_failures() {
    let scenario = Scenario::resolve("schema-upgrade", &[]).expect("catalogue scenario loads");
    let run = alertsim_sim::run(&scenario).expect("the scenario has a plan");
    let schema = run.report.schema.clone().expect("schema section present");
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    );
    assert_eq!(schema.compatibility, "BACKWARD");
    assert_eq!(schema.changes.len(), 2);
    assert!(schema.changes[0].accepted, "{:?}", schema.changes[0]);
    assert!(!schema.changes[1].accepted);
    assert!(schema.changes[1].reason.starts_with("backward"));
    assert_eq!(schema.changes[1].from, "10.0");
    let [c1, c2, c3] = &schema.consumers[..] else {
        panic!("three consumers expected: {:?}", schema.consumers);
    };
    let received: Vec<u64> = run.report.consumers.iter().map(|c| c.received).collect();
    assert!(c1.undecodable > 0 && c1.undecodable < received[0]);
    assert_eq!(c2.undecodable, 0);
    assert!(
        c3.undecodable < c1.undecodable,
        "the upgrade at 100 s stops failures"
    );
    assert!([c1, c2, c3].iter().all(|c| c.fields_lost == 0));
    let again = alertsim_sim::run(&scenario).expect("the scenario has a plan");
    assert_eq!(run.report.to_json(), again.report.to_json());
}

#[test]
fn scenarios_without_schema_settings_have_no_schema_section() {
    let scenario = Scenario::resolve("smoke", &[]).expect("smoke loads");
    assert!(
        alertsim_sim::run(&scenario)
            .expect("the scenario has a plan")
            .report
            .schema
            .is_none()
    );
}

/// `schema-upgrade`'s refused re-upgrade to 11.0, made on a new topic
/// instead, as Rubin ships a new major: a new subject, so the registry
/// accepts it. `community-1` is never granted the new topic and reads
/// nothing written there: exactly the alerts acknowledged after the
/// cutover are lost to it, counted by name, and the gate fails. The two
/// readers granted lose nothing.
#[test]
fn a_new_topic_takes_the_major_the_subject_refused_and_loses_it_to_readers_without_access() {
    let mut scenario = Scenario::resolve("schema-upgrade", &[]).expect("catalogue scenario loads");
    let refused = scenario.schema_changes.len() - 1;
    scenario.schema_changes[refused].new_topic = true;
    let cutover_s = scenario.schema_changes[refused].at_s;
    scenario.consumers[0].new_topic_granted = false;
    let run = alertsim_sim::run(&scenario).expect("the scenario has a plan");
    let r = &run.report;
    let schema = r.schema.clone().expect("schema section present");
    assert!(schema.changes[refused].accepted, "{:?}", schema.changes);

    // Acknowledged after the cutover: the visits read out after it (a
    // visit's alerts are acknowledged within seconds of its readout, and
    // none straddles the cutover in this night: checked below).
    let after: u64 = r
        .per_visit
        .iter()
        .filter(|v| v.readout_end_s >= cutover_s)
        .map(|v| v.delivered)
        .sum();
    assert!(
        r.per_visit
            .iter()
            .all(|v| v.readout_end_s >= cutover_s || v.readout_end_s + v.max_latency_s < cutover_s),
        "a visit straddles the cutover: {:?}",
        r.per_visit
    );
    assert!(after > 0 && after < r.alerts.delivered);
    let name = &scenario.consumers[0].name;
    assert_eq!(r.alerts.lost_to_readers.get(name), Some(&after));
    for c in &scenario.consumers[1..] {
        assert_eq!(
            r.alerts.lost_to_readers.get(&c.name),
            Some(&0),
            "{}",
            c.name
        );
    }
    assert!(!r.gates.passed);
}
