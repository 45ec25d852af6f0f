//! Errors from loading a scenario, each pointing at where the problem is:
//! a file position (line and column) or a `--set` argument.

use std::fmt;
use std::path::PathBuf;

/// Where a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a scenario file (1-based line and column).
    File {
        /// File name as given (or `scenarios/catalog/NAME.toml`).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A `--set key=value` argument.
    Override {
        /// The argument as given on the command line.
        argument: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Self::Override { argument } => write!(f, "--set {argument}"),
        }
    }
}

/// One problem, shown as `file:line:column: message (expected ...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub origin: Origin,
    /// Dotted key path concerned, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be accepted, when known.
    pub expected: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (expected {expected})")?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario file: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Syntax, type, unknown-key or value problems; at least one.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Diagnostic>),
    /// Neither a file nor a catalogue name.
    #[error(
        "no scenario file or catalogue entry named `{name}` (expected a path to a .toml file or one of: {known})"
    )]
    UnknownName {
        /// What was asked for.
        name: String,
        /// The catalogue's names, comma-separated.
        known: String,
    },
}

impl ScenarioError {
    /// The diagnostics, when the error is about the content.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Invalid(d) => d,
            _ => &[],
        }
    }
}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        Self::Invalid(vec![d])
    }
}

fn join_lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
