//! What of a scenario a load run does not do, for `load-info.json`'s
//! `not_done`: settings the simulator models that real services here do
//! not carry out. Faults skipped are in `faults` with their reasons; this
//! covers the rest.

use alertsim_scenarios::Scenario;

/// One line per setting of `scenario` that the load run leaves undone,
/// naming the setting and why.
pub fn not_done(scenario: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    if scenario.archive.enabled {
        out.push(
            "archive: no archive ingester runs (no consumer group alertdb-ingester, no \
             ScaledObject or HPA), so the report has no `archive` block (the simulator models it)"
                .to_owned(),
        );
    }
    if let Some(bytes) = scenario.kafka.retention_bytes {
        out.push(format!(
            "kafka.retention_bytes = {bytes}: the run's topic is created without a size limit, \
             so no reader loses alerts to it (the simulator models it)"
        ));
    }
    for (i, c) in scenario.consumers.iter().enumerate() {
        if let Some(quota) = c.quota_bytes_per_s {
            out.push(format!(
                "consumers.{i}.quota_bytes_per_s = {quota} ({}): no client quota is set on the \
                 broker, the consumer reads unthrottled (the simulator throttles it)",
                c.name
            ));
        }
    }
    for (i, change) in scenario.schema_changes.iter().enumerate() {
        if change.new_topic {
            out.push(format!(
                "schema_changes.{i}.new_topic: the run writes one topic throughout, so no reader \
                 meets a cutover or a missing grant (the simulator models them)"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_quota_and_a_new_topic_are_named_as_not_done() {
        let mut s = Scenario::resolve("smoke", &[]).expect("smoke loads");
        assert!(not_done(&s)[0].starts_with("archive: no archive ingester runs"));
        s.archive.enabled = false;
        assert!(not_done(&s).is_empty());
        s.consumers[1].quota_bytes_per_s = Some(1e6);
        let lines = not_done(&s);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("consumers.1.quota_bytes_per_s = 1000000 (community-2)"));
        s.schema_changes.push(alertsim_scenarios::SchemaChange {
            at_s: 10.0,
            version: "11.0".into(),
            new_topic: true,
        });
        assert!(not_done(&s)[1].starts_with("schema_changes.0.new_topic"));
        s.kafka.retention_bytes = Some(1 << 30);
        assert!(not_done(&s)[0].starts_with("kafka.retention_bytes = 1073741824"));
    }
}
