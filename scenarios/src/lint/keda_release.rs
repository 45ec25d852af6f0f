//! Rule `keda-release`: ScaledJob settings the chosen KEDA release rejects
//! or mishandles (read from kedacore/keda at the release tags):
//! - 2.20.0 and later: the CRD limits `rollout.strategy` (and the
//!   deprecated `rolloutStrategy`) to `gradual|immediate`, so Rubin's
//!   `default` is rejected; `propagationPolicy` to `foreground|background`,
//!   `multipleScalersCalculation` to `min|avg|sum|max`; `pollingInterval`
//!   >= 1, `maxReplicaCount` >= 1, `minReplicaCount` and the history
//!   > limits >= 0; 2.20.0 and 2.20.1 also leave `default` out of
//!   > `scalingStrategy.strategy` (back in 2.20.2).
//! - 2.16.x: the redis-streams scaler with a consumer group and a non-zero
//!   `lagCount` fails to build when `activationLagCount` is unset or 0
//!   ("activationLagCount required for Redis lag"): the ScaledJob never scales.
//! - 2.16.1 to 2.20.1: the `custom` strategy without
//!   `customScalingQueueLengthDeduction` panics in the scale loop and the
//!   operator crashes (fixed in 2.20.2).

use super::{Finding, KedaVersion, LintInput, LintReport, Severity};
use crate::manifests::Node;
use crate::manifests::scaled_job::ScaledJob;

/// The rule's name.
pub const RULE: &str = "keda-release";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    for sj in input.scaled_jobs() {
        crd(input.keda, sj, report);
        activation(input.keda, sj, report);
        custom(input.keda, sj, report);
    }
}

fn push(sj: ScaledJob<'_>, field: &str, reason: String, report: &mut LintReport) {
    let src = sj.0.source(field);
    report.push(Finding {
        rule: RULE,
        severity: Severity::Error,
        object: sj.0.id(),
        field: field.to_owned(),
        reason,
        file: src.file,
        line: src.line,
    });
}

fn crd(v: KedaVersion, sj: ScaledJob<'_>, report: &mut LintReport) {
    if v.minor < 20 {
        return;
    }
    let strategies: &[&str] = if v.patch >= 2 {
        &["default", "custom", "accurate", "eager"]
    } else {
        &["custom", "accurate", "eager"]
    };
    let enums: [(&str, &[&str]); 5] = [
        ("spec.rollout.strategy", &["gradual", "immediate"]),
        ("spec.rolloutStrategy", &["gradual", "immediate"]),
        (
            "spec.rollout.propagationPolicy",
            &["foreground", "background"],
        ),
        (
            "spec.scalingStrategy.multipleScalersCalculation",
            &["min", "avg", "sum", "max"],
        ),
        ("spec.scalingStrategy.strategy", strategies),
    ];
    for (path, allowed) in enums {
        if let Some(value) = sj.field(path).and_then(|f| f.node.as_str())
            && !allowed.contains(&value)
        {
            push(
                sj,
                path,
                format!(
                    "KEDA {v}'s CRD allows only {} here: `{value}` is rejected, so the ScaledJob cannot be applied \
                         (the sync fails and the running ScaledJob keeps its old spec, or none after a redeploy)",
                    allowed.join(" | ")
                ),
                report,
            );
        }
    }
    let minimums: [(&str, i64); 5] = [
        ("spec.pollingInterval", 1),
        ("spec.maxReplicaCount", 1),
        ("spec.minReplicaCount", 0),
        ("spec.successfulJobsHistoryLimit", 0),
        ("spec.failedJobsHistoryLimit", 0),
    ];
    for (path, min) in minimums {
        if let Some(value) = sj.field(path).and_then(|f| f.node.as_i64())
            && value < min
        {
            push(
                sj,
                path,
                format!("KEDA {v}'s CRD requires at least {min}: {value} is rejected"),
                report,
            );
        }
    }
}

fn activation(v: KedaVersion, sj: ScaledJob<'_>, report: &mut LintReport) {
    if v.minor != 16 {
        return;
    }
    let Some(t) = sj.redis_trigger() else { return };
    let meta = |k: &str| {
        sj.0.at(&format!("{t}.metadata.{k}"))
            .filter(|n| !n.is_null())
    };
    let group = meta("consumerGroup")
        .and_then(Node::as_str)
        .is_some_and(|g| !g.is_empty());
    let lag = meta("lagCount").and_then(Node::as_i64).unwrap_or(0);
    let activation = meta("activationLagCount")
        .and_then(Node::as_i64)
        .unwrap_or(0);
    if group && lag != 0 && activation == 0 {
        let path = format!("{t}.metadata.activationLagCount");
        let what = if meta("activationLagCount").is_some() {
            "is 0"
        } else {
            "is not set"
        };
        push(
            sj,
            &path,
            format!(
                "on KEDA {v} the redis-streams scaler with a consumer group and lagCount {lag} fails to build when \
                 activationLagCount {what} (\"activationLagCount required for Redis lag\"): the ScaledJob creates no Job \
                 at all and every visit waits for the minReplicaCount workers (fixed in 2.17)"
            ),
            report,
        );
    }
}

fn custom(v: KedaVersion, sj: ScaledJob<'_>, report: &mut LintReport) {
    let affected =
        v >= KedaVersion {
            minor: 16,
            patch: 1,
        } && v < KedaVersion {
            minor: 20,
            patch: 2,
        };
    let strategy = sj
        .field("spec.scalingStrategy.strategy")
        .and_then(|f| f.node.as_str());
    if affected
        && strategy == Some("custom")
        && sj
            .field("spec.scalingStrategy.customScalingQueueLengthDeduction")
            .is_none()
    {
        push(
            sj,
            "spec.scalingStrategy.strategy",
            format!(
                "on KEDA {v} the custom strategy without customScalingQueueLengthDeduction dereferences a nil pointer \
                 in the scale loop: the whole KEDA operator crashes and restarts, for every ScaledJob and ScaledObject \
                 (fixed in 2.20.2)"
            ),
            report,
        );
    }
}
