//! Baseline comparison.
