//! Where the reference manifests are (`../shared/reference/manifests/`
//! beside the repository, read and never copied into the project) and how
//! to load and import them in tests. Under `CI=true` a missing fixture fails
//! the test instead of skipping it.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use alertsim_scenarios::import::{ImportOptions, Imported, import};
use alertsim_scenarios::manifests::{InputFile, Manifests};

/// The fixture directory, or `None` (the caller skips) when it is absent
/// outside CI.
pub fn fixtures() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/manifests");
    let machine = PathBuf::from("/work/shared/reference/manifests");
    let found = [beside, machine]
        .into_iter()
        .find(|d| d.join("facts.tsv").is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "the reference manifests (../shared/reference/manifests/facts.tsv) are missing"
        );
        eprintln!("skipped: the reference manifests are not beside the repository");
    }
    found
}

/// The YAML files of one set (`defective` or `corrected`), without the
/// values files, as (name, text).
pub fn set_files(dir: &Path, set: &str) -> Vec<InputFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(set))
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    paths.sort();
    paths
        .into_iter()
        .map(|p| InputFile {
            name: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            text: std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        })
        .collect()
}

/// Parses files.
pub fn load(files: &[InputFile]) -> Manifests {
    Manifests::from_inputs(files).unwrap_or_else(|e| panic!("{e}"))
}

/// Imports files.
pub fn import_files(files: &[InputFile]) -> Imported {
    let options = ImportOptions {
        name: "imported".to_owned(),
        scaled_job: None,
    };
    import(&load(files), &options).unwrap_or_else(|e| panic!("{e}"))
}

/// One row of facts.tsv.
#[derive(Debug, Clone)]
pub struct Fact {
    /// File.
    pub file: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Field (facts notation).
    pub field: String,
    /// Value in the defective set.
    pub defective: String,
    /// Value in the corrected set.
    pub corrected: String,
}

/// The rows of facts.tsv.
pub fn facts(dir: &Path) -> Vec<Fact> {
    let text = std::fs::read_to_string(dir.join("facts.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let col = |i: usize| c.get(i).copied().unwrap_or_default().to_owned();
            Fact {
                file: col(0),
                kind: col(1),
                name: col(2),
                field: col(3),
                defective: col(4),
                corrected: col(5),
            }
        })
        .collect()
}

/// A facts-table value in the importer's notation (`1.048576e+07 (float
/// 10485760)` is shown as 10485760).
pub fn normalise(value: &str) -> String {
    match value.split_once(" (float ") {
        Some((_, n)) => n.trim_end_matches(')').to_owned(),
        None => value.to_owned(),
    }
}

/// The lines of the not-modelled block for one object, `path = value`.
pub fn block_of(text: &str, object: &str) -> Vec<String> {
    let header = format!("# {object} (");
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with(&header) {
            inside = true;
            continue;
        }
        if inside {
            match line.strip_prefix("#   ") {
                Some(rest) => out.push(rest.to_owned()),
                None => inside = false,
            }
        }
    }
    out
}

/// True when the block reports `field = value`, directly or inside the
/// value of an ancestor path (`acls[0].resource = {..., name: "*"}`).
pub fn block_has(block: &[String], field: &str, value: &str) -> bool {
    block.iter().any(|line| {
        let Some((path, shown)) = line.split_once(" = ") else {
            return false;
        };
        if path == field {
            return shown == value;
        }
        let rest = field.strip_prefix(path);
        match rest {
            Some(r) if r.starts_with('.') => {
                let key = r.trim_start_matches('.');
                !key.contains('.') && shown.contains(&format!("{key}: {value}"))
            }
            _ => false,
        }
    })
}
