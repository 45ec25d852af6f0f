//! Shared by the test binaries that compare the project's schemas with the
//! official alert schema files: where those files are and how to read them.
//! The files are read, never copied into the project (see
//! `shared/reference/alert-schemas/PROVENANCE.txt`).

#![allow(dead_code)] // each test binary uses a different part

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The named records of the official 10.0 and 11.0 schemas, each in its own
/// `lsst.vX_Y.NAME.avsc` file beside `lsst.vX_Y.alert.avsc`.
pub const OFFICIAL_NAMED: [&str; 5] = [
    "diaSource",
    "diaForcedSource",
    "diaObject",
    "ssSource",
    "mpc_orbits",
];

/// Whether a missing input must fail the test rather than skip it: under
/// `CI=true` every reference file and tool is expected to be there.
pub fn must_not_skip() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips a test (returns `None`) for a missing input, or fails it under
/// `CI=true`.
pub fn skip_unless_ci<T>(what: &str) -> Option<T> {
    assert!(
        !must_not_skip(),
        "{what} is missing, and CI=true does not allow skipping"
    );
    eprintln!("{what} not found: skipped");
    None
}

/// The directory of the official files of `version` (`"11_0"`, `"10_0"`,
/// `"7_4"`): beside the repository, or on this machine; `None` when absent
/// (a failure under `CI=true`).
pub fn official_dir(version: &str) -> Option<PathBuf> {
    let relative = format!("shared/reference/alert-schemas/{version}");
    let beside_repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(&relative);
    let on_this_machine = PathBuf::from("/work").join(&relative);
    let alert = format!("lsst.v{version}.alert.avsc");
    [beside_repo, on_this_machine]
        .into_iter()
        .find(|dir| dir.join(&alert).is_file())
        .or_else(|| skip_unless_ci(&format!("the official {version} alert schema ({relative})")))
}

/// The text of `lsst.v{version}.{name}.avsc` in `dir`.
pub fn read_official(dir: &Path, version: &str, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("lsst.v{version}.{name}.avsc")))
        .unwrap_or_else(|e| panic!("reading {version} {name}: {e}"))
}

/// The same, parsed as JSON.
pub fn read_official_json(dir: &Path, version: &str, name: &str) -> Value {
    let text = read_official(dir, version, name);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{version} {name} is not JSON: {e}"))
}

/// Replaces the first reference to each named record by its definition, so
/// an alert schema split over several files becomes self-contained.
pub fn inline_named(json: &mut Value, named: &BTreeMap<String, Value>, defined: &mut Vec<String>) {
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

/// The official alert schema of `version` with `named` records inlined, as
/// one JSON value.
pub fn official_alert(dir: &Path, version: &str, named: &[&str]) -> Value {
    let records: BTreeMap<String, Value> = named
        .iter()
        .map(|name| {
            (
                format!("lsst.v{version}.{name}"),
                read_official_json(dir, version, name),
            )
        })
        .collect();
    let mut alert = read_official_json(dir, version, "alert");
    inline_named(&mut alert, &records, &mut Vec::new());
    alert
}
