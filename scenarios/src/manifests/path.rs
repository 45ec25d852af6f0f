//! Field paths in the notation of the reference facts table: dots separate
//! keys, `[key.with.dots]` is one key, `[name=X]` picks the list item whose
//! `name` is X, `[N]` is a list index. Patterns may expand: `[*]` every key
//! of a mapping, `[#]` every index of a list, `[name=*]` every named item.

use super::yaml::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
    Named(String),
    AnyKey,
    AnyIndex,
    AnyNamed,
}

fn parse(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !key.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut key)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut key)));
                }
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                segs.push(match inner.as_str() {
                    "*" => Seg::AnyKey,
                    "#" => Seg::AnyIndex,
                    "name=*" => Seg::AnyNamed,
                    _ => match (inner.strip_prefix("name="), inner.parse::<usize>()) {
                        (Some(name), _) => Seg::Named(name.to_owned()),
                        (None, Ok(i)) => Seg::Index(i),
                        (None, Err(_)) => Seg::Key(inner),
                    },
                });
            }
            _ => key.push(c),
        }
    }
    if !key.is_empty() {
        segs.push(Seg::Key(key));
    }
    segs
}

fn show_key(out: &mut String, key: &str) {
    if key.contains('.') || key.contains('/') {
        out.push('[');
        out.push_str(key);
        out.push(']');
    } else {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    }
}

/// The node at a concrete path, if present.
pub fn get<'a>(root: &'a Node, path: &str) -> Option<&'a Node> {
    let mut node = root;
    for seg in parse(path) {
        node = match seg {
            Seg::Key(k) => node.get(&k)?,
            Seg::Index(i) => node.items().get(i)?,
            Seg::Named(n) => node
                .items()
                .iter()
                .find(|item| item.get("name").and_then(Node::as_str) == Some(n.as_str()))?,
            Seg::AnyKey | Seg::AnyIndex | Seg::AnyNamed => return None,
        };
    }
    Some(node)
}

/// Every concrete path a pattern expands to, with the node found there.
/// A path without wildcards gives one result, with `None` when absent.
pub fn expand<'a>(root: &'a Node, pattern: &str) -> Vec<(String, Option<&'a Node>)> {
    let mut out = Vec::new();
    walk(Some(root), &parse(pattern), String::new(), &mut out);
    out
}

fn walk<'a>(
    node: Option<&'a Node>,
    segs: &[Seg],
    at: String,
    out: &mut Vec<(String, Option<&'a Node>)>,
) {
    let Some((seg, rest)) = segs.split_first() else {
        out.push((at, node));
        return;
    };
    let mut next = |path: String, child: Option<&'a Node>| walk(child, rest, path, out);
    match seg {
        Seg::Key(k) => {
            let mut p = at;
            show_key(&mut p, k);
            next(p, node.and_then(|n| n.get(k)));
        }
        Seg::Index(i) => next(format!("{at}[{i}]"), node.and_then(|n| n.items().get(*i))),
        Seg::Named(name) => {
            let child = node.and_then(|n| {
                n.items()
                    .iter()
                    .find(|item| item.get("name").and_then(Node::as_str) == Some(name.as_str()))
            });
            next(format!("{at}[name={name}]"), child);
        }
        Seg::AnyKey => {
            for entry in node.map(Node::entries).unwrap_or_default() {
                let mut p = at.clone();
                show_key(&mut p, &entry.key);
                next(p, Some(&entry.value));
            }
        }
        Seg::AnyIndex => {
            for (i, item) in node.map(Node::items).unwrap_or_default().iter().enumerate() {
                next(format!("{at}[{i}]"), Some(item));
            }
        }
        Seg::AnyNamed => {
            for item in node.map(Node::items).unwrap_or_default() {
                if let Some(name) = item.get("name").and_then(Node::as_str) {
                    next(format!("{at}[name={name}]"), Some(item));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse_documents;
    use super::*;

    fn root(text: &str) -> Node {
        let docs = parse_documents(text, "t.yaml").unwrap_or_default();
        docs.into_iter().next().map(|d| d.root).unwrap_or(Node {
            value: super::super::yaml::Value::Seq(Vec::new()),
            line: 0,
            column: 0,
        })
    }

    #[test]
    fn concrete_paths_in_the_facts_notation() {
        let r = root(
            "metadata:\n  annotations:\n    strimzi.io/kraft: enabled\nspec:\n  env:\n  - name: A\n    value: \"1\"\n  config:\n    min.insync.replicas: 2\n",
        );
        let at = |p: &str| get(&r, p).map(Node::show);
        assert_eq!(
            at("metadata.annotations[strimzi.io/kraft]"),
            Some("\"enabled\"".into())
        );
        assert_eq!(at("spec.env[name=A].value"), Some("\"1\"".into()));
        assert_eq!(at("spec.env[0].name"), Some("\"A\"".into()));
        assert_eq!(at("spec.config[min.insync.replicas]"), Some("2".into()));
        assert_eq!(at("spec.env[name=B].value"), None);
    }

    #[test]
    fn patterns_expand_to_the_facts_notation() {
        let r = root("c:\n  a.b: 1\n  x: 2\nl:\n- name: p\n  v: 3\n- name: q\n  v: 4\n");
        let paths: Vec<String> = expand(&r, "c[*]").into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["c[a.b]", "c.x"]);
        let named: Vec<(String, Option<String>)> = expand(&r, "l[name=*].v")
            .into_iter()
            .map(|(p, n)| (p, n.map(Node::show)))
            .collect();
        assert_eq!(named[1], ("l[name=q].v".into(), Some("4".into())));
        let missing = expand(&r, "l[0].w");
        assert_eq!(missing, vec![("l[0].w".to_owned(), None)]);
    }
}
