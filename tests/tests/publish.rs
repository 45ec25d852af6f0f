//! The publisher against a real Kafka-protocol broker (tansu, in-process)
//! and the project's registry server: every alert is delivered, or spooled
//! and replayed, or counted as lost; consumed back with an independent
//! rdkafka consumer and decoded.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use alertsim_core::alert::codec::decode_alert;
use alertsim_core::alert::generate::{AlertGenerator, DetectorAlerts, GeneratorConfig};
use alertsim_core::alert::schema::alert_schema_json;
use alertsim_core::alert::wire::split_header;
use alertsim_core::publish::kafka::{AlertPublisher, PublisherConfig, TIMESTAMP_HEADER};
use alertsim_core::publish::replay::replay;
use alertsim_core::publish::{Profile, Spool};
use alertsim_core::registry::{Mode, RegistryClient, ServerConfig, start};
use alertsim_tests::TestResult;
use alertsim_tests::kafka::{Consumed, broker_with_topic, consume};

const TOPIC: &str = "lsst-alerts-v11";

/// Small alerts (short histories) so that 10,000 of them stay quick.
fn batches(count: usize, seed: u64) -> TestResult<Vec<DetectorAlerts>> {
    let config = GeneratorConfig {
        mean_prv_dia_sources: 5.0,
        mean_prv_dia_forced_sources: 2.0,
        max_history: 20,
        ..GeneratorConfig::default()
    };
    let generator = AlertGenerator::new(config, seed)?;
    Ok(generator.batches(count).collect::<Result<_, _>>()?)
}

fn config(
    bootstrap: String,
    profile: Profile,
    schema_id: i32,
    spool: &std::path::Path,
) -> PublisherConfig {
    PublisherConfig {
        bootstrap,
        topic: TOPIC.to_owned(),
        profile,
        schema_id,
        spool_dir: spool.to_owned(),
        overrides: Vec::new(),
    }
}

