//! A YAML tree with positions, built from `granit-parser`'s events, that
//! takes what real `helm template` output contains: several documents per
//! file, anchors and aliases, merge keys (`<<`), a key repeated in one
//! mapping (kept once, last value wins as in go-yaml v2, which Helm, kubectl
//! and Argo CD use; every repetition is recorded so the lint can report the
//! ones whose values differ), and numbers written as floats
//! (`1.048576e+07`). Scalars keep their text and whether they were quoted;
//! they are typed when read, so `"1"` in a KEDA trigger reads as 1 where a
//! number is wanted and stays a string where one is shown.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, ScanError};

/// A node and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line of the node's first character.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar, typed when read.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in document order, each key once.
    Map(Vec<Entry>),
}

/// One key of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text (keys that are not scalars are shown as `?`).
    pub key: String,
    /// 1-based line of the key.
    pub key_line: usize,
    /// The value (the last one written when the key is repeated).
    pub value: Node,
}

/// A scalar as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The text after YAML escape processing.
    pub text: String,
    /// True for a plain (unquoted, untagged, not block) scalar, the only
    /// kind that can be a null, a boolean or a number.
    pub plain: bool,
}

/// What a plain scalar resolves to (YAML 1.2 core schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// Empty, `~` or `null`.
    Null,
    /// `true` / `false`.
    Bool,
    /// An integer.
    Int,
    /// A floating-point number.
    Float,
    /// Anything else, or any quoted scalar.
    Str,
}

impl Scalar {
    /// What the scalar resolves to.
    pub fn kind(&self) -> ScalarKind {
        if !self.plain {
            return ScalarKind::Str;
        }
        let t = self.text.as_str();
        if matches!(t, "" | "~" | "null" | "Null" | "NULL") {
            ScalarKind::Null
        } else if matches!(t, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
            ScalarKind::Bool
        } else if t.parse::<i64>().is_ok() {
            ScalarKind::Int
        } else if looks_like_float(t) {
            ScalarKind::Float
        } else {
            ScalarKind::Str
        }
    }
}

fn looks_like_float(t: &str) -> bool {
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && t.parse::<f64>().is_ok()
}

/// A repeated key in one mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// Dotted path of the mapping holding the key (`spec.kafka.config`).
    pub path: String,
    /// The key.
    pub key: String,
    /// Line of the first occurrence and its value, shown as text.
    pub first: (usize, String),
    /// Line of the occurrence that wins and its value.
    pub last: (usize, String),
}

/// One YAML document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file name as given (`-` for standard input).
    pub file: String,
    /// The root node.
    pub root: Node,
    /// Keys repeated in a mapping of this document.
    pub duplicates: Vec<Duplicate>,
}

/// Malformed YAML: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct YamlError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser found.
    pub message: String,
}

impl YamlError {
    fn scan(file: &str, e: &ScanError) -> Self {
        YamlError {
            file: file.to_owned(),
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
            message: e.info(),
        }
    }
}

enum Frame {
    Seq {
        start: (usize, usize),
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: (usize, usize),
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

/// Parses every document of `text`; empty documents (only comments) are
/// left out.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Document>, YamlError> {
    let options = granit_parser::options! { emit_comments: false };
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut duplicates = Vec::new();
    for next in Parser::new_from_str_with_options(text, options) {
        let (event, span) = next.map_err(|e| YamlError::scan(file, &e))?;
        let at = (span.start.line().max(1), span.start.col() + 1);
        let done = match event {
            Event::DocumentStart(..) => {
                anchors.clear();
                root = None;
                None
            }
            Event::DocumentEnd => {
                if let Some(root) = root.take().filter(|r| !r.is_null()) {
                    docs.push(Document {
                        file: file.to_owned(),
                        root,
                        duplicates: std::mem::take(&mut duplicates),
                    });
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain && tag.is_none(),
                    }),
                    line: at.0,
                    column: at.1,
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::Alias(id) => {
                let Some(mut node) = anchors.get(&id).cloned() else {
                    return Err(yaml_error(file, at, "alias to an unknown anchor"));
                };
                node.line = at.0;
                node.column = at.1;
                Some(node)
            }
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq {
                    start: at,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    start: at,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            line: start.0,
                            column: start.1,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            line: start.0,
                            column: start.1,
                        },
                        anchor,
                    ),
                    None => return Err(yaml_error(file, at, "unbalanced collection end")),
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            _ => None,
        };
        if let Some(node) = done {
            let path = stack_path(&stack[..stack.len().saturating_sub(1)]);
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { entries, key, .. }) => match key.take() {
                    None => *key = Some(node),
                    Some(k) => insert(entries, k, node, &path, &mut duplicates),
                },
            }
        }
    }
    Ok(docs)
}

fn yaml_error(file: &str, at: (usize, usize), message: &str) -> YamlError {
    YamlError {
        file: file.to_owned(),
        line: at.0,
        column: at.1,
        message: message.to_owned(),
    }
}

/// The dotted path of the innermost open mapping, for duplicate reports.
fn stack_path(stack: &[Frame]) -> String {
    let mut parts = Vec::new();
    for frame in stack {
        match frame {
            Frame::Map { key: Some(k), .. } => parts.push(key_text(k)),
            Frame::Seq { items, .. } => parts.push(format!("[{}]", items.len())),
            Frame::Map { .. } => {}
        }
    }
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() && !p.starts_with('[') {
            out.push('.');
        }
        out.push_str(&p);
    }
    out
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s) => s.text.clone(),
        _ => "?".to_owned(),
    }
}

