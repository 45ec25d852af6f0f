//! Test bodies shared by the tests on services this machine starts
//! (in-process broker, the project's registry, a spawned redis-server) and
//! the `containers` tests on Apache Kafka, Confluent Schema Registry and
//! Redis images: the same assertions whichever services answer.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use alertsim_core::alert::codec::decode_alert;
use alertsim_core::alert::generate::{AlertGenerator, DetectorAlerts, GeneratorConfig};
use alertsim_core::alert::schema::alert_schema_json;
use alertsim_core::alert::wire::split_header;
use alertsim_core::publish::Profile;
use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_drivers::lag::read_metric;
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig, TIMESTAMP_HEADER};
use alertsim_drivers::registry::{RegistryClient, SchemaIdSource};
use redis::aio::MultiplexedConnection;

use crate::kafka::{Consumed, consume};
use crate::{TestResult, command};

/// Small alerts (short histories) so that thousands of them stay quick.
pub fn small_batches(count: usize, seed: u64) -> TestResult<Vec<DetectorAlerts>> {
    let config = GeneratorConfig {
        mean_prv_dia_sources: 5.0,
        mean_prv_dia_forced_sources: 2.0,
        max_history: 20,
        ..GeneratorConfig::default()
    };
    let generator = AlertGenerator::new(config, seed)?;
    Ok(generator.batches(count).collect::<Result<_, _>>()?)
}

/// Decodes every consumed message, checking the schema id and the
/// `producer_timestamp` header; returns diaSourceId -> times seen.
pub fn decode_all(consumed: &[Consumed], schema_id: i32) -> TestResult<BTreeMap<i64, u32>> {
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

/// Registers the schema in the registry at `registry_url`, publishes
/// `count` alerts to `topic` (which must exist with `partitions`
/// partitions) with the safe profile, consumes them back and decodes each:
/// counts and ids must be equal, the header's schema id the registry's.
pub async fn publish_consume_decode(
    bootstrap: &str,
    registry_url: &str,
    topic: &str,
    partitions: usize,
    count: usize,
) -> TestResult {
    let client = RegistryClient::new(registry_url)?;
    let source = SchemaIdSource::Registry {
        client: client.clone(),
        subject: format!("{topic}-value"),
        schema: alert_schema_json(),
        register: true,
    };
    let schema_id = i32::try_from(source.resolve().await?)?;
    let spool = tempfile::tempdir()?;
    let mut publisher = AlertPublisher::new(&PublisherConfig {
        bootstrap: bootstrap.to_owned(),
        topic: topic.to_owned(),
        profile: Profile::Safe,
        schema_id,
        spool_dir: spool.path().to_owned(),
        overrides: Vec::new(),
    })?;
    let mut expected = BTreeSet::new();
    for batch in small_batches(count, 7)? {
        for alert in &batch.alerts {
            expected.insert(alert.dia_source.dia_source_id);
            publisher
                .publish(alert, batch.visit, batch.detector)
                .await?;
        }
    }
    let summary = publisher.finish().await?;
    drop(publisher);
    assert_eq!(expected.len(), count);
    assert_eq!(
        (summary.accepted, summary.delivered),
        (count as u64, count as u64),
        "{summary:?}"
    );
    assert_eq!(
        (summary.spooled, summary.lost, summary.in_flight),
        (0, 0, 0)
    );

    let registered = client.schema_by_id(u32::try_from(schema_id)?).await?;
    let canonical = |s: &str| apache_avro::Schema::parse_str(s).map(|p| p.canonical_form());
    assert_eq!(canonical(&registered)?, canonical(&alert_schema_json())?);
    let consumed = consume(bootstrap, topic, Duration::from_secs(3)).await?;
    let seen = decode_all(&consumed, schema_id)?;
    assert_eq!(consumed.len(), count);
    assert_eq!(seen.keys().copied().collect::<BTreeSet<_>>(), expected);
    // Null keys are not pinned to a partition: librdkafka's sticky
    // partitioner moves to a random partition every
    // `sticky.partitioning.linger.ms` (10 ms), so over the second or more
    // that 10,000 alerts take, n >= 100 moves reach 45 (1 - (44/45)^n) >= 40
    // partitions on average. Every one of them is a matter of timing (44 of
    // 45 happened on a busy machine); more than half is not.
    let used: BTreeSet<i32> = consumed.iter().map(|m| m.partition).collect();
    assert!(
        used.len() > partitions / 2,
        "null keys spread over only {} of {partitions} partitions",
        used.len()
    );
    Ok(())
}

/// On the Redis behind `conn`: 189 fanned-out entries give a lag of 189,
/// and reading 50 of them brings it to 139.
pub async fn lag_follows_fan_out_and_reads(conn: &mut MultiplexedConnection) -> TestResult {
    let () = command(
        conn,
        &["XGROUP", "CREATE", "instrument", "g", "$", "MKSTREAM"],
    )
    .await?;
    for detector in 0..189 {
        let _: String = command(
            conn,
            &["XADD", "instrument", "*", "detector", &detector.to_string()],
        )
        .await?;
    }
    let query = StreamQuery::from_trigger("instrument", Some("g".into()), 1, NullLag::Zero);
    assert_eq!(read_metric(conn, &query).await?.value, 189);
    let _: redis::Value = command(
        conn,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "COUNT",
            "50",
            "STREAMS",
            "instrument",
            ">",
        ],
    )
    .await?;
    assert_eq!(read_metric(conn, &query).await?.value, 139);
    Ok(())
}
