//! The derived 10.0 alert schema has the same Parsing Canonical Form (as
//! apache-avro computes it) as the official `lsst.v10_0.alert` schema, when
//! the official files are present beside the repository or on this machine.

use alertsim_core::alert::schema_history::{SchemaVersion, parse_schema};
use apache_avro::Schema;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const OFFICIAL_NAMED: [&str; 5] = [
    "diaSource",
    "diaForcedSource",
    "diaObject",
    "ssSource",
    "mpc_orbits",
];

fn official_dir() -> Option<PathBuf> {
    let beside_repo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/alert-schemas/10_0");
    let on_this_machine = PathBuf::from("/work/shared/reference/alert-schemas/10_0");
    [beside_repo, on_this_machine]
        .into_iter()
        .find(|dir| dir.join("lsst.v10_0.alert.avsc").is_file())
}

fn read_json(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(format!("lsst.v10_0.{name}.avsc")))
        .unwrap_or_else(|e| panic!("reading {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// Replaces the first reference to each named record by its definition, so
/// the alert schema is self-contained.
fn inline_named(json: &mut Value, named: &BTreeMap<String, Value>, defined: &mut Vec<String>) {
    match json {
        Value::String(name) if named.contains_key(name.as_str()) && !defined.contains(name) => {
            defined.push(name.clone());
            let mut definition = named[name.as_str()].clone();
            inline_named(&mut definition, named, defined);
            *json = definition;
        }
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| inline_named(v, named, defined)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| inline_named(v, named, defined)),
        _ => {}
    }
}

#[test]
fn derived_10_0_canonical_form_equals_the_official_files() {
    let Some(dir) = official_dir() else {
        eprintln!("official 10.0 schema files not found; skipping the comparison");
        return;
    };
    let named: BTreeMap<String, Value> = OFFICIAL_NAMED
        .iter()
        .map(|name| (format!("lsst.v10_0.{name}"), read_json(&dir, name)))
        .collect();
    let mut alert = read_json(&dir, "alert");
    inline_named(&mut alert, &named, &mut Vec::new());
    let official = Schema::parse_str(&alert.to_string()).expect("official 10.0 parses");
    let derived = parse_schema(SchemaVersion::V10_0).expect("derived 10.0 parses");
    assert_eq!(derived.canonical_form(), official.canonical_form());
    let v11 = parse_schema(SchemaVersion::V11_0).expect("11.0 parses");
    assert_ne!(derived.canonical_form(), v11.canonical_form());
}
