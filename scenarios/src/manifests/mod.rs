//! Rendered Kubernetes manifests (the output of `helm template`): read
//! into objects with their file and line, and one module per kind that
//! knows the fields alertsim reads from it.
//!
//! [`Manifests::load`] reads files, directories and `-`; each YAML document
//! with a `kind` becomes an [`Object`] (`kind: List` is expanded); the
//! others (values files, empty documents) are counted, not rejected.

pub mod configmap;
pub mod kafka;
pub mod kafka_topic;
pub mod kafka_user;
pub mod path;
pub mod registry;
pub mod report;
pub mod scaled_job;
pub mod scaled_object;
pub mod source;
pub mod workloads;
pub mod yaml;

use std::fmt;

pub use source::{InputFile, SourceError, read_inputs};
pub use yaml::{Document, Duplicate, Node, YamlError};

/// Why manifests could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// A file could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Malformed YAML (file, line, column).
    #[error(transparent)]
    Yaml(#[from] YamlError),
}

/// One Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (empty when missing).
    pub name: String,
    /// The file it was read from.
    pub file: String,
    /// 1-based line where the object starts.
    pub line: usize,
    /// The whole object.
    pub root: Node,
    /// Keys repeated in a mapping of this object.
    pub duplicates: Vec<Duplicate>,
}

/// Where a value was read: the object, the field and the file position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `Kind/name`.
    pub object: String,
    /// The field path (facts notation).
    pub field: String,
    /// File name.
    pub file: String,
    /// 1-based line of the value.
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}:{})",
            self.object, self.field, self.file, self.line
        )
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The value.
    pub node: &'a Node,
    /// The object it belongs to.
    pub object: &'a Object,
}

impl Object {
    /// `Kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// The node at a path in the facts notation.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path::get(&self.root, path)
    }

    /// A present, non-null value at `path`, with its object.
    pub fn field(&self, path: &str) -> Option<Field<'_>> {
        self.at(path)
            .filter(|n| !n.is_null())
            .map(|node| Field { node, object: self })
    }

    /// Where the value at `path` is (the object's start when absent).
    pub fn source(&self, path: &str) -> Source {
        Source {
            object: self.id(),
            field: path.to_owned(),
            file: self.file.clone(),
            line: self.at(path).map_or(self.line, |n| n.line),
        }
    }

    /// `metadata.labels[strimzi.io/cluster]`, for Strimzi resources.
    pub fn strimzi_cluster(&self) -> Option<&str> {
        self.at("metadata.labels[strimzi.io/cluster]")
            .and_then(Node::as_str)
    }
}

/// Every object read, plus what was not an object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifests {
    /// The objects in input order.
    pub objects: Vec<Object>,
    /// The files read, in order.
    pub files: Vec<String>,
    /// Documents without a `kind` (values files and the like): file and line.
    pub not_objects: Vec<(String, usize)>,
}

impl Manifests {
    /// Reads files, directories and `-`.
    pub fn load<S: AsRef<str>>(arguments: &[S]) -> Result<Self, ManifestError> {
        let inputs = read_inputs(arguments)?;
        Ok(Self::from_inputs(&inputs)?)
    }

    /// Parses texts already read.
    pub fn from_inputs(inputs: &[InputFile]) -> Result<Self, YamlError> {
        let mut out = Manifests::default();
        for input in inputs {
            out.files.push(input.name.clone());
            for doc in yaml::parse_documents(&input.text, &input.name)? {
                out.add(doc);
            }
        }
        Ok(out)
    }

    fn add(&mut self, doc: Document) {
        let kind = doc
            .root
            .get("kind")
            .and_then(Node::as_str)
            .map(str::to_owned);
        match kind.as_deref() {
            Some("List") => {
                for item in doc.root.get("items").map(Node::items).unwrap_or_default() {
                    self.add(Document {
                        file: doc.file.clone(),
                        root: item.clone(),
                        duplicates: Vec::new(),
                    });
                }
            }
            Some(kind) => {
                let name = doc
                    .root
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned();
                self.objects.push(Object {
                    kind: kind.to_owned(),
                    name,
                    file: doc.file,
                    line: doc.root.line,
                    root: doc.root,
                    duplicates: doc.duplicates,
                });
            }
            None => self.not_objects.push((doc.file, doc.root.line)),
        }
    }

    /// The objects of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// The object of a kind with a name.
    pub fn get(&self, kind: &str, name: &str) -> Option<&Object> {
        self.objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
    }
}

/// A Kubernetes quantity (`"1"`, `500m`, `2Gi`, `512Mi`, `1G`, `8`) as a
/// plain number (CPUs or bytes).
pub fn quantity(node: &Node) -> Option<f64> {
    let text = node.as_str()?.trim();
    let suffixes: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0_f64.powi(4)),
        ("Pi", 1024.0_f64.powi(5)),
        ("Ei", 1024.0_f64.powi(6)),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suffix, factor) in suffixes {
        if let Some(number) = text.strip_suffix(suffix) {
            return number.trim().parse::<f64>().ok().map(|v| v * factor);
        }
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifests(text: &str) -> Manifests {
        Manifests::from_inputs(&[InputFile {
            name: "m.yaml".into(),
            text: text.into(),
        }])
        .unwrap_or_default()
    }

    #[test]
    fn objects_lists_and_documents_without_kind() {
        let m = manifests(
            "---\nkind: A\nmetadata:\n  name: a\n---\nvalues: 1\n---\nkind: List\nitems:\n- kind: B\n  metadata: {name: b}\n",
        );
        let ids: Vec<String> = m.objects.iter().map(Object::id).collect();
        assert_eq!(ids, ["A/a", "B/b"]);
        assert_eq!(m.not_objects, vec![("m.yaml".to_owned(), 6)]);
        assert_eq!(m.objects[0].line, 2);
    }

    #[test]
    fn quantities() {
        let m = manifests("kind: Q\na: \"1\"\nb: 500m\nc: 2Gi\nd: 512Mi\ne: 8\n");
        let q = |k: &str| m.objects[0].root.get(k).and_then(quantity);
        assert_eq!(q("a"), Some(1.0));
        assert_eq!(q("b"), Some(0.5));
        assert_eq!(q("c"), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(q("d"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(q("e"), Some(8.0));
    }
}
