//! Writing fanned-out events to Redis: the consumer group created as Rubin
//! does (`XGROUP CREATE <stream> <group> $ MKSTREAM`, an existing group is
//! fine) and one `XADD <stream> * field value ...` per event, no MAXLEN:
//! [`write_events`] in one pipeline (tests, benchmarks), or
//! [`per_detector::write_detectors`] as production does (a task per
//! detector, each retried, a failed one given up).

pub mod per_detector;

use redis::aio::ConnectionLike;

use alertsim_core::fanout::StreamEvent;

/// A Redis failure while fanning out.
#[derive(Debug, thiserror::Error)]
pub enum FanoutError {
    /// The command failed.
    #[error("redis command failed during fan-out: {0}")]
    Redis(#[from] redis::RedisError),
    /// A detector's write task ended without a result (it panicked or was
    /// cancelled).
    #[error("a detector's write task ended without a result")]
    TaskLost,
}

/// Creates `group` on `stream` at `$` (only entries added later are
/// delivered), creating the stream if needed. Returns `false` when the
/// group already existed (BUSYGROUP), which is not an error.
pub async fn create_group<C>(conn: &mut C, stream: &str, group: &str) -> Result<bool, FanoutError>
where
    C: ConnectionLike + Send,
{
    let created: Result<(), _> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("$")
        .arg("MKSTREAM")
        .query_async(conn)
        .await;
    match created {
        Ok(()) => Ok(true),
        Err(err) if err.code() == Some("BUSYGROUP") => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Appends the events, one `XADD` each (sent as one pipeline, not a
/// transaction), and returns the entry IDs in order.
pub async fn write_events<C>(
    conn: &mut C,
    events: &[StreamEvent],
) -> Result<Vec<String>, FanoutError>
where
    C: ConnectionLike + Send,
{
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for event in events {
        let cmd = pipe.cmd("XADD").arg(&event.stream).arg("*");
        for (field, value) in &event.fields {
            cmd.arg(field).arg(value);
        }
    }
    Ok(pipe.query_async(conn).await?)
}
