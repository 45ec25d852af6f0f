//! The redis-streams lag metric read from a real redis-server: lag after
//! XADDs and reads, the pending count, NULL lag after XDEL, overstated lag
//! after XTRIM, and missing streams and groups.

use alertsim_core::scaler::lag::{MetricBasis, NullLag, StreamQuery};
use alertsim_drivers::lag::read_metric;
use alertsim_integration::{TestResult, command, redis_with_connection};

fn lag_query(stream: &str, null_lag: NullLag) -> StreamQuery {
    StreamQuery::from_trigger(stream, Some("g".into()), 1, null_lag)
}

#[tokio::test]
async fn lag_counts_undelivered_entries_and_falls_with_reads() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let () = command(&mut conn, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]).await?;
    let q = lag_query("s", NullLag::Zero);
    assert_eq!(read_metric(&mut conn, &q).await?.value, 0);
    for _ in 0..7 {
        let _: String = command(&mut conn, &["XADD", "s", "*", "detector", "1"]).await?;
    }
    let r = read_metric(&mut conn, &q).await?;
    assert_eq!((r.value, r.basis), (7, MetricBasis::GroupLag));

    let _: redis::Value = command(
        &mut conn,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "COUNT",
            "3",
            "STREAMS",
            "s",
            ">",
        ],
    )
    .await?;
    assert_eq!(read_metric(&mut conn, &q).await?.value, 4);

    // lagCount = 0: the pending count instead (3 read, none acknowledged).
    let pending = StreamQuery::from_trigger("s", Some("g".into()), 0, NullLag::Zero);
    let r = read_metric(&mut conn, &pending).await?;
    assert_eq!((r.value, r.basis), (3, MetricBasis::Pending));

    // No consumer group: XLEN.
    let length = StreamQuery::from_trigger("s", None, 1, NullLag::Zero);
    assert_eq!(read_metric(&mut conn, &length).await?.value, 7);
    Ok(())
}

#[tokio::test]
async fn missing_stream_reads_zero_and_missing_group_reads_length() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let r = read_metric(&mut conn, &lag_query("absent", NullLag::Zero)).await?;
    assert_eq!((r.value, r.basis), (0, MetricBasis::NoStream));

    for _ in 0..4 {
        let _: String = command(&mut conn, &["XADD", "nogroup", "*", "f", "v"]).await?;
    }
    let r = read_metric(&mut conn, &lag_query("nogroup", NullLag::Zero)).await?;
    assert_eq!((r.value, r.basis), (4, MetricBasis::NoGroupLength));

    // XPENDING on a missing group is an error, as in KEDA.
    let pending = StreamQuery::from_trigger("nogroup", Some("g".into()), 0, NullLag::Zero);
    assert!(read_metric(&mut conn, &pending).await.is_err());
    Ok(())
}

#[tokio::test]
async fn deleting_an_undelivered_entry_makes_the_lag_null() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let () = command(&mut conn, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]).await?;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let id: String = command(&mut conn, &["XADD", "s", "*", "f", "v"]).await?;
        ids.push(id);
    }
    let middle = ids.get(2).ok_or("no id")?.clone();
    let deleted: i64 = command(&mut conn, &["XDEL", "s", &middle]).await?;
    assert_eq!(deleted, 1);

    let old = read_metric(&mut conn, &lag_query("s", NullLag::Zero)).await?;
    assert_eq!((old.value, old.basis), (0, MetricBasis::NullLag));
    let new = read_metric(&mut conn, &lag_query("s", NullLag::MinusOne)).await?;
    assert_eq!((new.value, new.basis), (-1, MetricBasis::NullLag));
    Ok(())
}

#[tokio::test]
async fn trimming_past_the_last_delivered_id_overstates_the_lag() -> TestResult {
    // Redis 7.0 keeps the group's read counter after XTRIM, so the lag is
    // entries_added - entries_read even when fewer entries remain: the
    // phantom lag of redis #13337.
    let (_server, mut conn) = redis_with_connection().await?;
    let () = command(&mut conn, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]).await?;
    for _ in 0..10 {
        let _: String = command(&mut conn, &["XADD", "s", "*", "f", "v"]).await?;
    }
    let _: redis::Value = command(
        &mut conn,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "COUNT",
            "2",
            "STREAMS",
            "s",
            ">",
        ],
    )
    .await?;
    let trimmed: i64 = command(&mut conn, &["XTRIM", "s", "MAXLEN", "3"]).await?;
    assert_eq!(trimmed, 7);
    let r = read_metric(&mut conn, &lag_query("s", NullLag::Zero)).await?;
    let len: i64 = command(&mut conn, &["XLEN", "s"]).await?;
    assert_eq!(len, 3);
    assert_eq!((r.value, r.basis), (8, MetricBasis::GroupLag));
    Ok(())
}

#[tokio::test]
async fn lag_follows_a_detector_fan_out_and_reads() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    alertsim_integration::cases::lag_follows_fan_out_and_reads(&mut conn).await
}
