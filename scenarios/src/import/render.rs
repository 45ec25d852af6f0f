//! The imported scenario as TOML text: every key set says where its value
//! came from; comment blocks list the keys that kept their defaults, the
//! facts the scenario format cannot hold yet, the objects ignored and the
//! keys repeated in the manifests.

use std::fmt::Write as _;

use super::Imported;
use super::assign::Assignment;

/// Section order of the scenario file.
const SECTIONS: [&str; 8] = [
    "night",
    "redis",
    "scaler",
    "cluster",
    "workers",
    "kafka",
    "schema_registry",
    "archive",
];

/// The scenario file.
pub fn render(i: &Imported) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Scenario imported by `alertsim scenarios import` (alertsim {}) from",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "# rendered Kubernetes manifests:");
    for file in i
        .files
        .iter()
        .filter(|f| !i.not_objects.iter().any(|(n, _)| n == *f))
    {
        let _ = writeln!(out, "#   {file}");
    }
    out.push_str(
        "# Every value below names where it came from: Kind/name field (file:line).\n\
         # Keys not written keep their documented defaults (scenarios/SCENARIO.md);\n\
         # the ones looked for and not found are listed under \"kept defaults\".\n",
    );
    let _ = writeln!(out, "name = {}", toml::Value::String(i.name.clone()));
    let _ = writeln!(
        out,
        "description = {}",
        toml::Value::String(i.description.clone())
    );
    for section in SECTIONS {
        let set: Vec<&Assignment> = i
            .assignments
            .set
            .iter()
            .filter(|a| a.key.split('.').next() == Some(section))
            .collect();
        if set.is_empty() && section != "night" {
            continue;
        }
        let _ = writeln!(out, "\n[{section}]");
        if section == "night" {
            out.push_str(
                "# visits, cadence, gaps and alert counts are not in the manifests: documented defaults\n",
            );
        }
        for a in set {
            let key = a.key.split_once('.').map_or(a.key.as_str(), |(_, k)| k);
            let note = a
                .note
                .as_deref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default();
            let _ = writeln!(out, "{key} = {}  # {}{note}", a.value, a.source);
        }
    }
    for reader in &i.assignments.readers {
        let _ = writeln!(out, "\n[[consumers]]");
        let _ = writeln!(
            out,
            "name = {}  # {}: may read the alert topic; throughput and fetch latency: documented defaults",
            toml::Value::String(reader.name.clone()),
            reader.source
        );
    }
    comments(i, &mut out);
    out
}

fn comments(i: &Imported, out: &mut String) {
    out.push_str("\n# ---- kept defaults: looked for in the manifests, not found ----\n");
    if i.assignments.readers.is_empty() {
        out.push_str(
            "# consumers: no KafkaUser may read the alert topic; the nine default consumers stay\n",
        );
    }
    for r in &i.assignments.wildcard_readers {
        let _ = writeln!(
            out,
            "# consumers: {} may read every topic (`*`) and is not counted as a consumer ({})",
            r.name, r.source
        );
    }
    for k in &i.assignments.kept {
        let _ = writeln!(out, "# {}: {}", k.key, k.reason);
    }
    out.push_str(
        "\n# ---- not modelled yet: read from the manifests; the scenario format has no key for these ----\n",
    );
    for o in &i.not_modelled {
        let _ = writeln!(out, "# {} ({}:{})", o.id, o.file, o.line);
        for f in &o.fields {
            let value = f.value.as_deref().unwrap_or("(absent)");
            let _ = writeln!(out, "#   {} = {value}", f.path);
        }
    }
    for note in &i.absent_objects {
        let _ = writeln!(out, "# {note}");
    }
    if !i.ignored.is_empty() || !i.not_objects.is_empty() {
        out.push_str("\n# ---- ignored: kinds alertsim does not read ----\n");
        for o in &i.ignored {
            let _ = writeln!(out, "# {o}");
        }
        for (file, line) in &i.not_objects {
            let _ = writeln!(
                out,
                "# {file}:{line}: a YAML document without `kind` (not a Kubernetes object)"
            );
        }
    }
    if !i.duplicates.is_empty() {
        out.push_str("\n# ---- keys repeated in one mapping (the last value wins, as in Helm and kubectl) ----\n");
        for d in &i.duplicates {
            let _ = writeln!(out, "# {d}");
        }
    }
}
