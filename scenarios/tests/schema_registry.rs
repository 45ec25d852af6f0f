//! `[schema_registry]`, `[[schema_changes]]` versions and consumer reader
//! versions load, round-trip and are rejected with file, line and the
//! expected value.

use alertsim_scenarios::{Origin, Scenario, ScenarioError};

fn load_err(text: &str) -> ScenarioError {
    match Scenario::from_str(text, "bad.toml") {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e,
    }
}

fn first_line_and_text(e: &ScenarioError) -> (usize, String) {
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
fn defaults_are_none_as_in_production_and_11_0() {
    let s = Scenario::default();
    assert_eq!(s.schema_registry.compatibility, "NONE");
    assert_eq!(s.schema_registry.start_version, "11.0");
    assert!(s.consumers.iter().all(|c| c.reader_version.is_none()));
}

#[test]
fn schema_upgrade_catalogue_scenario_loads_and_round_trips() {
    let s = Scenario::resolve("schema-upgrade", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.schema_changes.len(), 2);
    assert_eq!(s.consumers[1].reader_version.as_deref(), Some("10.0"));
    assert_eq!(s.consumers[2].reader_upgrade_to.as_deref(), Some("10.0"));
    let again = Scenario::from_str(&s.to_toml(), "s.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
}

#[test]
fn unknown_compatibility_level_names_line_and_levels() {
    let e = load_err("[schema_registry]\ncompatibility = \"SIDEWAYS\"\n");
    let (line, text) = first_line_and_text(&e);
    assert_eq!(line, 2, "{text}");
    assert!(text.contains("BACKWARD_TRANSITIVE"), "{text}");
}

#[test]
fn unsimulated_versions_are_rejected_where_they_are_written() {
    let e = load_err("[[schema_changes]]\nat_s = 1\nversion = \"7.4\"\n");
    let (line, text) = first_line_and_text(&e);
    assert_eq!(line, 3, "{text}");
    assert!(text.contains("\"10.0\" or \"11.0\""), "{text}");

    let e = load_err("[[consumers]]\nname = \"a\"\nreader_version = \"8.0\"\n");
    let (line, text) = first_line_and_text(&e);
    assert_eq!(line, 3, "{text}");
}

#[test]
fn a_reader_upgrade_needs_both_time_and_version() {
    let e = load_err("[[consumers]]\nname = \"a\"\nreader_upgrade_to = \"10.0\"\n");
    assert!(e.to_string().contains("reader_upgrade_at_s"), "{e}");
}
