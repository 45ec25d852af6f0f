//! The publisher against a real Kafka-protocol broker and the project's
//! registry server: every alert is delivered, or spooled and replayed, or
//! counted as lost; consumed back with an independent rdkafka consumer and
//! decoded. Each body runs twice (`on_both_brokers!`): on the in-process
//! tansu broker and on a local Apache Kafka 4.1.0 cluster (3 brokers, the
//! topic at 45 partitions, RF 3, min ISR 2), where "the broker stops" is
//! every broker SIGKILLed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alertsim_core::publish::{Failure, Outcome, Profile};
use alertsim_drivers::publish::Spool;
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig};
use alertsim_drivers::publish::replay::replay;
use alertsim_drivers::registry::{ServerConfig, start};
use alertsim_integration::arms::{Engine, TestBroker};
use alertsim_integration::cases::{decode_all, publish_consume_decode, small_batches};
use alertsim_integration::kafka::consume;
use alertsim_integration::{TestResult, on_both_brokers};

fn config(
    broker: &TestBroker,
    bootstrap: String,
    profile: Profile,
    schema_id: i32,
    spool: &std::path::Path,
) -> PublisherConfig {
    PublisherConfig {
        bootstrap,
        topic: broker.topic.clone(),
        profile,
        schema_id,
        spool_dir: spool.to_owned(),
        overrides: Vec::new(),
    }
}

on_both_brokers!(ten_thousand_alerts_are_published_consumed_and_decoded);
async fn ten_thousand_alerts_are_published_consumed_and_decoded(engine: Engine) -> TestResult {
    let broker = TestBroker::start(engine, 3).await?;
    let registry = start(ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: None,
    })
    .await?;
    let partitions = usize::try_from(broker.partitions)?;
    let bootstrap = broker.bootstrap().await?;
    publish_consume_decode(
        &bootstrap,
        &registry.url(),
        &broker.topic,
        partitions,
        10_000,
    )
    .await?;
    registry.shutdown().await?;
    Ok(())
}

