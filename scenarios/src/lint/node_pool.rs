//! Rule `node-pool`: a ScaledJob's `maxReplicaCount` above the number of
//! worker pods the node pool can run (by the pod's CPU and memory
//! requests): the Jobs beyond it stay Pending, hold quota and API calls,
//! and are counted by KEDA as pending Jobs.

use super::{Finding, LintInput, LintReport, Severity};

/// The rule's name.
pub const RULE: &str = "node-pool";

/// Runs the rule.
pub fn check(input: &LintInput<'_>, report: &mut LintReport) {
    let pool = input.node_pool();
    for sj in input.scaled_jobs() {
        let Some(max) = sj
            .field("spec.maxReplicaCount")
            .and_then(|f| f.node.as_i64())
        else {
            continue;
        };
        let (cpu, memory) = sj.pod_requests();
        let gib = 1024.0 * 1024.0 * 1024.0;
        let by_cpu = cpu
            .filter(|c| *c > 0.0)
            .map(|c| (pool.cpus_per_node / c).floor());
        let by_mem = memory
            .filter(|m| *m > 0.0)
            .map(|m| (pool.memory_gib_per_node * gib / m).floor());
        let per_node = match (by_cpu, by_mem) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(v) => v,
                None => {
                    report.skip(RULE, format!("{} requests no CPU or memory", sj.0.id()));
                    continue;
                }
            },
        };
        let capacity = (per_node.max(0.0) as i64).saturating_mul(i64::from(pool.nodes));
        if max > capacity {
            let src = sj.0.source("spec.maxReplicaCount");
            report.push(Finding {
                rule: RULE,
                severity: Severity::Warning,
                object: sj.0.id(),
                field: "spec.maxReplicaCount".to_owned(),
                reason: format!(
                    "maxReplicaCount {max} but the node pool runs at most {capacity} worker pods \
                     ({} nodes x {per_node} pods of {} CPU / {:.2} GiB requested; node pool: {}): \
                     up to {} Jobs stay Pending, and KEDA counts them as pending Jobs when it decides how many to create",
                    pool.nodes,
                    cpu.map_or("?".to_owned(), |c| c.to_string()),
                    memory.unwrap_or(0.0) / gib,
                    pool.source,
                    max - capacity
                ),
                file: src.file,
                line: src.line,
            });
        }
    }
}
