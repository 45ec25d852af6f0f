//! Which manifest field fills which scenario key. Each value taken carries
//! its source; each key looked for and not found is listed with the reason
//! (it then keeps its documented default, or KEDA's where the ScaledJob
//! exists but leaves the field out, since that is what KEDA runs).

use toml::Value;

use crate::manifests::configmap::{self, Instrument};
use crate::manifests::kafka::Cluster;
use crate::manifests::kafka_topic::Topic;
use crate::manifests::kafka_user::User;
use crate::manifests::scaled_job::ScaledJob;
use crate::manifests::{Field, Manifests, Node, Source, registry};

/// One scenario key set from the manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Dotted scenario key (`scaler.max_replicas`).
    pub key: String,
    /// The value written.
    pub value: Value,
    /// Where it came from.
    pub source: Source,
    /// How it was converted, when not copied as is.
    pub note: Option<String>,
}

/// A scenario key the importer looked for and did not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Dotted scenario key.
    pub key: String,
    /// Why it keeps its default.
    pub reason: String,
}

/// A consumer: a Kafka user allowed to read the alert topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The user's name.
    pub name: String,
    /// The ACL that lets it read.
    pub source: Source,
}

/// Everything the importer took from the manifests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignments {
    /// Keys set.
    pub set: Vec<Assignment>,
    /// Keys kept at their default, with why.
    pub kept: Vec<Kept>,
    /// Readers of the alert topic, in input order (`[[consumers]]`).
    pub readers: Vec<Reader>,
    /// Users that may read every topic (`*`), not counted as consumers.
    pub wildcard_readers: Vec<Reader>,
    /// The instrument used for the detector counts.
    pub instrument: Option<String>,
}

impl Assignments {
    fn put(&mut self, key: &str, value: Value, field: Field<'_>, path: &str, note: Option<String>) {
        self.set.push(Assignment {
            key: key.to_owned(),
            value,
            source: field.object.source(path),
            note,
        });
    }

    fn keep(&mut self, key: &str, reason: impl Into<String>) {
        self.kept.push(Kept {
            key: key.to_owned(),
            reason: reason.into(),
        });
    }

    /// The value set for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Assignment> {
        self.set.iter().find(|a| a.key == key)
    }
}

fn int(field: &Field<'_>) -> Option<Value> {
    field.node.as_i64().map(Value::Integer)
}

fn float(field: &Field<'_>) -> Option<Value> {
    field.node.as_f64().map(Value::Float)
}

/// Builds the assignments; `scaled_job` picks one when there are several.
pub fn assign(m: &Manifests, sj: Option<ScaledJob<'_>>) -> Assignments {
    let mut a = Assignments::default();
    scaler(m, sj, &mut a);
    let producer = sj.map(|s| s.producer());
    let topic_name = producer.as_ref().and_then(|p| p.topic.clone());
    let cluster = Cluster::find(m, producer.as_ref().and_then(|p| p.server.as_deref()));
    kafka(m, cluster.as_ref(), topic_name.as_deref(), &mut a);
    registry_keys(m, &mut a);
    night(m, sj, &mut a);
    if let Some(topic) = topic_name.as_deref() {
        let archive_users = archive(m, topic, &mut a);
        readers(m, cluster.as_ref(), topic, &archive_users, &mut a);
    }
    a
}

