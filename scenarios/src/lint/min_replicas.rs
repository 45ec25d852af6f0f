//! Rule `min-replicas`: KEDA counts `minReplicaCount` against
//! `maxReplicaCount` (the scaler's ceiling is max - min, FACTS "KEDA
//! ScaledJob"; kedacore/keda #6148, #7345). When that leaves fewer Jobs than
//! a visit has detector events, the last detectors of every full visit wait
//! for a worker to finish another one; the standing Jobs also hold their
//! pods' requests around the clock. A min at or above max never scales.

use super::{Finding, LintInput, LintReport, Severity};
use crate::manifests::configmap;

/// The rule's name.
pub const RULE: &str = "min-replicas";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    for sj in input.scaled_jobs() {
        let get = |p: &str| sj.field(p).and_then(|f| f.node.as_i64());
        let (Some(min), Some(max)) = (get("spec.minReplicaCount"), get("spec.maxReplicaCount"))
        else {
            continue;
        };
        if min <= 0 {
            continue;
        }
        let stream = sj
            .trigger("stream")
            .and_then(|f| f.node.as_str().map(str::to_owned));
        let instrument = sj
            .env("RUBIN_INSTRUMENT")
            .and_then(|f| f.node.as_str().map(str::to_owned));
        let detectors = match configmap::instrument(
            input.manifests,
            stream.as_deref(),
            instrument.as_deref(),
        ) {
            Some(i) => Some((
                i64::try_from(i.active).unwrap_or(i64::MAX),
                format!(
                    "{} active detectors of {} ({}:{})",
                    i.active, i.name, i.object.file, i.line
                ),
            )),
            None => input
                .detectors_per_visit
                .as_ref()
                .map(|(n, from)| (i64::from(*n), format!("{n} detectors per visit ({from})"))),
        };
        let (cpu, memory) = sj.pod_requests();
        let standing = format!(
            "the {min} standing Jobs hold {} CPU and {:.1} GiB around the clock ({:.0} CPU-hours a day)",
            cpu.map_or(0.0, |c| c * min as f64),
            memory.map_or(0.0, |m| m * min as f64 / (1024.0 * 1024.0 * 1024.0)),
            cpu.map_or(0.0, |c| c * min as f64 * 24.0)
        );
        let src = sj.0.source("spec.minReplicaCount");
        let mut push = |severity, reason: String| {
            report.push(Finding {
                rule: RULE,
                severity,
                object: sj.0.id(),
                field: "spec.minReplicaCount".to_owned(),
                reason,
                file: src.file.clone(),
                line: src.line,
            });
        };
        if min >= max {
            push(
                Severity::Error,
                format!(
                    "minReplicaCount {min} counts against maxReplicaCount {max}: KEDA's ceiling max - min is {}, so the \
                     ScaledJob never creates a Job beyond its {max} standing ones, whatever the lag",
                    (max - min).max(0)
                ),
            );
        } else if let Some((events, from)) = detectors {
            let ceiling = max - min;
            if ceiling < events {
                push(
                    Severity::Warning,
                    format!(
                        "minReplicaCount {min} counts against maxReplicaCount {max}: at most {ceiling} Jobs are created \
                         for a burst, fewer than the {from}; on every full visit {} detectors wait for a worker to \
                         finish another detector (about one detector's processing time added to their latency), and {standing}",
                        events - ceiling
                    ),
                );
            }
        }
    }
}
