//! The publisher against a real Kafka-protocol broker (tansu, in-process)
//! and the project's registry server: every alert is delivered, or spooled
//! and replayed, or counted as lost; consumed back with an independent
//! rdkafka consumer and decoded.

use std::net::SocketAddr;
use std::time::Duration;

use alertsim_core::publish::kafka::{AlertPublisher, PublisherConfig};
use alertsim_core::publish::replay::replay;
use alertsim_core::publish::{Profile, Spool};
use alertsim_core::registry::{ServerConfig, start};
use alertsim_tests::TestResult;
use alertsim_tests::cases::{decode_all, publish_consume_decode, small_batches};
use alertsim_tests::kafka::{broker_with_topic, consume};

const TOPIC: &str = "lsst-alerts-v11";

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_alerts_are_published_consumed_and_decoded() -> TestResult {
    let broker = broker_with_topic(TOPIC, 3).await?;
    let registry = start(ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: None,
    })
    .await?;
    publish_consume_decode(&broker.bootstrap(), &registry.url(), TOPIC, 3, 10_000).await?;
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
    let batches = small_batches(1_000, 11)?;
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
    let batches = small_batches(30, 13)?;
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