/// The archive's ingester: the ScaledObject with a kafka trigger on the
/// alert topic fills `[archive]`. Returns the Kafka users its trigger
/// authenticates as (the TriggerAuthentication's secrets, which Strimzi
/// names after the KafkaUser): the archive, not a `[[consumers]]` reader.
fn archive(m: &Manifests, topic: &str, a: &mut Assignments) -> Vec<String> {
    let Some(so) = crate::manifests::scaled_object::readers_of(m, topic).next() else {
        for key in [
            "archive.min_replicas",
            "archive.max_replicas",
            "archive.lag_threshold",
        ] {
            a.keep(
                key,
                "no ScaledObject with a kafka trigger on the alert topic",
            );
        }
        return Vec::new();
    };
    let ints: [(&str, &str); 4] = [
        ("archive.min_replicas", "spec.minReplicaCount"),
        ("archive.max_replicas", "spec.maxReplicaCount"),
        ("archive.polling_interval_s", "spec.pollingInterval"),
        ("archive.cooldown_s", "spec.cooldownPeriod"),
    ];
    for (key, path) in ints {
        match so.field(path).and_then(|f| int(&f).map(|v| (f, v))) {
            Some((f, v)) => a.put(key, v, f, path, None),
            None => a.keep(
                key,
                format!("{} absent or not a whole number", so.source(path)),
            ),
        }
    }
    let triggers = so.at("spec.triggers").map(Node::items).unwrap_or_default();
    let Some(i) = triggers
        .iter()
        .position(|t| t.get("type").and_then(Node::as_str) == Some("kafka"))
    else {
        return Vec::new();
    };
    let numbers: [(&str, &str); 2] = [
        ("archive.lag_threshold", "lagThreshold"),
        ("archive.activation_lag_threshold", "activationLagThreshold"),
    ];
    for (key, name) in numbers {
        let path = format!("spec.triggers[{i}].metadata.{name}");
        match so.field(&path).and_then(|f| {
            f.node
                .as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .map(|v| (f, v))
        }) {
            Some((f, v)) => a.put(
                key,
                Value::Integer(v),
                f,
                &path,
                Some("a string in the trigger's metadata".to_owned()),
            ),
            None => a.keep(
                key,
                format!("{} absent or not a whole number", so.source(&path)),
            ),
        }
    }
    let path = format!("spec.triggers[{i}].metadata.offsetResetPolicy");
    match so
        .field(&path)
        .and_then(|f| f.node.as_str().map(|t| (f, t)))
    {
        Some((f, reset @ ("latest" | "earliest"))) => a.put(
            "archive.offset_reset",
            Value::String(reset.to_owned()),
            f,
            &path,
            None,
        ),
        _ => a.keep(
            "archive.offset_reset",
            format!("{} absent", so.source(&path)),
        ),
    }
    let auth = triggers[i]
        .get("authenticationRef")
        .and_then(|r| r.get("name"))
        .and_then(Node::as_str);
    let Some(auth) = auth.and_then(|name| m.get("TriggerAuthentication", name)) else {
        return Vec::new();
    };
    let mut users: Vec<String> = auth
        .at("spec.secretTargetRef")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.get("name").and_then(Node::as_str).map(str::to_owned))
        .collect();
    users.sort();
    users.dedup();
    users
}

fn scaler(_m: &Manifests, sj: Option<ScaledJob<'_>>, a: &mut Assignments) {
    let Some(sj) = sj else {
        for key in [
            "scaler.strategy",
            "scaler.polling_interval_s",
            "scaler.min_replicas",
            "scaler.max_replicas",
            "redis.stream",
            "redis.group",
            "workers.restart_freq",
            "cluster.pod_cpu",
            "kafka.topic",
        ] {
            a.keep(key, "no ScaledJob in the input");
        }
        return;
    };
    let keda_default = |a: &mut Assignments, key: &str, path: &str, value: Value| {
        a.set.push(Assignment {
            key: key.to_owned(),
            value,
            source: sj.0.source(path),
            note: Some("absent: KEDA's default".to_owned()),
        });
    };
    let ints: [(&str, &str, i64); 5] = [
        ("scaler.polling_interval_s", "spec.pollingInterval", 30),
        ("scaler.min_replicas", "spec.minReplicaCount", 0),
        ("scaler.max_replicas", "spec.maxReplicaCount", 100),
        (
            "scaler.successful_jobs_history",
            "spec.successfulJobsHistoryLimit",
            100,
        ),
        (
            "scaler.failed_jobs_history",
            "spec.failedJobsHistoryLimit",
            100,
        ),
    ];
    for (key, path, default) in ints {
        match sj.field(path) {
            Some(f) => match int(&f) {
                Some(v) => a.put(key, v, f, path, None),
                None => a.keep(key, format!("{} is not a whole number", sj.0.source(path))),
            },
            None => keda_default(a, key, path, Value::Integer(default)),
        }
    }
    let path = "spec.scalingStrategy.strategy";
    match sj.field(path).and_then(|f| f.node.as_str().map(|s| (f, s))) {
        Some((f, s)) if matches!(s, "default" | "custom" | "accurate" | "eager") => {
            a.put(
                "scaler.strategy",
                Value::String(s.to_owned()),
                f,
                path,
                None,
            );
        }
        Some((_, s)) => a.keep(
            "scaler.strategy",
            format!("unknown strategy `{s}` at {}", sj.0.source(path)),
        ),
        None => keda_default(a, "scaler.strategy", path, Value::String("default".into())),
    }
    let path = "spec.rollout.strategy";
    match sj.field(path).and_then(|f| f.node.as_str().map(|s| (f, s))) {
        Some((f, kind @ ("gradual" | "immediate"))) => {
            a.put("scaler.rollout", Value::String(kind.into()), f, path, None)
        }
        Some((f, s)) => a.put(
            "scaler.rollout",
            Value::String("default".into()),
            f,
            path,
            Some(format!("`{s}` deletes running Jobs on a spec change")),
        ),
        None => keda_default(a, "scaler.rollout", path, Value::String("default".into())),
    }
    let path = "spec.scalingStrategy.customScalingQueueLengthDeduction";
    if let Some(f) = sj.field(path)
        && let Some(v) = int(&f)
    {
        a.put("scaler.custom_deduction", v, f, path, None);
    }
    let path = "spec.scalingStrategy.customScalingRunningJobPercentage";
    if let Some(f) = sj.field(path)
        && let Some(v) = float(&f)
    {
        a.put("scaler.custom_running_job_percentage", v, f, path, None);
    }
    let path = "spec.scalingStrategy.pendingPodConditions";
    if let Some(f) = sj.field(path) {
        let list = f
            .node
            .items()
            .iter()
            .filter_map(|n| n.as_str().map(|s| Value::String(s.to_owned())))
            .collect();
        a.put(
            "scaler.pending_pod_conditions",
            Value::Array(list),
            f,
            path,
            None,
        );
    }
    let path = "spec.scalingStrategy.multipleScalersCalculation";
    if let Some(f) = sj.field(path)
        && let Some(s) = f
            .node
            .as_str()
            .filter(|s| matches!(*s, "max" | "min" | "avg" | "sum"))
    {
        a.put(
            "scaler.multiple_scalers_calculation",
            Value::String(s.to_owned()),
            f,
            path,
            None,
        );
    }
    trigger(sj, a);
    worker_env(sj, a);
}

