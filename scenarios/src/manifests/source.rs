//! Where manifests come from: files, directories (every `.yaml`/`.yml`
//! below them, in path order) and `-` for standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

/// A file's name (as the user would recognise it) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path as given or found under a given directory; `-` for stdin.
    pub name: String,
    /// The whole text.
    pub text: String,
}

/// A manifest argument that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A directory with no YAML file in it.
    #[error("{path}: no .yaml or .yml file in this directory")]
    EmptyDirectory {
        /// The directory.
        path: String,
    },
}

/// Reads every argument: a file, a directory (recursively) or `-`.
pub fn read_inputs<S: AsRef<str>>(arguments: &[S]) -> Result<Vec<InputFile>, SourceError> {
    let mut out = Vec::new();
    for argument in arguments {
        let argument = argument.as_ref();
        if argument == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| SourceError::Read {
                    path: "-".to_owned(),
                    source,
                })?;
            out.push(InputFile {
                name: "-".to_owned(),
                text,
            });
            continue;
        }
        let path = Path::new(argument);
        if path.is_dir() {
            let mut files = Vec::new();
            collect_yaml(path, &mut files).map_err(|source| SourceError::Read {
                path: argument.to_owned(),
                source,
            })?;
            if files.is_empty() {
                return Err(SourceError::EmptyDirectory {
                    path: argument.to_owned(),
                });
            }
            files.sort();
            for file in files {
                out.push(read_file(&file)?);
            }
        } else {
            out.push(read_file(path)?);
        }
    }
    Ok(out)
}

fn read_file(path: &Path) -> Result<InputFile, SourceError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Read {
        path: name.clone(),
        source,
    })?;
    Ok(InputFile { name, text })
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
