//! Unit tests of the derived schema versions, registration verdicts and read outcomes.

use super::*;

#[test]
fn versions_parse_and_have_rubin_ids() {
    assert_eq!(SchemaVersion::parse(" 10.0"), Some(SchemaVersion::V10_0));
    assert_eq!(SchemaVersion::parse("11.0"), Some(SchemaVersion::V11_0));
    assert_eq!(SchemaVersion::parse("7.4"), None);
    assert_eq!(SchemaVersion::V10_0.schema_id(), 1000);
    assert_eq!(SchemaVersion::V11_0.schema_id(), 1100);
}

#[test]
fn derived_10_0_differs_by_exactly_the_listed_fields_and_namespace() {
    let old = schema_json(SchemaVersion::V10_0).expect("10.0 derives");
    let new = schema_json(SchemaVersion::V11_0).expect("11.0");
    let nullable_int = r#"["null","int"]"#;
    assert_eq!(
        old.matches(nullable_int).count(),
        new.matches(nullable_int).count() + CHANGES_10_0_TO_11_0.len()
    );
    assert!(!old.contains("lsst.v11_0"));
    assert!(old.contains("lsst.v10_0"));
    parse_schema(SchemaVersion::V10_0).expect("apache-avro parses 10.0");
}

#[test]
fn backward_refuses_the_10_to_11_upgrade_but_forward_accepts_it() {
    use SchemaVersion::*;
    let backward = registration_refusals(CompatibilityLevel::Backward, V11_0, &[V10_0]).unwrap();
    assert_eq!(backward.len(), 1, "{backward:?}");
    assert!(backward[0].starts_with("backward"));
    assert!(
        registration_refusals(CompatibilityLevel::Forward, V11_0, &[V10_0])
            .unwrap()
            .is_empty()
    );
    assert!(
        registration_refusals(CompatibilityLevel::None, V11_0, &[V10_0])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        registration_refusals(CompatibilityLevel::Full, V11_0, &[V10_0])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn backward_accepts_the_11_to_10_downgrade_but_forward_refuses_it() {
    use SchemaVersion::*;
    assert!(
        registration_refusals(CompatibilityLevel::Backward, V10_0, &[V11_0])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        registration_refusals(CompatibilityLevel::Forward, V10_0, &[V11_0])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn reading_10_alerts_with_11_fails_and_the_reverse_decodes() {
    use SchemaVersion::*;
    assert_eq!(read_outcome(V10_0, V11_0).unwrap(), ReadOutcome::Fails);
    assert_eq!(read_outcome(V11_0, V10_0).unwrap(), ReadOutcome::Decodes);
    assert_eq!(read_outcome(V10_0, V10_0).unwrap(), ReadOutcome::Decodes);
    assert_eq!(read_outcome(V11_0, V11_0).unwrap(), ReadOutcome::Decodes);
}

#[test]
fn a_reader_missing_a_field_loses_it() {
    let writer = Schema::parse_str(
        r#"{"type":"record","name":"r","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}"#,
    )
    .unwrap();
    let reader =
        Schema::parse_str(r#"{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}"#)
            .unwrap();
    let value = Value::Record(vec![
        ("a".into(), Value::Int(1)),
        ("b".into(), Value::Int(2)),
    ]);
    let datum = apache_avro::to_avro_datum(&writer, value.clone()).unwrap();
    let read = apache_avro::from_avro_datum(&writer, &mut &datum[..], Some(&reader)).unwrap();
    assert_eq!(field_count(&value), 2);
    assert_eq!(field_count(&read), 1);
}

#[test]
fn with_their_own_namespaces_apache_avro_finds_every_pair_incompatible() {
    let v10 = parse_schema(SchemaVersion::V10_0).unwrap();
    let v11 = parse_schema(SchemaVersion::V11_0).unwrap();
    for level in [CompatibilityLevel::Backward, CompatibilityLevel::Forward] {
        assert_eq!(incompatibilities(level, &v10, &[&v11]).len(), 1);
        assert_eq!(incompatibilities(level, &v11, &[&v10]).len(), 1);
    }
}