fn trigger(sj: ScaledJob<'_>, a: &mut Assignments) {
    let Some(t) = sj.redis_trigger() else {
        for key in [
            "scaler.lag_count",
            "scaler.activation_lag_count",
            "redis.stream",
            "redis.group",
        ] {
            a.keep(key, format!("{} has no redis-streams trigger", sj.0.id()));
        }
        return;
    };
    for (key, name, default) in [
        ("scaler.lag_count", "lagCount", 0),
        ("scaler.activation_lag_count", "activationLagCount", 0),
    ] {
        let path = format!("{t}.metadata.{name}");
        match sj.field(&path) {
            Some(f) => match int(&f) {
                Some(v) => a.put(key, v, f, &path, None),
                None => a.keep(key, format!("{} is not a whole number", sj.0.source(&path))),
            },
            None => a.set.push(Assignment {
                key: key.to_owned(),
                value: Value::Integer(default),
                source: sj.0.source(&path),
                note: Some("absent: KEDA's default".to_owned()),
            }),
        }
    }
    for (key, name) in [("redis.stream", "stream"), ("redis.group", "consumerGroup")] {
        let path = format!("{t}.metadata.{name}");
        match sj
            .field(&path)
            .and_then(|f| f.node.as_str().map(|s| (f, s)))
        {
            Some((f, s)) => a.put(key, Value::String(s.to_owned()), f, &path, None),
            None => a.keep(key, format!("{} is absent", sj.0.source(&path))),
        }
    }
}

