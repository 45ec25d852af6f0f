//! The fan-out's writes as Rubin's `next_visit_fan_out` does them: one task
//! per detector, each a single `XADD` retried as the core's
//! [`WriteRetry`] says (redis-py's exponential backoff); a detector whose
//! last attempt fails is given up while the others are written.

use std::future::Future;

use redis::aio::ConnectionLike;
use tokio::task::JoinSet;

use alertsim_core::fanout::StreamEvent;
use alertsim_core::fanout::retry::WriteRetry;

use super::FanoutError;

/// Runs `attempt` until it succeeds or `retry` gives up, sleeping the
/// core's delay after each failure; the last error when it gives up.
pub async fn with_retry<T, E, F, Fut>(retry: &WriteRetry, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut failures = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                failures += 1;
                match retry.delay_after(failures) {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return Err(error),
                }
            }
        }
    }
}

/// `XADD <stream> * field value ...`: the entry ID.
async fn xadd<C>(conn: &mut C, event: &StreamEvent) -> Result<String, FanoutError>
where
    C: ConnectionLike + Send,
{
    let mut cmd = redis::cmd("XADD");
    cmd.arg(&event.stream).arg("*");
    for (field, value) in &event.fields {
        cmd.arg(field).arg(value);
    }
    Ok(cmd.query_async(conn).await?)
}

/// Writes one detector's event, retrying as `retry` says (each attempt on
/// a clone of `conn`).
pub async fn write_detector<C>(
    conn: &C,
    event: &StreamEvent,
    retry: &WriteRetry,
) -> Result<String, FanoutError>
where
    C: ConnectionLike + Clone + Send + Sync,
{
    with_retry(retry, || {
        let mut conn = conn.clone();
        async move { xadd(&mut conn, event).await }
    })
    .await
}

/// Writes each event as a task of its own on a clone of `conn`; the result
/// of each, in the order given (an error: that detector was given up).
pub async fn write_detectors<C>(
    conn: &C,
    events: Vec<StreamEvent>,
    retry: WriteRetry,
) -> Vec<Result<String, FanoutError>>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    let mut tasks = JoinSet::new();
    let count = events.len();
    for (index, event) in events.into_iter().enumerate() {
        let conn = conn.clone();
        tasks.spawn(async move {
            let written = write_detector(&conn, &event, &retry).await;
            (index, written)
        });
    }
    let mut results: Vec<Option<Result<String, FanoutError>>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, written)) = joined
            && let Some(slot) = results.get_mut(index)
        {
            *slot = Some(written);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(FanoutError::TaskLost)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_write_is_tried_again_2_4_and_5_seconds_later_then_given_up() {
        let start = tokio::time::Instant::now();
        let attempts = Cell::new(Vec::new());
        let result: Result<(), &str> = with_retry(&WriteRetry::rubin(), || {
            let mut times = attempts.take();
            times.push(start.elapsed());
            attempts.set(times);
            async { Err("refused") }
        })
        .await;
        assert_eq!(result, Err("refused"));
        let secs = Duration::from_secs;
        assert_eq!(attempts.take(), vec![secs(0), secs(2), secs(6), secs(11)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_succeeds_on_a_retry_is_written() {
        let calls = Cell::new(0);
        let result: Result<u32, &str> = with_retry(&WriteRetry::rubin(), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move { if n < 3 { Err("refused") } else { Ok(n) } }
        })
        .await;
        assert_eq!(result, Ok(3));
    }
}
