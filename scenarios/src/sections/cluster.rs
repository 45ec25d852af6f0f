//! `[cluster]`: the Kubernetes node pool the worker pods are scheduled on.

use serde::{Deserialize, Serialize};

use crate::distribution::{Distribution, Domain};
use crate::validate::Checker;

/// Node pool capacity, pod requests and pod start-up time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cluster {
    /// Nodes in the pool (default 64).
    pub nodes: u32,
    /// Allocatable CPUs per node (default 32).
    pub cpus_per_node: f64,
    /// Allocatable memory per node in GiB (default 128).
    pub memory_gib_per_node: f64,
    /// CPU request of one worker pod (default 1).
    pub pod_cpu: f64,
    /// Memory request of one worker pod in GiB (default 2).
    pub pod_memory_gib: f64,
    /// Seconds from scheduling to a running pod: image pull, init, Python
    /// imports (default lognormal, mean 60, std dev 15, clamped to [20, 180]).
    pub pod_startup_s: Distribution,
    /// Seconds for a finished pod to release its node resources (default 1).
    pub pod_teardown_s: f64,
}

impl Default for Cluster {
    fn default() -> Self {
        Self {
            nodes: 64,
            cpus_per_node: 32.0,
            memory_gib_per_node: 128.0,
            pod_cpu: 1.0,
            pod_memory_gib: 2.0,
            pod_startup_s: Distribution::Lognormal {
                mean: 60.0,
                std_dev: 15.0,
                min: Some(20.0),
                max: Some(180.0),
            },
            pod_teardown_s: 1.0,
        }
    }
}

impl Cluster {
    /// How many worker pods fit on one node.
    pub fn pods_per_node(&self) -> u64 {
        let by_cpu = (self.cpus_per_node / self.pod_cpu).floor();
        let by_mem = (self.memory_gib_per_node / self.pod_memory_gib).floor();
        let n = by_cpu.min(by_mem);
        if n.is_finite() && n > 0.0 {
            n as u64
        } else {
            0
        }
    }

    /// How many worker pods the whole pool can run at once.
    pub fn pod_capacity(&self) -> u64 {
        self.pods_per_node() * u64::from(self.nodes)
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least("cluster.nodes", u64::from(self.nodes), 1);
        c.positive("cluster.cpus_per_node", self.cpus_per_node);
        c.positive("cluster.memory_gib_per_node", self.memory_gib_per_node);
        c.positive("cluster.pod_cpu", self.pod_cpu);
        c.positive("cluster.pod_memory_gib", self.pod_memory_gib);
        if self.pod_cpu > self.cpus_per_node {
            c.fail(
                "cluster.pod_cpu",
                format!(
                    "a pod requesting {} CPUs never fits on a node with {}",
                    self.pod_cpu, self.cpus_per_node
                ),
                &format!("at most cpus_per_node ({})", self.cpus_per_node),
            );
        }
        if self.pod_memory_gib > self.memory_gib_per_node {
            c.fail(
                "cluster.pod_memory_gib",
                format!(
                    "a pod requesting {} GiB never fits on a node with {} GiB",
                    self.pod_memory_gib, self.memory_gib_per_node
                ),
                &format!("at most memory_gib_per_node ({})", self.memory_gib_per_node),
            );
        }
        self.pod_startup_s
            .check(c, "cluster.pod_startup_s", Domain::NonNegative);
        c.non_negative("cluster.pod_teardown_s", self.pod_teardown_s);
    }
}