fn worker_env(sj: ScaledJob<'_>, a: &mut Assignments) {
    use crate::manifests::scaled_job::env_path;
    let env: [(&str, &str, bool); 3] = [
        ("workers.restart_freq", "WORKER_RESTART_FREQ", true),
        (
            "workers.listen_timeout_s",
            "FANNED_OUT_MSG_LISTEN_TIMEOUT",
            false,
        ),
        ("workers.max_message_age_s", "MESSAGE_EXPIRATION", false),
    ];
    for (key, name, whole) in env {
        let path = env_path(name);
        match sj.env(name) {
            Some(f) => match if whole { int(&f) } else { float(&f) } {
                Some(v) => a.put(key, v, f, &path, None),
                None => a.keep(key, format!("{} is not a number", sj.0.source(&path))),
            },
            None => a.keep(key, format!("{} is not set", sj.0.source(&path))),
        }
    }
    let path = env_path("AP_KAFKA_TOPIC");
    match sj
        .env("AP_KAFKA_TOPIC")
        .and_then(|f| f.node.as_str().map(|s| (f, s)))
    {
        Some((f, s)) => a.put("kafka.topic", Value::String(s.to_owned()), f, &path, None),
        None => a.keep("kafka.topic", format!("{} is not set", sj.0.source(&path))),
    }
    let (cpu, memory) = sj.pod_requests();
    let requests = format!(
        "{}.resources.requests",
        crate::manifests::scaled_job::CONTAINER
    );
    let field = sj.field(&requests);
    match (cpu, field) {
        (Some(c), Some(f)) => a.put(
            "cluster.pod_cpu",
            Value::Float(c),
            f,
            &format!("{requests}.cpu"),
            None,
        ),
        _ => a.keep(
            "cluster.pod_cpu",
            format!("{} sets no CPU request", sj.0.id()),
        ),
    }
    match (memory, field) {
        (Some(bytes), Some(f)) => a.put(
            "cluster.pod_memory_gib",
            Value::Float(bytes / (1024.0 * 1024.0 * 1024.0)),
            f,
            &format!("{requests}.memory"),
            Some("in GiB".to_owned()),
        ),
        _ => a.keep(
            "cluster.pod_memory_gib",
            format!("{} sets no memory request", sj.0.id()),
        ),
    }
}

