//! Loading a scenario: TOML text (with spans) -> `--set` overrides ->
//! typed `Scenario` -> validation, every error mapped to a file position or
//! to the `--set` argument responsible.

use std::path::Path;

use toml::Table;

use crate::error::{Diagnostic, Origin, ScenarioError};
use crate::location::{key_offset, line_column};
use crate::overrides::Override;
use crate::scenario::Scenario;
use crate::validate::Issue;

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        Self::from_path_with(path, &[])
    }

    /// Reads a scenario file and applies `--set` overrides.
    pub fn from_path_with(
        path: impl AsRef<Path>,
        overrides: &[Override],
    ) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let text = read_scenario_file(path).map_err(|source| ScenarioError::Read {
            path: path.to_owned(),
            source,
        })?;
        load(&text, &path.display().to_string(), overrides)
    }

    /// Parses and validates scenario text; `file_name` is used in messages
    /// and, without a `name` key, as the scenario's name.
    pub fn from_str(text: &str, file_name: &str) -> Result<Self, ScenarioError> {
        load(text, file_name, &[])
    }

    /// Parses scenario text, applies `--set` overrides and validates.
    pub fn from_str_with(
        text: &str,
        file_name: &str,
        overrides: &[Override],
    ) -> Result<Self, ScenarioError> {
        load(text, file_name, overrides)
    }

    /// A path to a file when one exists, else a catalogue name.
    pub fn resolve(name_or_path: &str, overrides: &[Override]) -> Result<Self, ScenarioError> {
        let path = Path::new(name_or_path);
        if path.is_file() {
            return Self::from_path_with(path, overrides);
        }
        match crate::catalog::get(name_or_path) {
            Some(entry) => load(entry.text, &entry.file_name(), overrides),
            None => Err(ScenarioError::UnknownName {
                name: name_or_path.to_owned(),
                known: crate::catalog::list()
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

/// The largest scenario file read (a scenario is a few kB; the limits on
/// its lists keep a valid one far below this).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The text of a scenario file, refusing one larger than
/// [`MAX_SCENARIO_BYTES`] before holding it.
pub(crate) fn read_scenario_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than the limit of {MAX_SCENARIO_BYTES} bytes for a scenario file"),
        )
    };
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("stream did not contain valid UTF-8: {}", e.utf8_error()),
        )
    })
}

/// Parses `--set` arguments.
pub fn parse_overrides<S: AsRef<str>>(arguments: &[S]) -> Result<Vec<Override>, ScenarioError> {
    arguments
        .iter()
        .map(|a| Override::parse(a.as_ref()).map_err(ScenarioError::from))
        .collect()
}

fn load(text: &str, file_name: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let mut scenario: Scenario =
        toml::from_str(text).map_err(|e| toml_diagnostic(&e, text, file_name))?;
    if !overrides.is_empty() {
        let mut table: Table =
            toml::from_str(text).map_err(|e| toml_diagnostic(&e, text, file_name))?;
        let defaults = Table::try_from(Scenario::default()).unwrap_or_default();
        for o in overrides {
            o.apply(&mut table, &defaults)?;
            scenario = table.clone().try_into().map_err(|e: toml::de::Error| {
                let (message, expected) = split_expected(e.message());
                Diagnostic {
                    origin: Origin::Override {
                        argument: o.argument.clone(),
                    },
                    key: Some(o.dotted()),
                    message,
                    expected,
                }
            })?;
        }
    }
    if scenario.name.is_empty() {
        scenario.name = stem(file_name);
    }
    let issues = scenario.validate();
    if issues.is_empty() {
        Ok(scenario)
    } else {
        Err(ScenarioError::Invalid(
            issues
                .into_iter()
                .map(|issue| issue_diagnostic(issue, text, file_name, overrides))
                .collect(),
        ))
    }
}

/// A validation issue placed on the `--set` that touched its key, else on
/// the key's line in the file (or its nearest ancestor's).
fn issue_diagnostic(
    issue: Issue,
    text: &str,
    file_name: &str,
    overrides: &[Override],
) -> Diagnostic {
    let touched_by = overrides.iter().rev().find(|o| {
        let dotted = o.dotted();
        related(&dotted, &issue.path)
    });
    let origin = match touched_by {
        Some(o) => Origin::Override {
            argument: o.argument.clone(),
        },
        None => {
            let (line, column) =
                key_offset(text, &issue.path).map_or((1, 1), |o| line_column(text, o));
            Origin::File {
                file: file_name.to_owned(),
                line,
                column,
            }
        }
    };
    Diagnostic {
        origin,
        key: Some(issue.path),
        message: issue.message,
        expected: Some(issue.expected),
    }
}

/// True when one dotted path is the other or contains it.
fn related(a: &str, b: &str) -> bool {
    let under = |long: &str, short: &str| {
        long == short || (long.starts_with(short) && long[short.len()..].starts_with('.'))
    };
    under(a, b) || under(b, a)
}

pub(crate) fn toml_diagnostic(err: &toml::de::Error, text: &str, file_name: &str) -> Diagnostic {
    let (line, column) = err.span().map_or((1, 1), |s| line_column(text, s.start));
    let (message, expected) = split_expected(err.message());
    Diagnostic {
        origin: Origin::File {
            file: file_name.to_owned(),
            line,
            column,
        },
        key: None,
        message,
        expected,
    }
}

/// Splits serde's "..., expected X" into the message and X.
fn split_expected(message: &str) -> (String, Option<String>) {
    let one_line = message.trim().replace('\n', " ");
    match one_line.split_once(", expected ") {
        Some((m, e)) => (m.to_owned(), Some(plain_type(e).to_owned())),
        None => {
            let missing = one_line
                .strip_prefix("missing field `")
                .and_then(|rest| rest.strip_suffix('`'))
                .map(|field| format!("a value for `{field}`"));
            (one_line, missing)
        }
    }
}

/// Rust type names in serde messages, in words.
fn plain_type(expected: &str) -> &str {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => "true or false",
        other => other,
    }
}

fn stem(file_name: &str) -> String {
    Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
