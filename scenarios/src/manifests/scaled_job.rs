//! KEDA `ScaledJob`: the Prompt Processing workers' scaler, their pod and
//! the worker's environment (restart frequency, listen timeout, retry delay,
//! message expiry) and the alert producer's Kafka settings.

use super::{Field, Manifests, Node, Object, quantity};

/// The kind.
pub const KIND: &str = "ScaledJob";

/// The worker container.
pub const CONTAINER: &str = "spec.jobTargetRef.template.spec.containers[0]";

/// Worker environment variables read (Prompt Processing's `activator.py`
/// and `packageAlerts.py` settings).
pub const WORKER_ENV: [&str; 18] = [
    "WORKER_RESTART_FREQ",
    "WORKER_TIMEOUT",
    "FANNED_OUT_MSG_LISTEN_TIMEOUT",
    "REDIS_RETRY_DELAY",
    "IMAGE_TIMEOUT",
    "MESSAGE_EXPIRATION",
    "PRELOAD_PADDING",
    "AP_KAFKA_TOPIC",
    "AP_KAFKA_SERVER",
    "AP_KAFKA_PRODUCER_USERNAME",
    "REDIS_STREAM_HOST",
    "REDIS_STREAM_NAME",
    "REDIS_STREAM_CONSUMER_GROUP",
    "RUBIN_INSTRUMENT",
    "OMP_NUM_THREADS",
    "USE_KAFKA_BUTLER_WRITER",
    "PLATFORM",
    "WORKER_GRACE_PERIOD",
];

/// The path of an environment variable's value.
pub fn env_path(name: &str) -> String {
    format!("{CONTAINER}.env[name={name}].value")
}

/// Field patterns reported for every ScaledJob (facts notation; `?` marks
/// fields reported as `(absent)` when missing).
pub fn reported() -> Vec<String> {
    let mut out: Vec<String> = [
        "spec.pollingInterval",
        "spec.minReplicaCount",
        "spec.maxReplicaCount",
        "spec.successfulJobsHistoryLimit",
        "spec.failedJobsHistoryLimit",
        "spec.scalingStrategy[*]",
        "?spec.rollout.strategy",
        "?spec.rollout.propagationPolicy",
        "spec.jobTargetRef.parallelism",
        "spec.jobTargetRef.completions",
        "spec.jobTargetRef.backoffLimit",
        "spec.triggers[#].type",
        "spec.triggers[#].metadata[*]",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    out.extend(WORKER_ENV.iter().map(|e| format!("?{}", env_path(e))));
    out.push(format!(
        "?{CONTAINER}.env[name=AP_KAFKA_PRODUCER_PASSWORD].valueFrom.secretKeyRef"
    ));
    out.push(format!("{CONTAINER}.image"));
    out.push(format!("{CONTAINER}.resources.requests"));
    out.push(format!("{CONTAINER}.resources.limits"));
    out.push("?spec.jobTargetRef.template.spec.terminationGracePeriodSeconds".to_owned());
    out.push("spec.jobTargetRef.template.spec.volumes[name=*].emptyDir.sizeLimit".to_owned());
    out
}

/// A ScaledJob.
#[derive(Debug, Clone, Copy)]
pub struct ScaledJob<'a>(pub &'a Object);

/// Who the workers produce alerts as, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producer {
    /// `AP_KAFKA_PRODUCER_USERNAME`.
    pub user: Option<String>,
    /// `AP_KAFKA_TOPIC`.
    pub topic: Option<String>,
    /// `AP_KAFKA_SERVER` (`host:port`).
    pub server: Option<String>,
}

impl<'a> ScaledJob<'a> {
    /// The only ScaledJob of the input, or the one named.
    pub fn find(m: &'a Manifests, name: Option<&str>) -> Result<Option<Self>, Vec<String>> {
        let all: Vec<&Object> = m.of_kind(KIND).collect();
        match name {
            Some(n) => Ok(all.into_iter().find(|o| o.name == n).map(ScaledJob)),
            None if all.len() > 1 => Err(all.iter().map(|o| o.name.clone()).collect()),
            None => Ok(all.first().map(|o| ScaledJob(o))),
        }
    }

    /// A value at `path` with its source.
    pub fn field(&self, path: &str) -> Option<Field<'a>> {
        self.0.field(path)
    }

    /// A worker environment variable's value.
    pub fn env(&self, name: &str) -> Option<Field<'a>> {
        self.0.field(&env_path(name))
    }

    /// The path prefix of the first redis-streams trigger (`spec.triggers[0]`).
    pub fn redis_trigger(&self) -> Option<String> {
        self.0
            .at("spec.triggers")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .position(|t| t.get("type").and_then(Node::as_str) == Some("redis-streams"))
            .map(|i| format!("spec.triggers[{i}]"))
    }

    /// The redis-streams trigger's metadata value `key`.
    pub fn trigger(&self, key: &str) -> Option<Field<'a>> {
        self.redis_trigger()
            .and_then(|t| self.0.field(&format!("{t}.metadata.{key}")))
    }

    /// The alert producer's settings, from the worker's environment.
    pub fn producer(&self) -> Producer {
        let text = |name: &str| {
            self.env(name)
                .and_then(|f| f.node.as_str())
                .map(str::to_owned)
        };
        Producer {
            user: text("AP_KAFKA_PRODUCER_USERNAME"),
            topic: text("AP_KAFKA_TOPIC"),
            server: text("AP_KAFKA_SERVER"),
        }
    }

    /// CPU and memory (bytes) one worker pod requests: its containers'
    /// requests added, or the largest init container's when larger.
    pub fn pod_requests(&self) -> (Option<f64>, Option<f64>) {
        let spec = "spec.jobTargetRef.template.spec";
        let sum = |list: &str, resource: &str| -> Option<f64> {
            let containers = self.0.at(&format!("{spec}.{list}"))?.items();
            let values: Vec<f64> = containers
                .iter()
                .filter_map(|c| {
                    c.get("resources")
                        .and_then(|r| r.get("requests"))
                        .and_then(|r| r.get(resource))
                        .and_then(quantity)
                })
                .collect();
            (!values.is_empty()).then(|| {
                if list == "containers" {
                    values.iter().sum()
                } else {
                    values.iter().copied().fold(0.0, f64::max)
                }
            })
        };
        let pick =
            |resource: &str| match (sum("containers", resource), sum("initContainers", resource)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        (pick("cpu"), pick("memory"))
    }
}
