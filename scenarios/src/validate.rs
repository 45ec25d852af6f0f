//! Collects the problems found by semantic validation (impossible values),
//! each tied to the dotted key path it concerns.

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Dotted key path, such as `night.visits` or `consumers.2.throughput_alerts_per_s`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What would be accepted.
    pub expected: String,
}

/// Accumulates [`Issue`]s; the helpers name the rule they check.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    issues: Vec<Issue>,
}

impl Checker {
    pub(crate) fn into_issues(self) -> Vec<Issue> {
        self.issues
    }

    pub(crate) fn fail(&mut self, path: &str, message: impl Into<String>, expected: &str) {
        self.issues.push(Issue {
            path: path.to_owned(),
            message: message.into(),
            expected: expected.to_owned(),
        });
    }

    /// A finite number `>= 0` (durations, sizes, rates).
    pub(crate) fn non_negative(&mut self, path: &str, value: f64) {
        if !value.is_finite() || value < 0.0 {
            self.fail(
                path,
                format!("must be a finite number >= 0, got {value}"),
                "a number >= 0",
            );
        }
    }

    /// A finite number `> 0` (intervals, bandwidths).
    pub(crate) fn positive(&mut self, path: &str, value: f64) {
        if !value.is_finite() || value <= 0.0 {
            self.fail(
                path,
                format!("must be a finite number > 0, got {value}"),
                "a number > 0",
            );
        }
    }

    /// A fraction in `[0, 1]`.
    pub(crate) fn fraction(&mut self, path: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.fail(
                path,
                format!("must be a fraction between 0 and 1, got {value}"),
                "a number in [0, 1]",
            );
        }
    }

    /// An integer of at least `min`.
    pub(crate) fn at_least(&mut self, path: &str, value: u64, min: u64) {
        if value < min {
            self.fail(
                path,
                format!("must be at least {min}, got {value}"),
                &format!("an integer >= {min}"),
            );
        }
    }

    /// A non-empty string.
    pub(crate) fn not_empty(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(path, "must not be empty", "a non-empty string");
        }
    }
}
