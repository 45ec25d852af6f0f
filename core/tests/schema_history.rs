//! The schema history against the official files, when they are present
//! beside the repository or on this machine: the derived 10.0 alert schema
//! has the same Parsing Canonical Form (as apache-avro computes it) as the
//! official `lsst.v10_0.alert` schema; and the facts about 7.4 that the
//! project documents but does not simulate (no 8.0 schema is in the
//! reference, and 7.4 is not re-expressed as project types) hold for the
//! official 7.4 and 10.0 files.

mod common;

use alertsim_core::alert::schema_history::{SchemaVersion, parse_schema};
use alertsim_core::registry::compat::{CompatibilityLevel, incompatibilities};
use apache_avro::Schema;
use common::{OFFICIAL_NAMED, official_alert, official_dir, read_official_json};
use serde_json::Value;

/// The named records of the official 7.4 schema.
const OFFICIAL_NAMED_7_4: [&str; 5] = [
    "diaSource",
    "diaForcedSource",
    "diaNondetectionLimit",
    "diaObject",
    "ssObject",
];

#[test]
fn derived_10_0_canonical_form_equals_the_official_files() {
    let Some(dir) = official_dir("10_0") else {
        eprintln!("official 10.0 schema files not found; skipping the comparison");
        return;
    };
    let alert = official_alert(&dir, "10_0", &OFFICIAL_NAMED);
    let official = Schema::parse_str(&alert.to_string()).expect("official 10.0 parses");
    let derived = parse_schema(SchemaVersion::V10_0).expect("derived 10.0 parses");
    assert_eq!(derived.canonical_form(), official.canonical_form());
    let v11 = parse_schema(SchemaVersion::V11_0).expect("11.0 parses");
    assert_ne!(derived.canonical_form(), v11.canonical_form());
}

fn top_level_fields(alert: &Value) -> Vec<(String, String)> {
    alert["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let name = f["name"].as_str().unwrap_or_default().to_owned();
            let kind = match &f["type"] {
                Value::String(s) => s.clone(),
                _ => "complex".to_owned(),
            };
            (name, kind)
        })
        .collect()
}

/// Every `lsst.vX_Y` in names and references becomes `lsst.v10_0`, so that
/// records are matched by name as Java Avro (and Confluent's registry) does.
fn one_namespace(json: &mut Value, from: &str) {
    match json {
        Value::String(text) if text.starts_with(from) => {
            *text = format!("lsst.v10_0{}", &text[from.len()..]);
        }
        Value::Object(map) => map.values_mut().for_each(|v| one_namespace(v, from)),
        Value::Array(items) => items.iter_mut().for_each(|v| one_namespace(v, from)),
        _ => {}
    }
}

#[test]
fn official_7_4_identifies_alerts_by_alert_id_and_no_registry_level_but_none_accepts_10_0_after_it()
{
    let (Some(dir74), Some(dir10)) = (official_dir("7_4"), official_dir("10_0")) else {
        eprintln!("official 7.4 or 10.0 schema files not found; skipping");
        return;
    };
    let v74 = read_official_json(&dir74, "7_4", "alert");
    let v10 = read_official_json(&dir10, "10_0", "alert");
    let fields74 = top_level_fields(&v74);
    let fields10 = top_level_fields(&v10);
    assert_eq!(fields74[0], ("alertId".to_owned(), "long".to_owned()));
    assert_eq!(fields10[0], ("diaSourceId".to_owned(), "long".to_owned()));
    let names = |f: &[(String, String)]| -> Vec<String> { f.iter().map(|x| x.0.clone()).collect() };
    let only74: Vec<String> = names(&fields74)
        .into_iter()
        .filter(|n| !names(&fields10).contains(n))
        .collect();
    assert_eq!(only74, ["alertId", "prvDiaNondetectionLimits", "ssObject"]);

    let mut old = official_alert(&dir74, "7_4", &OFFICIAL_NAMED_7_4);
    one_namespace(&mut old, "lsst.v7_4");
    let mut new = official_alert(&dir10, "10_0", &OFFICIAL_NAMED);
    one_namespace(&mut new, "lsst.v10_0");
    let old = Schema::parse_str(&old.to_string()).expect("official 7.4 parses");
    let new = Schema::parse_str(&new.to_string()).expect("official 10.0 parses");
    for level in CompatibilityLevel::ALL {
        let refused = !incompatibilities(level, &new, &[&old]).is_empty();
        assert_eq!(refused, level != CompatibilityLevel::None, "{level:?}");
    }
}
