//! alertsim-reports: metrics (HdrHistogram), report.json / report.md /
//! report.html, gates and baseline comparison.