fn kafka(m: &Manifests, cluster: Option<&Cluster<'_>>, topic: Option<&str>, a: &mut Assignments) {
    let topic_obj = topic.and_then(|t| Topic::find(m, t));
    match cluster {
        Some(c) => {
            match c.count("broker") {
                Some((n, pools)) => {
                    let note = (pools.len() > 1).then(|| {
                        format!(
                            "added over the broker pools {}",
                            pools
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                    if let Some(f) = pools[0].field("spec.replicas") {
                        a.put("kafka.brokers", Value::Integer(n), f, "spec.replicas", note);
                    }
                }
                None => match c.kafka.field("spec.kafka.replicas") {
                    Some(f) if int(&f).is_some() => {
                        a.put(
                            "kafka.brokers",
                            int(&f).unwrap_or(Value::Integer(1)),
                            f,
                            "spec.kafka.replicas",
                            None,
                        );
                    }
                    _ => a.keep(
                        "kafka.brokers",
                        format!("no broker KafkaNodePool of Kafka/{}", c.kafka.name),
                    ),
                },
            }
            let own = topic_obj.and_then(|t| t.0.field("spec.config[min.insync.replicas]"));
            match own {
                Some(f) if int(&f).is_some() => {
                    a.put(
                        "kafka.min_insync_replicas",
                        int(&f).unwrap_or(Value::Integer(1)),
                        f,
                        "spec.config[min.insync.replicas]",
                        None,
                    );
                }
                _ => match c.config("min.insync.replicas") {
                    Some(f) if int(&f).is_some() => a.put(
                        "kafka.min_insync_replicas",
                        int(&f).unwrap_or(Value::Integer(1)),
                        f,
                        "spec.kafka.config[min.insync.replicas]",
                        None,
                    ),
                    _ => a.keep(
                        "kafka.min_insync_replicas",
                        format!("Kafka/{} does not set min.insync.replicas", c.kafka.name),
                    ),
                },
            }
        }
        None => {
            a.keep("kafka.brokers", "no Strimzi Kafka resource in the input");
            a.keep(
                "kafka.min_insync_replicas",
                "no Strimzi Kafka resource in the input",
            );
        }
    }
    let Some(t) = topic_obj else {
        let why = match topic {
            Some(name) => format!("no KafkaTopic `{name}` in the input"),
            None => "the producer's topic is unknown".to_owned(),
        };
        for key in [
            "kafka.partitions",
            "kafka.replication_factor",
            "kafka.message_max_bytes",
        ] {
            a.keep(key, why.clone());
        }
        return;
    };
    for (key, path) in [
        ("kafka.partitions", "spec.partitions"),
        ("kafka.replication_factor", "spec.replicas"),
    ] {
        match t.0.field(path) {
            Some(f) if int(&f).is_some() => {
                a.put(key, int(&f).unwrap_or(Value::Integer(1)), f, path, None)
            }
            _ => a.keep(key, format!("{} is absent", t.0.source(path))),
        }
    }
    let own = "spec.config[max.message.bytes]";
    match t.0.field(own) {
        Some(f) if int(&f).is_some() => a.put(
            "kafka.message_max_bytes",
            int(&f).unwrap_or(Value::Integer(1)),
            f,
            own,
            None,
        ),
        _ => match cluster.and_then(|c| c.config("message.max.bytes")) {
            Some(f) if int(&f).is_some() => a.put(
                "kafka.message_max_bytes",
                int(&f).unwrap_or(Value::Integer(1)),
                f,
                "spec.kafka.config[message.max.bytes]",
                Some("the topic sets no max.message.bytes, so the broker's applies".to_owned()),
            ),
            _ => a.keep(
                "kafka.message_max_bytes",
                "neither the topic nor the broker sets it",
            ),
        },
    }
}

fn registry_keys(m: &Manifests, a: &mut Assignments) {
    match registry::find(m) {
        Some(r) => {
            let path = "spec.compatibilityLevel";
            match r.field(path).and_then(|f| f.node.as_str().map(|s| (f, s))) {
                Some((f, s)) => a.put(
                    "schema_registry.compatibility",
                    Value::String(s.to_ascii_uppercase()),
                    f,
                    path,
                    None,
                ),
                None => a.set.push(Assignment {
                    key: "schema_registry.compatibility".to_owned(),
                    value: Value::String(
                        registry::OPERATOR_DEFAULT_COMPATIBILITY.to_ascii_uppercase(),
                    ),
                    source: r.source(path),
                    note: Some("absent: strimzi-registry-operator's default".to_owned()),
                }),
            }
        }
        None => a.keep(
            "schema_registry.compatibility",
            "no StrimziSchemaRegistry in the input",
        ),
    }
    match registry::sync_jobs(m).first() {
        Some((job, path)) => {
            if let Some(f) = job.field(path) {
                a.put(
                    "schema_registry.deterministic_ids",
                    Value::Boolean(true),
                    f,
                    path,
                    Some("the sync job re-imports every schema with id major*100+minor".to_owned()),
                );
            }
        }
        None => a.keep(
            "schema_registry.deterministic_ids",
            format!("no Job runs {}", registry::SYNC_COMMAND),
        ),
    }
}

fn night(m: &Manifests, sj: Option<ScaledJob<'_>>, a: &mut Assignments) {
    let stream = a
        .get("redis.stream")
        .and_then(|s| s.value.as_str().map(str::to_owned));
    let name = sj
        .and_then(|s| s.env("RUBIN_INSTRUMENT"))
        .and_then(|f| f.node.as_str().map(str::to_owned));
    let Some(inst) = configmap::instrument(m, stream.as_deref(), name.as_deref()) else {
        a.keep(
            "night.detectors",
            "no fan-out instrument map (ConfigMap data.instruments) in the input",
        );
        a.keep(
            "night.active_detectors",
            "no fan-out instrument map in the input",
        );
        return;
    };
    detectors(&inst, a);
    a.instrument = Some(inst.name.clone());
}

fn detectors(inst: &Instrument<'_>, a: &mut Assignments) {
    let source = |what: &str| Source {
        object: inst.object.id(),
        field: configmap::field(what, &inst.name),
        file: inst.object.file.clone(),
        line: inst.line,
    };
    for (key, what, n) in [
        ("night.detectors", "keys", inst.detectors),
        ("night.active_detectors", "active", inst.active),
    ] {
        a.set.push(Assignment {
            key: key.to_owned(),
            value: Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)),
            source: source(what),
            note: None,
        });
    }
}

fn readers(
    m: &Manifests,
    cluster: Option<&Cluster<'_>>,
    topic: &str,
    archive_users: &[String],
    a: &mut Assignments,
) {
    let supers = cluster.map(Cluster::super_users).unwrap_or_default();
    for user in User::all(m) {
        if supers.contains(&user.0.name) || archive_users.contains(&user.0.name) {
            continue;
        }
        if let Some(acl) = user.may("Read", topic) {
            let reader = Reader {
                name: user.0.name.clone(),
                source: user.0.source(&format!(
                    "spec.authorization.acls[{}].resource.name",
                    acl.index
                )),
            };
            if acl.name == "*" {
                a.wildcard_readers.push(reader);
            } else {
                a.readers.push(reader);
            }
        }
    }
}