on_both_brokers!(broker_stopped_mid_run_spools_and_replay_delivers_the_rest);
async fn broker_stopped_mid_run_spools_and_replay_delivers_the_rest(engine: Engine) -> TestResult {
    let mut broker = TestBroker::start(engine, 2).await?;
    let bootstrap = broker.bootstrap().await?;
    let spool_dir = tempfile::tempdir()?;
    let mut settings = config(
        &broker,
        bootstrap.clone(),
        Profile::Safe,
        1100,
        spool_dir.path(),
    );
    // A short delivery timeout keeps the test quick; the policy is the same.
    settings.overrides = vec![("delivery.timeout.ms".to_owned(), "1500".to_owned())];
    let mut publisher = AlertPublisher::new(&settings)?;
    let batches = small_batches(1_000, 11)?;
    let mut published = 0;
    for batch in &batches {
        for alert in &batch.alerts {
            if published == 400 {
                broker.stop_all().await?;
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

    broker.restart_all().await?;
    let replayed = replay(&spool, &bootstrap, &broker.topic, Profile::Safe, |_| {}).await?;
    assert_eq!(
        (replayed.found, replayed.delivered, replayed.failed),
        (summary.spooled, summary.spooled, 0)
    );
    assert!(
        spool.entries()?.is_empty(),
        "replay removes what it delivered"
    );

    let consumed = consume(&bootstrap, &broker.topic, Duration::from_secs(3)).await?;
    let seen = decode_all(&consumed, 1100)?;
    let duplicates: u32 = seen.values().map(|n| n - 1).sum();
    assert_eq!(seen.len(), 1_000, "every alert arrived at least once");
    assert_eq!(consumed.len(), 1_000 + duplicates as usize);
    eprintln!(
        "broker stop ({engine:?}): delivered {}, spooled {}, duplicates {duplicates}",
        summary.delivered, summary.spooled
    );
    Ok(())
}

on_both_brokers!(rubin_profile_counts_the_alerts_it_loses);
/// 25 alerts with the broker up, then every broker stopped and 5 more.
/// The expectation comes from the publisher's own per-alert outcomes (its
/// observer), not from timing: after the stop nothing can be delivered, so
/// each of the 5 waits out the 1.2 s delivery timeout and is lost as
/// `timed_out`; before it each alert is delivered unless the publisher
/// itself reported it timed out (a busy machine can stall one past 1.2 s).
/// The ledger must count exactly what the outcomes say, and nothing is
/// spooled: Rubin only counts what it loses.
async fn rubin_profile_counts_the_alerts_it_loses(engine: Engine) -> TestResult {
    let mut broker = TestBroker::start(engine, 1).await?;
    let bootstrap = broker.bootstrap().await?;
    let spool_dir = tempfile::tempdir()?;
    let settings = config(&broker, bootstrap, Profile::Rubin, 1100, spool_dir.path());
    let mut publisher = AlertPublisher::new(&settings)?;
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    publisher.set_observer(Box::new(move |key, outcome, _bytes| {
        if let Ok(mut seen) = sink.lock() {
            seen.push((key.dia_source_id, outcome));
        }
    }));
    let ended = |outcomes: &Mutex<Vec<(i64, Outcome)>>| {
        outcomes
            .lock()
            .map(|o| o.clone())
            .map_err(|e| e.to_string())
    };
    let batches = small_batches(30, 13)?;
    let alerts: Vec<_> = batches
        .iter()
        .flat_map(|b| b.alerts.iter().map(move |a| (b.visit, b.detector, a)))
        .collect();
    let (before, after) = alerts.split_at(25);
    for (i, (visit, detector, alert)) in before.iter().enumerate() {
        publisher.publish(alert, *visit, *detector).await?;
        // Rubin flushes after every alert: each ended before the next began.
        assert_eq!(ended(&outcomes)?.len(), i + 1, "alert {i} still in flight");
    }
    broker.stop_all().await?;
    for (visit, detector, alert) in after {
        publisher.publish(alert, *visit, *detector).await?;
    }
    let summary = publisher.finish().await?;
    let outcomes = ended(&outcomes)?;
    let ids: Vec<i64> = outcomes.iter().map(|(id, _)| *id).collect();
    let sent: Vec<i64> = alerts
        .iter()
        .map(|(_, _, a)| a.dia_source.dia_source_id)
        .collect();
    assert_eq!(ids, sent, "one outcome per alert, in order");
    let (pre, post) = outcomes.split_at(25);
    for (id, outcome) in post {
        assert_eq!(
            *outcome,
            Outcome::Lost(Failure::TimedOut),
            "alert {id} published after the stop"
        );
    }
    for (id, outcome) in pre {
        assert!(
            matches!(
                outcome,
                Outcome::Delivered { .. } | Outcome::Lost(Failure::TimedOut)
            ),
            "alert {id} published before the stop: {outcome:?}"
        );
    }
    let delivered = pre
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Delivered { .. }))
        .count() as u64;
    assert!(delivered > 0, "the broker was up for 25 alerts: {pre:?}");
    let lost = 30 - delivered;
    assert_eq!(
        (
            summary.accepted,
            summary.delivered,
            summary.lost,
            summary.spooled
        ),
        (30, delivered, lost, 0),
        "{summary:?}"
    );
    assert_eq!(
        summary.failures.iter().collect::<Vec<_>>(),
        [(&"timed_out", &lost)],
        "{summary:?}"
    );
    assert!(
        Spool::open(spool_dir.path())?.entries()?.is_empty(),
        "rubin spools nothing"
    );
    eprintln!("rubin ({engine:?}): delivered {delivered} of 25 before the stop, lost {lost}");
    Ok(())
}

on_both_brokers!(an_alert_over_the_producers_size_limit_is_lost_under_rubin_and_kept_under_safe);
/// librdkafka refuses at the produce call a message larger than its
/// `message.max.bytes` (here 1,000 bytes, its minimum: every generated
/// alert is larger). The packager logs such an alert and drops it
/// (`doWriteFailedAlerts` is off in production), so `rubin` counts each as
/// lost with `too_large` and spools nothing; `safe` spools each.
async fn an_alert_over_the_producers_size_limit_is_lost_under_rubin_and_kept_under_safe(
    engine: Engine,
) -> TestResult {
    let broker = TestBroker::start(engine, 1).await?;
    let bootstrap = broker.bootstrap().await?;
    let batches = small_batches(3, 17)?;
    let n: u64 = batches.iter().map(|b| b.alerts.len() as u64).sum();
    assert!(n > 0);
    for profile in [Profile::Rubin, Profile::Safe] {
        let spool_dir = tempfile::tempdir()?;
        let mut settings = config(&broker, bootstrap.clone(), profile, 1100, spool_dir.path());
        settings.overrides = vec![("message.max.bytes".to_owned(), "1000".to_owned())];
        let mut publisher = AlertPublisher::new(&settings)?;
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&outcomes);
        publisher.set_observer(Box::new(move |_key, outcome, _bytes| {
            if let Ok(mut seen) = sink.lock() {
                seen.push(outcome);
            }
        }));
        for batch in &batches {
            for alert in &batch.alerts {
                publisher
                    .publish(alert, batch.visit, batch.detector)
                    .await?;
            }
        }
        let summary = publisher.finish().await?;
        let spooled = Spool::open(spool_dir.path())?.entries()?.len() as u64;
        let outcomes = outcomes.lock().map_err(|e| e.to_string())?.clone();
        let expected = match profile {
            Profile::Rubin => Outcome::Lost(Failure::TooLarge),
            Profile::Safe => Outcome::Spooled(Failure::TooLarge),
        };
        assert_eq!(outcomes, vec![expected; n as usize], "{profile:?}");
        let counts = (summary.delivered, summary.lost, summary.spooled, spooled);
        match profile {
            Profile::Rubin => assert_eq!(counts, (0, n, 0, 0), "{summary:?}"),
            Profile::Safe => assert_eq!(counts, (0, 0, n, n), "{summary:?}"),
        }
    }
    Ok(())
}
