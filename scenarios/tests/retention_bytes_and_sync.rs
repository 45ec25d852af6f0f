//! `kafka.retention_bytes`, `schema_registry.sync_missing_s` and the
//! `registry_sync` fault: loaded from TOML with their defaults, and bad
//! values refused at their line.

use alertsim_scenarios::{Fault, Origin, Scenario, ScenarioError};

fn load_err(text: &str) -> ScenarioError {
    match Scenario::from_str(text, "bad.toml") {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e,
    }
}

/// The first diagnostic's line and text.
fn line_of(e: &ScenarioError) -> (usize, String) {
    let d = e
        .diagnostics()
        .first()
        .unwrap_or_else(|| panic!("no diagnostic in {e}"));
    match &d.origin {
        Origin::File { file, line, .. } => {
            assert_eq!(file, "bad.toml");
            (*line, d.to_string())
        }
        Origin::Override { argument } => panic!("unexpected --set {argument}"),
    }
}

#[test]
fn defaults_are_no_size_limit_and_a_five_second_sync_window() {
    let s = Scenario::default();
    assert_eq!(s.kafka.retention_bytes, None);
    assert_eq!(s.schema_registry.sync_missing_s, 5.0);
    // Unset, it stays out of the written scenario.
    assert!(!s.to_toml().contains("retention_bytes"), "{}", s.to_toml());
}

#[test]
fn retention_bytes_and_a_registry_sync_load() {
    let s = Scenario::from_str(
        "[kafka]\nretention_bytes = 300000000000\n\n\
         [schema_registry]\nsync_missing_s = 12.5\n\n\
         [[faults]]\nkind = \"registry_sync\"\nat_s = 600\n",
        "f.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.kafka.retention_bytes, Some(300_000_000_000));
    assert_eq!(s.schema_registry.sync_missing_s, 12.5);
    assert_eq!(s.faults[0], Fault::RegistrySync { at_s: 600.0 });
    assert_eq!(s.faults[0].kind(), "registry_sync");
    assert_eq!(s.faults[0].window_s(), (600.0, 600.0));
    let again = Scenario::from_str(&s.to_toml(), "again.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
}

#[test]
fn zero_or_negative_retention_bytes_is_refused_at_its_line() {
    for value in ["0", "-1"] {
        let e = load_err(&format!(
            "[kafka]\npartitions = 45\nretention_bytes = {value}\n"
        ));
        let (line, text) = line_of(&e);
        assert_eq!(line, 3, "{text}");
        assert!(text.contains("retention_bytes"), "{text}");
    }
    let e = load_err("[kafka]\nretention_bytes = -1\n");
    assert!(
        e.to_string()
            .contains("leave the key out for no size limit"),
        "{e}"
    );
}

#[test]
fn a_negative_sync_window_is_refused_at_its_line() {
    let e = load_err("[schema_registry]\nsync_missing_s = -1\n");
    let (line, text) = line_of(&e);
    assert_eq!(line, 2, "{text}");
    assert!(text.contains("schema_registry.sync_missing_s"), "{text}");
}
