//! The schema id a load run writes, against a broker and a registry the test
//! starts (as a user's services would be): with Rubin's deterministic ids an
//! empty registry ends up serving id 1100 with the 11.0 schema, under
//! `alert-packet` and `lsst-alerts-v11.0-value`, and every alert on the
//! topic carries 1100 in its wire header; a registry holding another schema
//! under 1100 stops the run before the night starts, naming the id.

#![cfg(feature = "embedded-broker")]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use alertsim_core::alert::schema_history::SchemaVersion;
use alertsim_core::registry::{Mode, SyncSchema};
use alertsim_drivers::registry::{RegistryClient, RunningRegistry, ServerConfig, start};
use alertsim_loadgen::EmbeddedBroker;
use alertsim_loadgen::load::{
    JobBackend, LoadError, LoadOptions, LoadPlan, ServiceFlags, Shard, run_load,
};
use alertsim_scenarios::{PublisherProfile, Scenario, catalog};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;

const TOPIC: &str = "alerts-check";

fn smoke() -> Scenario {
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    // The `safe` profile: the `rubin` profile's 1.2 s delivery timeout
    // loses alerts whenever a debug-built broker on a busy machine is slow.
    scenario.publisher.profile = PublisherProfile::Safe;
    scenario
}

fn options(spool: &std::path::Path, kafka: String, registry: String) -> LoadOptions {
    LoadOptions {
        services: ServiceFlags {
            kafka: Some(kafka),
            redis: None,
            registry: Some(registry),
            ..ServiceFlags::default()
        },
        time_scale: 20.0,
        shard: Shard::WHOLE,
        topic: Some(TOPIC.to_owned()),
        subject: "alert-packet".into(),
        spool_dir: spool.to_path_buf(),
        jobs: JobBackend::Task,
        metrics: None,
    }
}

async fn registry() -> (RunningRegistry, RegistryClient) {
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = start(ServerConfig {
        listen,
        data_dir: None,
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let client = RegistryClient::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    (server, client)
}

/// The first five bytes of the first `count` messages on the topic, read
/// from the beginning by a consumer group of its own.
fn wire_headers(bootstrap: &str, topic: &str, count: usize) -> Vec<[u8; 5]> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "alertsim-schema-id-check")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap_or_else(|e| panic!("{e}"));
    consumer
        .subscribe(&[topic])
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut headers = Vec::with_capacity(count);
    while headers.len() < count {
        assert!(
            Instant::now() < deadline,
            "read {} of {count} messages",
            headers.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = message.unwrap_or_else(|e| panic!("{e}"));
        let payload = message.payload().unwrap_or_default();
        let mut header = [0xff; 5];
        for (slot, byte) in header.iter_mut().zip(payload) {
            *slot = *byte;
        }
        headers.push(header);
    }
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_an_empty_registry_every_alert_carries_1100_and_the_registry_serves_it() {
    let broker = EmbeddedBroker::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_server, client) = registry().await;
    let scenario = smoke();
    let planned = LoadPlan::new(&scenario, Shard::WHOLE)
        .unwrap_or_else(|e| panic!("{e}"))
        .total_alerts();
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outcome = run_load(
        &scenario,
        &options(
            spool.path(),
            broker.bootstrap(),
            client.base_url().to_owned(),
        ),
        |_| {},
        std::future::pending(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let r = &outcome.report;
    assert!(
        !outcome.truncated && !r.partial && r.alerts.delivered == planned,
        "truncated {}, partial {}, alerts {:?}",
        outcome.truncated,
        r.partial,
        r.alerts
    );
    assert_eq!(outcome.schema_id.id, 1100);
    assert!(outcome.schema_id.deterministic_ids);
    assert_eq!(outcome.schema_id.registry_action, "imported");

    let bootstrap = broker.bootstrap();
    let count = usize::try_from(planned).unwrap_or(usize::MAX);
    let headers = tokio::task::spawn_blocking(move || wire_headers(&bootstrap, TOPIC, count))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Magic byte 0, then 1100 big-endian: 00 0000044C.
    let other: Vec<&[u8; 5]> = headers
        .iter()
        .filter(|h| **h != [0, 0, 0, 4, 0x4c])
        .collect();
    assert!(
        other.is_empty(),
        "{} alerts with another header, first {:?}",
        other.len(),
        other.first()
    );

    let v11 = SyncSchema::of(SchemaVersion::V11_0).unwrap_or_else(|e| panic!("{e}"));
    let served = client
        .fetch_schema_by_id(1100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(served.as_deref(), Some(v11.schema.as_str()));
    let subjects = client.subjects().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(subjects, vec!["alert-packet", "lsst-alerts-v11.0-value"]);
    let topic_subject = client
        .version("lsst-alerts-v11.0-value", "latest")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(topic_subject.id, 1100);
    // No id was assigned on the way.
    assert_eq!(
        client
            .fetch_schema_by_id(1)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_holding_another_schema_under_1100_stops_the_run_before_the_night() {
    let broker = EmbeddedBroker::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_server, client) = registry().await;
    client
        .set_mode(Some("x"), Mode::Import, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .register_with_id("x", r#""long""#, 1100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let result = run_load(
        &smoke(),
        &options(
            spool.path(),
            broker.bootstrap(),
            client.base_url().to_owned(),
        ),
        |_| {},
        std::future::pending(),
    )
    .await;
    let Err(error) = result else {
        panic!("the run went ahead with another schema under 1100");
    };
    assert!(matches!(error, LoadError::SchemaIdRefused(_)), "{error}");
    assert!(error.to_string().contains("id 1100"), "{error}");
    // Refused before anything was written: no topic, nothing imported.
    let bootstrap = broker.bootstrap();
    let topics = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .unwrap_or_else(|e| panic!("{e}"));
        consumer
            .fetch_metadata(None, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"))
            .topics()
            .iter()
            .map(|t| t.name().to_owned())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!topics.iter().any(|t| t == TOPIC), "{topics:?}");
    assert_eq!(
        client.subjects().await.unwrap_or_else(|e| panic!("{e}")),
        vec!["x"]
    );
}