/// Decodes every consumed message; returns diaSourceId -> times seen.
fn decode_all(consumed: &[Consumed], schema_id: i32) -> TestResult<BTreeMap<i64, u32>> {
    let mut seen = BTreeMap::new();
    for message in consumed {
        let (id, datum) = split_header(&message.payload)?;
        assert_eq!(
            id, schema_id,
            "partition {} offset {}",
            message.partition, message.offset
        );
        let alert = decode_alert(datum)?;
        let stamp = message
            .headers
            .get(TIMESTAMP_HEADER)
            .ok_or("message without producer_timestamp header")?;
        let ms: i64 = std::str::from_utf8(stamp)?.parse()?;
        assert!(
            ms > 1_700_000_000_000,
            "producer_timestamp {ms} is not epoch ms"
        );
        *seen.entry(alert.dia_source.dia_source_id).or_insert(0) += 1;
    }
    Ok(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_alerts_are_published_consumed_and_decoded() -> TestResult {
    let broker = broker_with_topic(TOPIC, 3).await?;
    let registry = start(ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: None,
    })
    .await?;
    // Rubin registers the schema with its deterministic id in IMPORT mode.
    let client = RegistryClient::new(&registry.url())?;
    client.set_mode(None, Mode::Import, false).await?;
    let schema_id = client
        .register_with_id("alert-packet", &alert_schema_json(), 1100)
        .await?;
    let schema_id = i32::try_from(schema_id)?;

    let spool_dir = tempfile::tempdir()?;
    let batches = batches(10_000, 7)?;
    let mut expected = BTreeSet::new();
    let mut publisher = AlertPublisher::new(&config(
        broker.bootstrap(),
        Profile::Safe,
        schema_id,
        spool_dir.path(),
    ))?;
    for batch in &batches {
        for alert in &batch.alerts {
            expected.insert(alert.dia_source.dia_source_id);
            publisher
                .publish(alert, batch.visit, batch.detector)
                .await?;
        }
    }
    let summary = publisher.finish().await?;
    drop(publisher);
    assert_eq!(expected.len(), 10_000);
    assert_eq!(
        (summary.accepted, summary.delivered),
        (10_000, 10_000),
        "{summary:?}"
    );
    assert_eq!(
        (summary.spooled, summary.lost, summary.in_flight),
        (0, 0, 0)
    );

    // The schema in the header resolves through the registry to ours.
    assert_eq!(client.schema_by_id(1100).await?, alert_schema_json());
    let consumed = consume(&broker.bootstrap(), TOPIC, Duration::from_secs(3)).await?;
    let seen = decode_all(&consumed, schema_id)?;
    assert_eq!(consumed.len(), 10_000);
    assert_eq!(seen.keys().copied().collect::<BTreeSet<_>>(), expected);
    let partitions: BTreeSet<i32> = consumed.iter().map(|m| m.partition).collect();
    assert_eq!(partitions.len(), 3, "null keys spread over every partition");
    registry.shutdown().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_stopped_mid_run_spools_and_replay_delivers_the_rest() -> TestResult {
    let mut broker = broker_with_topic(TOPIC, 2).await?;
    let spool_dir = tempfile::tempdir()?;
    let mut settings = config(broker.bootstrap(), Profile::Safe, 1100, spool_dir.path());
    // A short delivery timeout keeps the test quick; the policy is the same.
    settings.overrides = vec![("delivery.timeout.ms".to_owned(), "1500".to_owned())];
    let mut publisher = AlertPublisher::new(&settings)?;
    let batches = batches(1_000, 11)?;
    let mut published = 0;
    for batch in &batches {
        for alert in &batch.alerts {
            if published == 400 {
                broker.stop();
            }
            publisher
                .publish(alert, batch.visit, batch.detector)
                .await?;
            published += 1;
        }
    }
    let summary = publisher.finish().await?;
    drop(publisher);
    assert_eq!(summary.accepted, 1_000);
    assert_eq!(
        summary.lost, 0,
        "the safe profile loses nothing: {summary:?}"
    );
    assert!(
        summary.spooled >= 600,
        "everything after the stop is spooled: {summary:?}"
    );
    assert_eq!(summary.delivered + summary.spooled, 1_000, "{summary:?}");
    let spool = Spool::open(spool_dir.path())?;
    assert_eq!(spool.entries()?.len() as u64, summary.spooled);

    broker.restart().await?;
    let replayed = replay(&spool, &broker.bootstrap(), TOPIC, Profile::Safe, |_| {}).await?;
    assert_eq!(
        (replayed.found, replayed.delivered, replayed.failed),
        (summary.spooled, summary.spooled, 0)
    );
    assert!(
        spool.entries()?.is_empty(),
        "replay removes what it delivered"
    );

    let consumed = consume(&broker.bootstrap(), TOPIC, Duration::from_secs(3)).await?;
    let seen = decode_all(&consumed, 1100)?;
    let duplicates: u32 = seen.values().map(|n| n - 1).sum();
    assert_eq!(seen.len(), 1_000, "every alert arrived at least once");
    assert_eq!(consumed.len(), 1_000 + duplicates as usize);
    eprintln!(
        "broker stop: delivered {}, spooled {}, duplicates {duplicates}",
        summary.delivered, summary.spooled
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rubin_profile_counts_the_alerts_it_loses() -> TestResult {
    let mut broker = broker_with_topic(TOPIC, 1).await?;
    let spool_dir = tempfile::tempdir()?;
    let settings = config(broker.bootstrap(), Profile::Rubin, 1100, spool_dir.path());
    let mut publisher = AlertPublisher::new(&settings)?;
    let batches = batches(30, 13)?;
    let alerts: Vec<_> = batches
        .iter()
        .flat_map(|b| b.alerts.iter().map(move |a| (b.visit, b.detector, a)))
        .collect();
    let (before, after) = alerts.split_at(25);
    for (visit, detector, alert) in before {
        publisher.publish(alert, *visit, *detector).await?;
    }
    broker.stop();
    for (visit, detector, alert) in after {
        publisher.publish(alert, *visit, *detector).await?;
    }
    let summary = publisher.finish().await?;
    // Rubin flushes after every alert, so each ended before the next began.
    assert_eq!(
        (summary.delivered, summary.lost, summary.spooled),
        (25, 5, 0),
        "{summary:?}"
    );
    assert_eq!(summary.failures.get("timed_out"), Some(&5), "{summary:?}");
    Ok(())
}
