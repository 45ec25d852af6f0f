//! Rust types for the version 11.0 alert and its records.
