//! Errors of saving, loading and merging recorders.

use std::path::PathBuf;

/// Why a recorder could not be saved, loaded or merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The recorder file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON, or its content does not describe a recorder.
    #[error("{}: not a valid recorder file: {source}", path.display())]
    Parse {
        /// The recorder file.
        path: PathBuf,
        /// What the JSON reader found.
        source: serde_json::Error,
    },
    /// The recorder could not be turned into JSON.
    #[error("{}: cannot encode the recorder: {source}", path.display())]
    Encode {
        /// The file that was to be written.
        path: PathBuf,
        /// What the JSON writer reported.
        source: serde_json::Error,
    },
    /// The file's `format` is not `alertsim-recorder`.
    #[error(
        "{}: not an alertsim recorder file: format is {found}, expected \"{expected}\"",
        path.display()
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// The `format` found, as JSON (`missing` if absent).
        found: String,
        /// The format this version writes.
        expected: &'static str,
    },
    /// The file's `version` is not one this program reads.
    #[error(
        "{}: recorder file version {found}, this alertsim reads version {expected}",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The `version` found, as JSON (`missing` if absent).
        found: String,
        /// The version this program reads and writes.
        expected: u32,
    },
    /// The two recorders sampled their time series at different intervals.
    #[error("cannot merge recorders sampled every {ours} s and every {theirs} s")]
    IntervalMismatch {
        /// This recorder's interval, seconds.
        ours: f64,
        /// The other recorder's interval, seconds.
        theirs: f64,
    },
    /// The two recorders are for scenarios with different visit counts.
    #[error("cannot merge recorders of {ours} and of {theirs} visits (different scenarios?)")]
    VisitCountMismatch {
        /// This recorder's planned visits.
        ours: u32,
        /// The other recorder's planned visits.
        theirs: u32,
    },
}
