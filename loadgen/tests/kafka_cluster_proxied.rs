//! The local Apache Kafka cluster with its brokers' client listeners behind
//! Toxiproxy (`ClusterConfig::proxied`): clients are told the proxies'
//! ports and produce and consume through them; a latency toxic on every
//! proxy makes each acknowledgement (acks=all) take at least its latency
//! (well above one without it) while the ISR stays whole (replication does not go through the
//! proxies); timeout toxics (a network partition) let no produce through
//! until they are removed, and nothing acknowledged is lost.

use std::time::{Duration, Instant};

use alertsim_loadgen::kafka_cluster::{
    ClusterConfig, KafkaCluster, TopicSpec, create_topic, partition_state, proxy_name,
};
use alertsim_loadgen::toxiproxy::client::ToxicKind;
use alertsim_loadgen::toxiproxy::{Stream, Toxic, ToxiproxyClient};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const TOPIC: &str = "proxied";

/// The time one record takes to be acknowledged by every in-sync replica.
async fn ack(producer: &FutureProducer, key: usize) -> Result<Duration, String> {
    let started = Instant::now();
    let payload = format!("record {key}");
    let key = key.to_string();
    producer
        .send(
            FutureRecord::to(TOPIC).key(&key).payload(&payload),
            Duration::from_secs(0),
        )
        .await
        .map_err(|(e, _)| e.to_string())?;
    Ok(started.elapsed())
}

async fn on_every_proxy(
    client: &ToxiproxyClient,
    ids: &[i32],
    toxic: Option<&Toxic>,
    remove: &str,
) -> TestResult {
    for id in ids {
        match toxic {
            Some(t) => client.add_toxic(&proxy_name(*id), t).await?,
            None => client.remove_toxic(&proxy_name(*id), remove).await?,
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_go_through_the_proxies_and_their_toxics() -> TestResult {
    let started = Instant::now();
    let cluster = tokio::task::spawn_blocking(|| {
        KafkaCluster::start(ClusterConfig {
            proxied: true,
            ..ClusterConfig::default()
        })
    })
    .await??;
    eprintln!(
        "proxied cluster of 3 brokers ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let brokers = cluster.brokers();
    assert!(brokers.iter().all(|b| b.client != b.listen), "{brokers:?}");
    let bootstrap = cluster.bootstrap();
    assert_eq!(
        bootstrap,
        brokers
            .iter()
            .map(|b| b.client.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let ids = cluster.broker_ids();
    let toxiproxy = cluster.toxiproxy().ok_or("no toxiproxy")?;
    let spec = TopicSpec {
        partitions: 3,
        ..TopicSpec::alerts(TOPIC)
    };
    create_topic(&bootstrap, &spec).await?;

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "0")
        .set("message.timeout.ms", "30000")
        .create()?;
    let mut sent = 0usize;
    // Warm up: metadata and a connection to every leader.
    for _ in 0..6 {
        ack(&producer, sent).await?;
        sent += 1;
    }
    let mut before = Duration::MAX;
    for _ in 0..10 {
        before = before.min(ack(&producer, sent).await?);
        sent += 1;
    }

    let latency_ms = 200;
    let slow = Toxic::new(
        "slow",
        Stream::Downstream,
        ToxicKind::Latency {
            latency_ms,
            jitter_ms: 0,
        },
    );
    on_every_proxy(&toxiproxy, &ids, Some(&slow), "").await?;
    let mut during = Duration::MAX;
    for _ in 0..5 {
        during = during.min(ack(&producer, sent).await?);
        sent += 1;
    }
    let isr = partition_state(&bootstrap, TOPIC)?;
    on_every_proxy(&toxiproxy, &ids, None, "slow").await?;
    eprintln!(
        "acks=all through the proxies: fastest {:.1} ms without a toxic, {:.1} ms with a \
         {latency_ms} ms latency toxic",
        before.as_secs_f64() * 1e3,
        during.as_secs_f64() * 1e3
    );
    // Every acknowledgement waits for the toxic's latency on top of the
    // broker's own time, which varies between records (10-25 ms here): the
    // fastest with the toxic is at least the latency, the fastest without
    // it well below.
    let latency = Duration::from_millis(latency_ms);
    assert!(before < latency, "acks take {before:?} without a toxic");
    assert!(
        during >= latency,
        "the fastest ack took {during:?} with a {latency_ms} ms latency toxic"
    );
    assert!(
        isr.values().all(|p| p.isr.len() == 3),
        "replication slowed with the clients: {isr:?}"
    );

    // A partition: nothing passes; a record sent now waits for the end.
    for (name, stream) in [
        ("cut-up", Stream::Upstream),
        ("cut-down", Stream::Downstream),
    ] {
        let cut = Toxic::new(name, stream, ToxicKind::Timeout { timeout_ms: 0 });
        on_every_proxy(&toxiproxy, &ids, Some(&cut), "").await?;
    }
    let held = {
        let producer = producer.clone();
        let key = sent;
        tokio::spawn(async move { ack(&producer, key).await })
    };
    sent += 1;
    let cut_for = Duration::from_secs(3);
    tokio::time::sleep(cut_for).await;
    assert!(
        !held.is_finished(),
        "a record was acknowledged through the partition"
    );
    for name in ["cut-up", "cut-down"] {
        on_every_proxy(&toxiproxy, &ids, None, name).await?;
    }
    let waited = held.await??;
    eprintln!(
        "a record sent during a {:.0} s partition was acknowledged {:.1} s after it was sent",
        cut_for.as_secs_f64(),
        waited.as_secs_f64()
    );
    assert!(waited >= cut_for);

    // Nothing acknowledged was lost: read every record back, through the proxies.
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", "proxied-check")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()?;
    consumer.subscribe(&[TOPIC])?;
    let mut keys = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while keys.len() < sent {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, consumer.recv()).await??;
        if let Some(key) = message.key() {
            keys.insert(String::from_utf8_lossy(key).into_owned());
        }
    }
    assert_eq!(keys.len(), sent);
    tokio::task::spawn_blocking(move || drop(cluster)).await?;
    Ok(())
}
