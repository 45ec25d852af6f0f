//! Rule `duplicate-keys`: a key written twice in one mapping with
//! different values. Helm, kubectl and Argo CD (go-yaml v2) keep the last;
//! other tools keep the first or reject the file, so which value a cluster
//! runs depends on who applied it. Repeats with equal values (Rubin's
//! `min.insync.replicas`, written by the template and again by the values)
//! are harmless and not reported; the importer lists them.

use super::{Finding, LintInput, LintReport, Severity};

/// The rule's name.
pub const RULE: &str = "duplicate-keys";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    for o in &input.manifests.objects {
        for d in &o.duplicates {
            if d.first.1 == d.last.1 {
                continue;
            }
            report.push(Finding {
                rule: RULE,
                severity: Severity::Warning,
                object: o.id(),
                field: format!("{}[{}]", d.path, d.key),
                reason: format!(
                    "`{}` is written twice: {} at line {} and {} at line {}; Helm and kubectl apply the last ({}), \
                     a strict YAML parser rejects the file, others take the first",
                    d.key, d.first.1, d.first.0, d.last.1, d.last.0, d.last.1
                ),
                file: o.file.clone(),
                line: d.last.0,
            });
        }
    }
}