fn insert(
    entries: &mut Vec<Entry>,
    key: Node,
    value: Node,
    path: &str,
    duplicates: &mut Vec<Duplicate>,
) {
    let text = key_text(&key);
    let is_merge = matches!(&key.value, Value::Scalar(s) if s.plain && s.text == "<<");
    if is_merge {
        let sources: Vec<Node> = match value.value {
            Value::Seq(items) => items,
            other => vec![Node {
                value: other,
                ..value
            }],
        };
        for source in sources {
            if let Value::Map(merged) = source.value {
                for entry in merged {
                    if !entries.iter().any(|e| e.key == entry.key) {
                        entries.push(entry);
                    }
                }
            }
        }
        return;
    }
    if let Some(existing) = entries.iter_mut().find(|e| e.key == text) {
        duplicates.push(Duplicate {
            path: path.to_owned(),
            key: text,
            first: (existing.key_line, existing.value.show()),
            last: (key.line, value.show()),
        });
        existing.value = value;
        existing.key_line = key.line;
    } else {
        entries.push(Entry {
            key: text,
            key_line: key.line,
            value,
        });
    }
}

impl Node {
    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The mapping's entries (empty for other nodes).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The sequence's items (empty for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The scalar, when this is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// True for a null scalar (`key:` with nothing after it).
    pub fn is_null(&self) -> bool {
        self.scalar().is_some_and(|s| s.kind() == ScalarKind::Null)
    }

    /// The scalar's text unless it is null.
    pub fn as_str(&self) -> Option<&str> {
        self.scalar()
            .filter(|s| s.kind() != ScalarKind::Null)
            .map(|s| s.text.as_str())
    }

    /// A number written as an integer or a float, quoted or not
    /// (`"900"`, `2`, `1.048576e+07`).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }

    /// A whole number (`1.048576e+07` reads as 10485760).
    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_str()?.trim();
        if let Ok(v) = text.parse::<i64>() {
            return Some(v);
        }
        let v = self.as_f64()?;
        (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
    }

    /// A boolean (`true`, `"true"`).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.trim() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// The value in the notation of the reference facts table: strings
    /// quoted, numbers and booleans bare, `null`, `[a, b]`, `{k: v}`.
    pub fn show(&self) -> String {
        match &self.value {
            Value::Scalar(s) => match s.kind() {
                ScalarKind::Null => "null".to_owned(),
                ScalarKind::Bool | ScalarKind::Int => s.text.clone(),
                ScalarKind::Float => match self.as_i64() {
                    Some(i) => i.to_string(),
                    None => s.text.clone(),
                },
                ScalarKind::Str => format!("{:?}", s.text),
            },
            Value::Seq(items) => {
                let parts: Vec<String> = items.iter().map(Node::show).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{}: {}", e.key, e.value.show()))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Document {
        let mut docs = parse_documents(text, "t.yaml").unwrap_or_default();
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0)
    }

    #[test]
    fn several_documents_with_positions_and_empty_ones_left_out() {
        let text = "---\n# only a comment\n---\na: 1\n---\nb:\n  - x\n  - \"2\"\n";
        let docs = parse_documents(text, "t.yaml").unwrap_or_default();
        assert_eq!(docs.len(), 2);
        let a = docs[0].root.get("a");
        assert_eq!(a.map(|n| (n.line, n.column)), Some((4, 4)));
        let b = docs[1].root.get("b").map(Node::items).unwrap_or_default();
        assert_eq!(b[1].show(), "\"2\"");
        assert_eq!(b[1].as_i64(), Some(2));
        assert_eq!(b[1].line, 8);
    }

    #[test]
    fn repeated_key_keeps_the_last_value_and_is_recorded() {
        let doc = one("spec:\n  config:\n    x: 2\n    y: 1.048576e+07\n    x: 3\n");
        let config = doc.root.get("spec").and_then(|s| s.get("config"));
        assert_eq!(
            config.and_then(|c| c.get("x")).and_then(Node::as_i64),
            Some(3)
        );
        assert_eq!(config.map(|c| c.entries().len()), Some(2));
        assert_eq!(
            config.and_then(|c| c.get("y")).and_then(Node::as_i64),
            Some(10_485_760)
        );
        assert_eq!(doc.duplicates.len(), 1);
        let d = &doc.duplicates[0];
        assert_eq!((d.path.as_str(), d.key.as_str()), ("spec.config", "x"));
        assert_eq!(d.first, (3, "2".to_owned()));
        assert_eq!(d.last, (5, "3".to_owned()));
    }

    #[test]
    fn nulls_anchors_aliases_and_merge_keys() {
        let doc =
            one("a: &t\n  - p\n  - q\nb: *t\nc:\nbase: &m {k: 1}\nd:\n  <<: *m\n  j: 2\ne: ''\n");
        assert_eq!(
            doc.root.get("b").map(Node::show),
            Some("[\"p\", \"q\"]".into())
        );
        assert!(doc.root.get("c").is_some_and(Node::is_null));
        assert!(doc.root.get("e").is_some_and(|n| !n.is_null()));
        let d = doc.root.get("d");
        assert_eq!(d.and_then(|d| d.get("k")).and_then(Node::as_i64), Some(1));
        assert_eq!(d.map(Node::show), Some("{k: 1, j: 2}".into()));
    }

    #[test]
    fn malformed_yaml_names_file_line_and_column() {
        let err = parse_documents("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml").err();
        let err = err.map(|e| (e.file.clone(), e.line > 1, e.to_string()));
        let (file, past_first_line, text) = err.unwrap_or_default();
        assert_eq!(file, "bad.yaml");
        assert!(past_first_line, "{text}");
        assert!(text.starts_with("bad.yaml:"), "{text}");
    }
}
