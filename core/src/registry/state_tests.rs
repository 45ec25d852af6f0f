//! Unit tests of the registry state: versions, dedup, compatibility levels (incl.
//! transitive), IMPORT mode ids, deletes and error codes.

use super::*;

fn record(fields: &str) -> String {
    format!(r#"{{"type":"record","name":"r","namespace":"t","fields":[{fields}]}}"#)
}

fn v1() -> String {
    record(r#"{"name":"a","type":"int"}"#)
}

/// v1 plus a field with a default: backward and forward compatible with v1.
fn v2_added_with_default() -> String {
    record(r#"{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}"#)
}

/// A field without default added: forward compatible only (old readers ignore it).
fn v2_added_without_default() -> String {
    record(r#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#)
}

fn code_of<T: std::fmt::Debug>(result: Result<T, RegistryError>) -> ErrorCode {
    result.expect_err("expected an error").code
}

#[test]
fn versions_count_up_and_ids_are_assigned_from_one() {
    let mut state = RegistryState::new();
    let a = state.register("s", &Registration::new(v1())).unwrap();
    let b = state
        .register("s", &Registration::new(v2_added_with_default()))
        .unwrap();
    assert_eq!((a, b), (1, 2));
    assert_eq!(state.versions("s", false).unwrap(), vec![1, 2]);
    let latest = state.version("s", VersionSpec::Latest, false).unwrap();
    assert_eq!((latest.version, latest.id), (2, 2));
    assert_eq!(
        state
            .version("s", VersionSpec::Number(1), false)
            .unwrap()
            .schema,
        v1()
    );
}

#[test]
fn the_same_schema_is_deduplicated_by_canonical_form() {
    let mut state = RegistryState::new();
    let first = state.register("s", &Registration::new(v1())).unwrap();
    let spaced = v1().replace(',', " , ").replace(':', " : ");
    assert_eq!(
        state.register("s", &Registration::new(spaced)).unwrap(),
        first
    );
    assert_eq!(state.versions("s", false).unwrap(), vec![1]);
    // Another subject reuses the id but gets its own version 1.
    assert_eq!(
        state.register("other", &Registration::new(v1())).unwrap(),
        first
    );
    assert_eq!(state.versions("other", false).unwrap(), vec![1]);
    assert_eq!(state.schema_count(), 1);
    assert_eq!(
        state.subjects(false),
        vec!["other".to_owned(), "s".to_owned()]
    );
}

#[test]
fn lookup_finds_the_version_or_says_why_not() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    let found = state.lookup("s", &v1(), false).unwrap();
    assert_eq!(
        (found.subject.as_str(), found.version, found.id),
        ("s", 1, 1)
    );
    assert_eq!(
        code_of(state.lookup("nope", &v1(), false)),
        ErrorCode::SubjectNotFound
    );
    assert_eq!(
        code_of(state.lookup("s", &v2_added_with_default(), false)),
        ErrorCode::SchemaNotFound
    );
}

#[test]
fn error_codes_for_missing_things_and_bad_input() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    assert_eq!(
        code_of(state.versions("x", false)),
        ErrorCode::SubjectNotFound
    );
    assert_eq!(
        code_of(state.version("s", VersionSpec::Number(9), false)),
        ErrorCode::VersionNotFound
    );
    assert_eq!(
        code_of(state.schema_by_id(99, false)),
        ErrorCode::SchemaNotFound
    );
    assert_eq!(
        code_of(state.register("s", &Registration::new("{nope"))),
        ErrorCode::InvalidSchema
    );
    for bad in ["0", "-2", "abc", "1.5", ""] {
        assert_eq!(
            code_of(VersionSpec::parse(bad)),
            ErrorCode::InvalidVersion,
            "{bad}"
        );
    }
    assert_eq!(VersionSpec::parse("-1"), Ok(VersionSpec::Latest));
    assert_eq!(VersionSpec::parse("7"), Ok(VersionSpec::Number(7)));
}

#[test]
fn backward_refuses_a_new_field_without_default_and_forward_accepts_it() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    assert_eq!(
        state.effective_compatibility("s"),
        CompatibilityLevel::Backward
    );
    let err = state
        .register("s", &Registration::new(v2_added_without_default()))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::IncompatibleSchema);
    assert_eq!(err.code.http_status(), 409);
    assert!(
        !state
            .check_compatibility("s", Some(VersionSpec::Latest), &v2_added_without_default())
            .unwrap()
            .is_empty()
    );

    state.set_subject_compatibility("s", Some(CompatibilityLevel::Forward));
    assert!(
        state
            .check_compatibility("s", Some(VersionSpec::Latest), &v2_added_without_default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        state
            .register("s", &Registration::new(v2_added_without_default()))
            .unwrap(),
        2
    );

    state.set_subject_compatibility("s", Some(CompatibilityLevel::None));
    assert!(
        state
            .check_compatibility("s", None, r#""string""#)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn full_needs_both_directions() {
    let mut state = RegistryState::new();
    state.set_compatibility(CompatibilityLevel::Full);
    state.register("s", &Registration::new(v1())).unwrap();
    assert_eq!(
        code_of(state.register("s", &Registration::new(v2_added_without_default()))),
        ErrorCode::IncompatibleSchema
    );
    assert_eq!(
        state
            .register("s", &Registration::new(v2_added_with_default()))
            .unwrap(),
        2
    );
}

#[test]
fn transitive_levels_check_every_earlier_version() {
    // v1: a:int. v2: a:int, b:string (no default) under NONE. v3: b:string only.
    // v3 reads v2 data (backward vs latest) but not v1 data (v1 has no b).
    let v2 = v2_added_without_default();
    let v3 = record(r#"{"name":"b","type":"string"}"#);
    let build = |level| {
        let mut state = RegistryState::new();
        state.set_compatibility(CompatibilityLevel::None);
        state.register("s", &Registration::new(v1())).unwrap();
        state.register("s", &Registration::new(v2.clone())).unwrap();
        state.set_compatibility(level);
        state
    };
    let mut plain = build(CompatibilityLevel::Backward);
    assert!(
        plain
            .check_compatibility("s", None, &v3)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        plain.register("s", &Registration::new(v3.clone())).unwrap(),
        3
    );

    let mut transitive = build(CompatibilityLevel::BackwardTransitive);
    assert!(
        !transitive
            .check_compatibility("s", None, &v3)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        code_of(transitive.register("s", &Registration::new(v3.clone()))),
        ErrorCode::IncompatibleSchema
    );
    // Against a named version the check is not transitive.
    assert!(
        transitive
            .check_compatibility("s", Some(VersionSpec::Number(2)), &v3)
            .unwrap()
            .is_empty()
    );
    assert!(
        !transitive
            .check_compatibility("s", Some(VersionSpec::Number(1)), &v3)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn import_mode_keeps_explicit_ids_and_skips_compatibility() {
    let mut state = RegistryState::new();
    let err = state
        .register("alert-packet", &Registration::with_id(v1(), 1100))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OperationNotPermitted);

    state.set_mode(Mode::Import, false).unwrap();
    assert_eq!(
        state
            .register(
                "alert-packet",
                &Registration::with_id(v2_added_without_default(), 1100)
            )
            .unwrap(),
        1100
    );
    assert_eq!(
        state
            .register("alert-packet", &Registration::with_id(v1(), 1000))
            .unwrap(),
        1000
    );
    assert_eq!(
        state
            .register("alert-packet", &Registration::with_id(r#""string""#, 704))
            .unwrap(),
        704
    );
    assert_eq!(
        state.versions("alert-packet", false).unwrap(),
        vec![1, 2, 3]
    );
    assert_eq!(state.schema_by_id(1000, false).unwrap(), v1());
    // Re-registering the same schema is idempotent; another schema under a taken id is not.
    assert_eq!(
        state
            .register("alert-packet", &Registration::with_id(v1(), 1000))
            .unwrap(),
        1000
    );
    assert_eq!(
        code_of(state.register("x", &Registration::with_id(r#""long""#, 1100))),
        ErrorCode::OperationNotPermitted
    );
    // Back to READWRITE: new ids continue after the highest.
    state.set_mode(Mode::Readwrite, false).unwrap();
    state.set_compatibility(CompatibilityLevel::None);
    assert_eq!(
        state
            .register("y", &Registration::new(r#""double""#))
            .unwrap(),
        1101
    );
}

#[test]
fn import_on_a_non_empty_registry_needs_force_and_readonly_refuses_writes() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    assert_eq!(
        code_of(state.set_mode(Mode::Import, false)),
        ErrorCode::OperationNotPermitted
    );
    state.set_mode(Mode::Import, true).unwrap();
    assert_eq!(state.mode(), Mode::Import);
    state
        .set_subject_mode("s", Some(Mode::Readonly), false)
        .unwrap();
    assert_eq!(
        code_of(state.register("s", &Registration::new(v2_added_with_default()))),
        ErrorCode::OperationNotPermitted
    );
    assert_eq!(state.effective_mode("other"), Mode::Import);
}

#[test]
fn soft_then_permanent_delete() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    state
        .register("s", &Registration::new(v2_added_with_default()))
        .unwrap();
    assert_eq!(
        code_of(state.delete_subject("s", true)),
        ErrorCode::SubjectNotSoftDeleted
    );
    assert_eq!(state.delete_subject("s", false).unwrap(), vec![1, 2]);
    assert_eq!(
        code_of(state.delete_subject("s", false)),
        ErrorCode::SubjectSoftDeleted
    );
    assert!(state.subjects(false).is_empty());
    assert_eq!(state.subjects(true), vec!["s".to_owned()]);
    assert_eq!(
        code_of(state.versions("s", false)),
        ErrorCode::SubjectNotFound
    );
    assert_eq!(state.versions("s", true).unwrap(), vec![1, 2]);
    assert_eq!(
        code_of(state.schema_by_id(1, false)),
        ErrorCode::SchemaNotFound
    );
    assert_eq!(state.schema_by_id(1, true).unwrap(), v1());

    // Registering again continues the version numbers and keeps the id.
    assert_eq!(state.register("s", &Registration::new(v1())).unwrap(), 1);
    assert_eq!(state.versions("s", false).unwrap(), vec![3]);
    state.delete_subject("s", false).unwrap();
    assert_eq!(state.delete_subject("s", true).unwrap(), vec![1, 2, 3]);
    assert!(state.subjects(true).is_empty());
    assert_eq!(
        code_of(state.delete_subject("s", false)),
        ErrorCode::SubjectNotFound
    );
}

#[test]
fn subject_level_settings_fall_back_to_global() {
    let mut state = RegistryState::new();
    state.set_compatibility(CompatibilityLevel::None);
    assert_eq!(state.subject_compatibility("s"), None);
    state.set_subject_compatibility("s", Some(CompatibilityLevel::FullTransitive));
    assert_eq!(
        state.effective_compatibility("s"),
        CompatibilityLevel::FullTransitive
    );
    assert_eq!(state.effective_compatibility("t"), CompatibilityLevel::None);
    // A subject with only settings is not listed.
    assert!(state.subjects(true).is_empty());
    state.set_subject_compatibility("s", None);
    assert_eq!(state, {
        let mut fresh = RegistryState::new();
        fresh.set_compatibility(CompatibilityLevel::None);
        fresh
    });
}

#[test]
fn single_versions_are_deleted_soft_then_permanently() {
    let mut state = RegistryState::new();
    state.register("s", &Registration::new(v1())).unwrap();
    state
        .register("s", &Registration::new(v2_added_with_default()))
        .unwrap();
    assert_eq!(
        code_of(state.delete_version("s", VersionSpec::Number(1), true)),
        ErrorCode::VersionNotSoftDeleted
    );
    assert_eq!(
        state
            .delete_version("s", VersionSpec::Number(1), false)
            .unwrap(),
        1
    );
    assert_eq!(
        code_of(state.delete_version("s", VersionSpec::Number(1), false)),
        ErrorCode::VersionSoftDeleted
    );
    assert_eq!(state.versions("s", false).unwrap(), vec![2]);
    assert_eq!(state.versions("s", true).unwrap(), vec![1, 2]);
    assert_eq!(
        state
            .delete_version("s", VersionSpec::Number(1), true)
            .unwrap(),
        1
    );
    assert_eq!(state.versions("s", true).unwrap(), vec![2]);
    assert_eq!(
        code_of(state.delete_version("s", VersionSpec::Number(5), false)),
        ErrorCode::VersionNotFound
    );
    assert_eq!(
        state
            .delete_version("s", VersionSpec::Latest, false)
            .unwrap(),
        2
    );
    assert!(state.subjects(false).is_empty());
    assert_eq!(
        code_of(state.delete_version("s", VersionSpec::Latest, false)),
        ErrorCode::SubjectNotFound
    );
}

/// The schema sync job's steps: the import subject in IMPORT mode, an explicit id and
/// version, then the topic subject registered plainly.
fn import(state: &mut RegistryState, subject: &str, schema: &str, id: u32) -> u32 {
    state
        .set_subject_mode(subject, Some(Mode::Import), false)
        .unwrap();
    let request = Registration {
        schema: schema.to_owned(),
        id: Some(id),
        version: Some(id),
    };
    let got = state.register(subject, &request).unwrap();
    state
        .set_subject_mode(subject, Some(Mode::Readwrite), false)
        .unwrap();
    got
}

#[test]
fn a_permanent_delete_frees_the_ids_no_version_uses() {
    let mut state = RegistryState::new();
    state.set_compatibility(CompatibilityLevel::None);
    assert_eq!(import(&mut state, "other", r#""long""#, 1100), 1100);
    // While any version (even soft-deleted) holds 1100, another schema cannot take it.
    state.delete_subject("other", false).unwrap();
    let mut elsewhere = state.clone();
    elsewhere
        .set_subject_mode("alert-packet", Some(Mode::Import), false)
        .unwrap();
    assert_eq!(
        code_of(elsewhere.register("alert-packet", &Registration::with_id(v1(), 1100))),
        ErrorCode::OperationNotPermitted
    );
    state.delete_subject("other", true).unwrap();
    assert_eq!(state.schema_count(), 0);
    assert_eq!(import(&mut state, "alert-packet", &v1(), 1100), 1100);
    assert_eq!(state.schema_by_id(1100, false).unwrap(), v1());
    assert_eq!(state.versions("alert-packet", false).unwrap(), vec![1100]);
    // Assigned ids go on above the highest ever stored, even once it is deleted.
    state.delete_subject("alert-packet", false).unwrap();
    state.delete_subject("alert-packet", true).unwrap();
    assert_eq!(state.register("s", &Registration::new(v1())).unwrap(), 1101);
}

#[test]
fn a_plain_registration_reuses_the_id_registered_last() {
    let mut state = RegistryState::new();
    // An earlier run registered the schema under an assigned id.
    assert_eq!(
        state
            .register("alerts-value", &Registration::new(v1()))
            .unwrap(),
        1
    );
    // The sync job imports it under its fixed id in another subject...
    assert_eq!(import(&mut state, "alert-packet", &v1(), 1100), 1100);
    // ...and the topic subject, registered plainly, gets that id (Confluent's lookup by
    // schema hash holds the last registration).
    assert_eq!(
        state
            .register("lsst-alerts-v11.0-value", &Registration::new(v1()))
            .unwrap(),
        1100
    );
    // The earlier subject keeps its own id.
    assert_eq!(
        state
            .register("alerts-value", &Registration::new(v1()))
            .unwrap(),
        1
    );
}

#[test]
fn import_mode_on_a_subject_needs_no_live_versions_and_clears_soft_deleted_ones() {
    let mut state = RegistryState::new();
    state
        .register("alert-packet", &Registration::new(v1()))
        .unwrap();
    assert_eq!(
        code_of(state.set_subject_mode("alert-packet", Some(Mode::Import), false)),
        ErrorCode::OperationNotPermitted
    );
    state.delete_subject("alert-packet", false).unwrap();
    state
        .set_subject_mode("alert-packet", Some(Mode::Import), false)
        .unwrap();
    // The soft-deleted version is gone and with it id 1.
    assert!(state.versions("alert-packet", true).is_err());
    assert!(state.schema_by_id(1, true).is_err());
    // A subject already in IMPORT mode stays so, whatever it holds.
    let request = Registration {
        schema: v1(),
        id: Some(1100),
        version: Some(1100),
    };
    state.register("alert-packet", &request).unwrap();
    state
        .set_subject_mode("alert-packet", Some(Mode::Import), false)
        .unwrap();
    // The same import again is idempotent.
    assert_eq!(state.register("alert-packet", &request).unwrap(), 1100);
    assert_eq!(state.versions("alert-packet", false).unwrap(), vec![1100]);
}
