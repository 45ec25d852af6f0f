//! Writing one file of a run's output, and why it failed ([`ReportError`]),
//! shared by every writer in `output`.

use std::path::{Path, PathBuf};

/// Why report files could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("drawing the {chart} chart: {message}")]
    Chart {
        /// Which chart.
        chart: &'static str,
        /// The drawing backend's message.
        message: String,
    },
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// Writes `text` to `path`.
pub fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}

impl From<crate::chart::ChartError> for ReportError {
    fn from(e: crate::chart::ChartError) -> Self {
        ReportError::Chart {
            chart: e.chart,
            message: e.message,
        }
    }
}
