//! Guards the crate's layering (see the `# Layering` section of `src/lib.rs`):
//! reads every source file, resolves its `crate::`, `super::` and `self::`
//! paths to the files they name, and fails on an import that runs up a floor
//! (metrics importing the report, say) or on files importing each other in a
//! loop. Unit tests (`#[cfg(test)]` and below) and comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floor of each top-level module; an import must go to a lower floor
/// or stay within its own module.
const FLOORS: &[(&str, u32)] = &[
    ("bounded_read", 1),
    ("chart", 1),
    ("human", 0),
    ("number", 1),
    ("schema", 1),
    ("fields", 1),
    ("metrics", 2),
    ("gates", 3),
    ("report", 4),
    ("fidelity", 5),
    ("output", 6),
    ("compare", 6),
    // The crate root re-exports everything; nothing may import through it.
    ("", 7),
];

/// A module path (`["metrics", "recorder"]`) and the file that holds it.
type Modules = BTreeMap<Vec<String>, PathBuf>;
/// File -> the files it imports from.
type Graph = BTreeMap<PathBuf, BTreeSet<PathBuf>>;

#[test]
fn imports_run_down_the_floors_and_never_in_a_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let graph = graph(&modules);

    // The check must see the crate's real imports, or it proves nothing.
    let file = |m: &str| src.join(m);
    assert!(
        graph[&file("report.rs")].contains(&file("metrics/recorder.rs")),
        "report.rs -> metrics/recorder.rs not seen: {graph:#?}"
    );
    assert!(
        graph[&file("output/junit.rs")].contains(&file("output/files.rs")),
        "output/junit.rs -> output/files.rs not seen: {graph:#?}"
    );

    let floor_of = |path: &Path| {
        let relative = path.strip_prefix(&src).unwrap_or(path);
        let top = match relative.components().next() {
            Some(c) if relative != Path::new("lib.rs") => c.as_os_str().to_string_lossy(),
            _ => "".into(),
        };
        let top = top.trim_end_matches(".rs").to_owned();
        let floor = FLOORS.iter().find(|(name, _)| *name == top).map(|f| f.1);
        (top, floor)
    };
    let short = |p: &Path| p.strip_prefix(&src).unwrap_or(p).display().to_string();
    let mut problems = Vec::new();
    for (from, targets) in &graph {
        let (from_top, from_floor) = floor_of(from);
        let from_floor = from_floor.unwrap_or_else(|| {
            panic!(
                "{}: module `{from_top}` has no floor in FLOORS",
                from.display()
            )
        });
        for to in targets {
            let (to_top, to_floor) = floor_of(to);
            if to_top != from_top && to_floor.is_none_or(|f| f >= from_floor) {
                problems.push(format!(
                    "runs up: {} (floor {from_floor}) imports {} (floor {})",
                    short(from),
                    short(to),
                    to_floor.map_or_else(|| "none".to_owned(), |f| f.to_string())
                ));
            }
        }
    }
    for cycle in cycles(&graph) {
        let files: Vec<String> = cycle.iter().map(|p| short(p)).collect();
        problems.push(format!("loop: {}", files.join(" -> ")));
    }
    assert!(
        problems.is_empty(),
        "imports against the layering of src/lib.rs:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_sees_grouped_and_relative_paths_and_finds_a_loop() {
    let mut paths = Vec::new();
    uses(
        "use crate::metrics::{latency::X, series::{self, Y}};\n\
         pub(in crate::gates) fn f() { super::z::g(); self::w::h() }\n\
         // crate::report::Report in a comment\n",
        &mut paths,
    );
    let shown: Vec<String> = paths
        .iter()
        .map(|(base, p)| format!("{base}::{}", p.join("::")))
        .collect();
    assert_eq!(
        shown,
        [
            "crate::metrics::latency::X",
            "crate::metrics::series",
            "crate::metrics::series::Y",
            "super::z::g",
            "self::w::h",
        ]
    );

    let p = PathBuf::from;
    let graph: Graph = [
        (p("a"), BTreeSet::from([p("b")])),
        (p("b"), BTreeSet::from([p("c")])),
        (p("c"), BTreeSet::from([p("a")])),
        (p("d"), BTreeSet::from([p("a")])),
    ]
    .into();
    assert_eq!(cycles(&graph), [vec![p("a"), p("b"), p("c"), p("a")]]);
}

