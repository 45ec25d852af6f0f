//! A changed value in any manifest shows up in the imported scenario: for
//! every scalar fact of `facts.tsv` (and the first item of each list
//! fact), the value is rewritten in the manifest text and the import must
//! show the new value (as a scenario key or in the not-modelled block);
//! for the values the scenario holds, proptest draws the new numbers and
//! the parsed scenario must carry them.

mod common;

use alertsim_scenarios::Scenario;
use alertsim_scenarios::manifests::{InputFile, Node};
use common::{facts, fixtures, import_files, load, set_files};
use proptest::prelude::*;

/// Replaces the scalar starting at (line, column) with `new`.
fn rewrite(text: &str, line: usize, column: usize, new: &str) -> String {
    let mut out = String::with_capacity(text.len() + new.len());
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 != line {
            out.push_str(l);
            continue;
        }
        let start: usize = l.chars().take(column - 1).map(char::len_utf8).sum();
        let rest = &l[start..];
        let len = if let Some(q) = rest.strip_prefix('"') {
            q.find('"').map_or(rest.len(), |i| i + 2)
        } else {
            let end = rest.find(" #").unwrap_or(rest.len());
            let token = rest[..end].trim_end_matches(['\n', '\r']);
            let token = token.split([',', ']']).next().unwrap_or(token);
            token.trim_end().len()
        };
        out.push_str(&l[..start]);
        out.push_str(new);
        out.push_str(&rest[len..]);
    }
    out
}

/// A different value in the same notation.
fn changed_value(node: &Node) -> String {
    let s = node
        .scalar()
        .map(|s| (s.text.clone(), s.plain))
        .unwrap_or_default();
    let (text, plain) = s;
    let new = if let Some(i) = node.as_i64() {
        (i + 7).to_string()
    } else if text == "true" || text == "false" {
        if text == "true" {
            "false".into()
        } else {
            "true".into()
        }
    } else {
        format!("{text}-m")
    };
    if plain { new } else { format!("{new:?}") }
}

#[test]
fn every_fact_changed_in_the_manifests_shows_up_in_the_import() {
    let Some(dir) = fixtures() else { return };
    let files = set_files(&dir, "defective");
    let before = import_files(&files).text;
    let manifests = load(&files);
    let mut checked = 0;
    let mut failures = Vec::new();
    for f in facts(&dir) {
        if f.field.contains("(embedded YAML)") || f.defective == "(absent)" || f.defective == "null"
        {
            continue;
        }
        let Some(object) = manifests.get(&f.kind, &f.name) else {
            failures.push(format!("{}/{} not found", f.kind, f.name));
            continue;
        };
        let Some(mut node) = object.at(&f.field) else {
            failures.push(format!("{}/{} {} not found", f.kind, f.name, f.field));
            continue;
        };
        if let Some(first) = node.items().first() {
            node = first;
        }
        if node.scalar().is_none() {
            continue; // a map: its scalar members are facts of their own or shown whole
        }
        let new = changed_value(node);
        let mut mutated: Vec<InputFile> = files.clone();
        for file in mutated.iter_mut().filter(|x| x.name == object.file) {
            file.text = rewrite(&file.text, node.line, node.column, &new);
        }
        let after = import_files(&mutated).text;
        let shown = new.trim_matches('"').to_lowercase();
        if after == before || !after.to_lowercase().contains(&shown) {
            failures.push(format!(
                "{}/{} {}: changed to {new}, not in the import",
                f.kind, f.name, f.field
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 150, "{checked} facts changed");
}

#[test]
fn a_detector_switched_off_changes_the_active_count() {
    let Some(dir) = fixtures() else { return };
    let mut files = set_files(&dir, "defective");
    for f in files
        .iter_mut()
        .filter(|f| f.name == "next-visit-fan-out.yaml")
    {
        // The first LSSTCam detector listed as on ("2": true under LSSTCam).
        let lsst = f.text.find("      LSSTCam:\n").unwrap_or(0);
        let at = f.text[lsst..]
            .find("\"2\": true")
            .map(|i| lsst + i)
            .unwrap_or(0);
        f.text.replace_range(at..at + 9, "\"2\": false");
    }
    let s = import_files(&files)
        .scenario()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.night.detectors, s.night.active_detectors), (189, 171));
}

fn scenario_with(files: &[InputFile], file: &str, after: &str, from: &str, to: &str) -> Scenario {
    let mut files = files.to_vec();
    for f in files.iter_mut().filter(|f| f.name == file) {
        let mut start = 0;
        for anchor in after.split("||") {
            start += f.text[start..].find(anchor).unwrap_or(0);
        }
        let at = f.text[start..].find(from).map(|i| start + i).unwrap_or(0);
        f.text.replace_range(at..at + from.len(), to);
    }
    import_files(&files)
        .scenario()
        .unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10))]

    #[test]
    fn held_values_follow_the_manifests(
        max in 200u32..5000,
        min in 0u32..100,
        poll in 1u32..60,
        restart in 0u32..50,
        partitions in 1u32..400,
        brokers in 3u32..12,
        cpu_milli in 100u32..4000,
    ) {
        let Some(dir) = fixtures() else { return Ok(()) };
        let files = set_files(&dir, "defective");
        let s = scenario_with(&files, "prompt-keda.yaml", "kind: ScaledJob", "maxReplicaCount: 1700", &format!("maxReplicaCount: {max}"));
        prop_assert_eq!(s.scaler.max_replicas, max);
        let s = scenario_with(&files, "prompt-keda.yaml", "kind: ScaledJob", "minReplicaCount: 3", &format!("minReplicaCount: {min}"));
        prop_assert_eq!(s.scaler.min_replicas, min);
        let s = scenario_with(&files, "prompt-keda.yaml", "kind: ScaledJob", "pollingInterval: 2", &format!("pollingInterval: {poll}"));
        prop_assert_eq!(s.scaler.polling_interval_s, f64::from(poll));
        let s = scenario_with(&files, "prompt-keda.yaml", "WORKER_RESTART_FREQ", "value: \"10\"", &format!("value: \"{restart}\""));
        prop_assert_eq!(s.workers.restart_freq, restart);
        let s = scenario_with(&files, "alert-brokers.yaml", "name: lsst-alerts-v11", "partitions: 45", &format!("partitions: {partitions}"));
        prop_assert_eq!(s.kafka.partitions, partitions);
        let s = scenario_with(&files, "sasquatch-kafka.yaml", "name: kafka\n", "replicas: 5", &format!("replicas: {brokers}"));
        prop_assert_eq!(s.kafka.brokers, brokers);
        let s = scenario_with(&files, "prompt-keda.yaml", "kind: ScaledJob||requests:", "cpu: \"1\"", &format!("cpu: {cpu_milli}m"));
        prop_assert!((s.cluster.pod_cpu - f64::from(cpu_milli) / 1000.0).abs() < 1e-9);
    }
}
