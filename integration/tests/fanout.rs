//! Fan-out against a real redis-server: the group is created as Rubin does
//! (idempotently), one entry per detector lands on `instrument:lsstcam`, the
//! lag is 189 per visit, and an entry reads back as the visit it came from.

use alertsim_core::fanout::{
    DetectorEvent, Visit, consumer_group, fan_out, lsstcam_detectors, stream_key,
};
use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_drivers::fanout::{create_group, write_events};
use alertsim_drivers::lag::read_metric;
use alertsim_integration::{TestResult, command, redis_with_connection};
use redis::streams::StreamReadReply;

fn visit(n: i64) -> Visit {
    Visit {
        sal_index: 3,
        script_sal_index: 1000 + n,
        instrument: "LSSTCam".into(),
        group_id: format!("2026-11-22T03:00:{n:02}"),
        coordinate_system: 2,
        position: [10.0 + n as f64, -45.25],
        start_time: 1_795_000_000.5 + n as f64 * 40.0,
        rotation_system: 2,
        camera_angle: 12.5,
        filters: "r_57".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "BLOCK-365".into(),
        total_checkpoints: 0,
        private_snd_stamp: 1_795_000_000.0 + n as f64 * 40.0,
    }
}

#[tokio::test]
async fn each_visit_adds_189_entries_and_189_lag() -> TestResult {
    let (_server, mut conn) = redis_with_connection().await?;
    let stream = stream_key("LSSTCam");
    let group = consumer_group("LSSTCam");
    assert!(create_group(&mut conn, &stream, &group).await?);
    assert!(
        !create_group(&mut conn, &stream, &group).await?,
        "BUSYGROUP tolerated"
    );

    let query = StreamQuery::from_trigger(stream.clone(), Some(group.clone()), 1, NullLag::Zero);
    for n in 1..=3 {
        let ids = write_events(&mut conn, &fan_out(&visit(n), &lsstcam_detectors())).await?;
        assert_eq!(ids.len(), 189);
        let len: i64 = command(&mut conn, &["XLEN", &stream]).await?;
        assert_eq!(len, 189 * n);
        assert_eq!(read_metric(&mut conn, &query).await?.value, 189 * n);
    }

    let reply: StreamReadReply = command(
        &mut conn,
        &[
            "XREADGROUP",
            "GROUP",
            &group,
            "c",
            "COUNT",
            "1",
            "STREAMS",
            &stream,
            ">",
        ],
    )
    .await?;
    let entry = reply
        .keys
        .first()
        .and_then(|k| k.ids.first())
        .ok_or("no entry")?;
    let pairs: Vec<(String, String)> = entry
        .map
        .iter()
        .map(|(k, v)| Ok((k.clone(), redis::from_redis_value_ref::<String>(v)?)))
        .collect::<Result<_, redis::ParsingError>>()?;
    let event = DetectorEvent::from_fields(&pairs)?;
    assert_eq!(
        event,
        DetectorEvent {
            visit: visit(1),
            detector: 0
        }
    );
    assert_eq!(read_metric(&mut conn, &query).await?.value, 3 * 189 - 1);
    Ok(())
}
