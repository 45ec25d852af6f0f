//! Documentation of every report.json field (the table in reports/REPORT.md
//! is generated from [`FIELDS`], and a test checks both stay complete).
