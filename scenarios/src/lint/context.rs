//! What the rules look at: the manifests, the values files that fed them,
//! the KEDA release, the node pool and the largest alert.

use std::fmt;

use crate::manifests::kafka::Cluster;
use crate::manifests::scaled_job::{Producer, ScaledJob};
use crate::manifests::{Document, Manifests, Node, Object, quantity};

/// A KEDA release (`2.16`, `2.16.1`, `2.20.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KedaVersion {
    /// Minor release (2.x).
    pub minor: u32,
    /// Patch release.
    pub patch: u32,
}

impl KedaVersion {
    /// Rubin's release, 2.16.1.
    pub const RUBIN: KedaVersion = KedaVersion {
        minor: 16,
        patch: 1,
    };

    /// Parses `2.MINOR[.PATCH]` for the releases whose behaviour is known
    /// (2.16 to 2.20).
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected = "2.16, 2.17, 2.18, 2.19 or 2.20, optionally with a patch (2.20.2)";
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major = parts.next().and_then(|p| p.parse::<u32>().ok());
        let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
        let patch = match parts.next() {
            Some(p) => p.parse::<u32>().ok(),
            None => Some(if minor == Some(16) { 1 } else { 0 }),
        };
        match (major, minor, patch, parts.next()) {
            (Some(2), Some(minor @ 16..=20), Some(patch), None) => Ok(KedaVersion { minor, patch }),
            _ => Err(format!(
                "unknown KEDA release `{text}` (expected {expected})"
            )),
        }
    }
}

impl fmt::Display for KedaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "2.{}.{}", self.minor, self.patch)
    }
}

/// The node pool the worker pods run on.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePool {
    /// Nodes.
    pub nodes: u32,
    /// Allocatable CPUs per node.
    pub cpus_per_node: f64,
    /// Allocatable memory per node, GiB.
    pub memory_gib_per_node: f64,
    /// Where these figures come from.
    pub source: String,
}

/// Everything a rule may look at.
#[derive(Debug, Clone)]
pub struct LintInput<'a> {
    /// The rendered manifests.
    pub manifests: &'a Manifests,
    /// Documents of the values files that fed them (may be empty).
    pub values: &'a [Document],
    /// The KEDA release the ScaledJobs run on.
    pub keda: KedaVersion,
    /// The node pool (used when the manifests hold no `Node`).
    pub pool: NodePool,
    /// The largest alert the scenario produces, bytes, and where that figure comes from.
    pub largest_alert: Option<(u64, String)>,
    /// Detector events per visit when the manifests hold no instrument map.
    pub detectors_per_visit: Option<(u32, String)>,
}

impl<'a> LintInput<'a> {
    /// Every ScaledJob.
    pub fn scaled_jobs(&self) -> Vec<ScaledJob<'a>> {
        self.manifests.of_kind("ScaledJob").map(ScaledJob).collect()
    }

    /// ScaledJobs that produce alerts, with their producer settings.
    pub fn producers(&self) -> Vec<(ScaledJob<'a>, Producer)> {
        self.scaled_jobs()
            .into_iter()
            .map(|sj| (sj, sj.producer()))
            .filter(|(_, p)| p.user.is_some() || p.topic.is_some())
            .collect()
    }

    /// The Kafka cluster a producer talks to.
    pub fn cluster(&self, producer: Option<&Producer>) -> Option<Cluster<'a>> {
        Cluster::find(self.manifests, producer.and_then(|p| p.server.as_deref()))
    }

    /// The node pool: the manifests' `Node` objects when there are any.
    pub fn node_pool(&self) -> NodePool {
        let nodes: Vec<&Object> = self.manifests.of_kind("Node").collect();
        if nodes.is_empty() {
            return self.pool.clone();
        }
        let alloc = |o: &Object, r: &str| {
            o.at(&format!("status.allocatable.{r}"))
                .and_then(quantity)
                .unwrap_or(0.0)
        };
        let n = nodes.len() as f64;
        NodePool {
            nodes: u32::try_from(nodes.len()).unwrap_or(u32::MAX),
            cpus_per_node: nodes.iter().map(|o| alloc(o, "cpu")).sum::<f64>() / n,
            memory_gib_per_node: nodes.iter().map(|o| alloc(o, "memory")).sum::<f64>()
                / n
                / (1024.0 * 1024.0 * 1024.0),
            source: format!(
                "{} Node objects of the input (mean allocatable)",
                nodes.len()
            ),
        }
    }

    /// Where a scalar equal to `text` appears in the values files: file,
    /// line and dotted key path.
    pub fn values_mentioning(&self, text: &str) -> Vec<(String, usize, String)> {
        let mut out = Vec::new();
        for doc in self.values {
            find_scalar(&doc.root, text, String::new(), &doc.file, &mut out);
        }
        out
    }
}

fn find_scalar(
    node: &Node,
    text: &str,
    at: String,
    file: &str,
    out: &mut Vec<(String, usize, String)>,
) {
    match &node.value {
        crate::manifests::yaml::Value::Scalar(s) => {
            if s.text == text {
                out.push((file.to_owned(), node.line, at));
            }
        }
        crate::manifests::yaml::Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                find_scalar(item, text, format!("{at}[{i}]"), file, out);
            }
        }
        crate::manifests::yaml::Value::Map(entries) => {
            for e in entries {
                let path = if at.is_empty() {
                    e.key.clone()
                } else {
                    format!("{at}.{}", e.key)
                };
                find_scalar(&e.value, text, path, file, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keda_releases() {
        assert_eq!(KedaVersion::parse("2.16"), Ok(KedaVersion::RUBIN));
        assert_eq!(
            KedaVersion::parse("v2.20.2"),
            Ok(KedaVersion {
                minor: 20,
                patch: 2
            })
        );
        assert_eq!(
            KedaVersion::parse("2.20"),
            Ok(KedaVersion {
                minor: 20,
                patch: 0
            })
        );
        assert!(KedaVersion::parse("2.15").is_err());
        assert!(KedaVersion::parse("three").is_err());
    }
}