/// Every module of the crate under `src`, by path.
fn modules(src: &Path) -> Modules {
    let mut modules = Modules::new();
    let mut dirs = vec![src.to_owned()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                modules.insert(module_of(src, &path), path);
            }
        }
    }
    modules
}

/// `src/metrics/recorder.rs` -> `["metrics", "recorder"]`; `lib.rs` and
/// `mod.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "mod")) {
        parts.pop();
    }
    parts
}

/// The import graph between the files of `modules`.
fn graph(modules: &Modules) -> Graph {
    let mut graph = Graph::new();
    for (module, file) in modules {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut paths = Vec::new();
        uses(code, &mut paths);
        let targets = graph.entry(file.clone()).or_default();
        for (base, path) in paths {
            let mut full: Vec<String> = match base {
                "crate" => Vec::new(),
                "self" => module.clone(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            full.extend(path.iter().cloned());
            // The longest prefix that is a module is the file imported from.
            let target = (0..=full.len())
                .rev()
                .find_map(|n| modules.get(&full[..n]))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: cannot resolve {base}::{}",
                        file.display(),
                        path.join("::")
                    )
                });
            if target != file {
                targets.insert(target.clone());
            }
        }
    }
    graph
}

/// Appends every `crate::`, `super::` and `self::` path of `code` (comments
/// and `pub(in ...)` left out; use groups expanded) as (base, segments).
fn uses(code: &str, out: &mut Vec<(&'static str, Vec<String>)>) {
    let code: String = code
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    for base in ["crate", "super", "self"] {
        let needle = format!("{base}::");
        let mut from = 0;
        while let Some(found) = code[from..].find(&needle) {
            let at = from + found;
            from = at + needle.len();
            let boundary = at == 0
                || !(bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':');
            if !boundary || code[..at].trim_end().ends_with("(in") {
                continue;
            }
            tree(&code[from..], Vec::new(), base, out);
        }
    }
}

/// Reads one use tree (`a::b`, `a::{b, c::d}`) from the start of `text`
/// under `prefix`, and returns the bytes it read.
fn tree(
    text: &str,
    prefix: Vec<String>,
    base: &'static str,
    out: &mut Vec<(&'static str, Vec<String>)>,
) -> usize {
    let mut path = prefix;
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let ident_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if ident_len > 0 {
            let ident = &rest[..ident_len];
            at += ident_len;
            if ident != "self" {
                path.push(ident.to_owned());
            }
            if text[at..].starts_with("::") {
                at += 2;
                continue;
            }
            out.push((base, path));
            return at;
        }
        if rest.starts_with('{') {
            at += 1;
            loop {
                at += text[at..].len() - text[at..].trim_start().len();
                if text[at..].starts_with('}') {
                    return at + 1;
                }
                at += tree(&text[at..], path.clone(), base, out);
                // Skip an `as Name` and the comma.
                let end = text[at..].find([',', '}']).map_or(text.len(), |i| at + i);
                at = if text[end..].starts_with(',') {
                    end + 1
                } else {
                    end
                };
            }
        }
        // `*` or anything else ends the path here.
        out.push((base, path));
        return at;
    }
}

/// Loops of `graph` found by a depth-first walk (at least one through every
/// set of files that import each other), each as the files along it and
/// back to the first.
fn cycles(graph: &Graph) -> Vec<Vec<PathBuf>> {
    fn visit(
        node: &PathBuf,
        graph: &Graph,
        stack: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
        found: &mut Vec<Vec<PathBuf>>,
    ) {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.clone());
            found.push(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, stack, done, found);
        }
        stack.pop();
        done.insert(node.clone());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}
