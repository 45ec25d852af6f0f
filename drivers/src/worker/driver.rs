//! The tokio driver of the worker machine: carries out its actions on a
//! real Redis connection, calls the caller's [`Processor`] for each
//! detector, logs each entry the machine skips (expired or malformed; the
//! machine's [`WorkerStats`] count them), and reads the wall clock (Unix
//! time) for the machine.

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::Value;
use redis::aio::ConnectionLike;
use serde::{Deserialize, Serialize};

use super::reply;
use alertsim_core::worker::WorkerConfig;
use alertsim_core::worker::machine::{Action, Delivery, ExitReason, Input, Worker, WorkerStats};

/// The "process one detector" step, supplied by the caller. Closures
/// `FnMut(Delivery) -> impl Future<Output = ()>` implement it.
pub trait Processor: Send {
    /// Processes one detector; failures are the processor's business (the
    /// entry counts as handled, as in Rubin).
    fn process(&mut self, delivery: Delivery) -> impl Future<Output = ()> + Send;
}

impl<F, Fut> Processor for F
where
    F: FnMut(Delivery) -> Fut + Send,
    Fut: Future<Output = ()> + Send,
{
    fn process(&mut self, delivery: Delivery) -> impl Future<Output = ()> + Send {
        self(delivery)
    }
}

/// Where a worker reads and as whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerSettings {
    /// The stream key.
    pub stream: String,
    /// The consumer group.
    pub group: String,
    /// The consumer name (a fresh uuid4 per worker, never deleted).
    pub consumer: String,
    /// Behaviour.
    pub config: WorkerConfig,
}

impl WorkerSettings {
    /// Settings with a fresh uuid4 consumer name.
    pub fn new(stream: impl Into<String>, group: impl Into<String>, config: WorkerConfig) -> Self {
        Self {
            stream: stream.into(),
            group: group.into(),
            consumer: uuid::Uuid::new_v4().to_string(),
            config,
        }
    }
}

/// How a worker ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// The consumer name used.
    pub consumer: String,
    /// Process exit code (0 normal, 1 Redis error or SIGTERM).
    pub exit_code: i32,
    /// Why it exited.
    pub reason: ExitReason,
    /// What it did.
    pub stats: WorkerStats,
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Runs one worker until it exits. The connection should be dedicated to
/// this worker (a multiplexed connection clone is fine).
pub async fn run_worker<C, P>(mut conn: C, settings: WorkerSettings, processor: P) -> WorkerReport
where
    C: ConnectionLike + Send,
    P: Processor,
{
    run_worker_until(&mut conn, settings, processor, std::future::pending()).await
}

/// Runs one worker until it exits or `terminate` completes (SIGTERM: exit
/// code 1, the current entry is abandoned, as when a pod is killed
/// gracefully).
pub async fn run_worker_until<C, P, T>(
    conn: &mut C,
    settings: WorkerSettings,
    mut processor: P,
    terminate: T,
) -> WorkerReport
where
    C: ConnectionLike + Send,
    P: Processor,
    T: Future<Output = ()> + Send,
{
    let mut machine = Worker::new(settings.config.clone());
    let mut queue: VecDeque<Action> = machine.handle(Input::Started { now: unix_now() }).into();
    let mut terminate = std::pin::pin!(terminate);
    while let Some(action) = queue.pop_front() {
        if let Action::Exit { code, reason } = action {
            return WorkerReport {
                consumer: settings.consumer,
                exit_code: code,
                reason,
                stats: machine.stats().clone(),
            };
        }
        let input = tokio::select! {
            biased;
            () = &mut terminate => Some(Input::Terminate { now: unix_now() }),
            input = perform(conn, &settings, &mut processor, action) => input,
        };
        if let Some(input) = input {
            queue = machine.handle(input).into();
        }
    }
    // The machine always ends with Exit; an empty queue means a bug.
    WorkerReport {
        consumer: settings.consumer,
        exit_code: 1,
        reason: ExitReason::Protocol("the worker machine stopped without exiting".into()),
        stats: machine.stats().clone(),
    }
}

/// Carries out one action; returns the input that answers it (`None` for a
/// successful PING, which has no answer).
async fn perform<C, P>(
    conn: &mut C,
    settings: &WorkerSettings,
    processor: &mut P,
    action: Action,
) -> Option<Input>
where
    C: ConnectionLike + Send,
    P: Processor,
{
    let redis_error = |error: String| {
        Some(Input::RedisError {
            now: unix_now(),
            error,
        })
    };
    match action {
        Action::Ping => match redis::cmd("PING").query_async::<()>(conn).await {
            Ok(()) => None,
            Err(e) => redis_error(e.to_string()),
        },
        Action::ReadGroup { count } => {
            let reply: Result<Value, _> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(&settings.group)
                .arg(&settings.consumer)
                .arg("COUNT")
                .arg(count)
                .arg("STREAMS")
                .arg(&settings.stream)
                .arg(">")
                .query_async(conn)
                .await;
            match reply
                .map_err(|e| e.to_string())
                .and_then(|v| reply::read_group(&v).map_err(|e| e.to_string()))
            {
                Ok(entries) => Some(Input::ReadReply {
                    now: unix_now(),
                    entry: entries.into_iter().next(),
                }),
                Err(e) => redis_error(e),
            }
        }
        Action::AutoClaim { min_idle, start } => {
            let reply: Result<Value, _> = redis::cmd("XAUTOCLAIM")
                .arg(&settings.stream)
                .arg(&settings.group)
                .arg(&settings.consumer)
                .arg(u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX))
                .arg(start.to_string())
                .arg("COUNT")
                .arg(1)
                .query_async(conn)
                .await;
            match reply
                .map_err(|e| e.to_string())
                .and_then(|v| reply::auto_claim(&v).map_err(|e| e.to_string()))
            {
                Ok((next_cursor, entries)) => Some(Input::ClaimReply {
                    now: unix_now(),
                    next_cursor,
                    entries,
                }),
                Err(e) => redis_error(e),
            }
        }
        Action::Ack(id) => {
            let acked: Result<i64, _> = redis::cmd("XACK")
                .arg(&settings.stream)
                .arg(&settings.group)
                .arg(id.to_string())
                .query_async(conn)
                .await;
            match acked {
                Ok(_) => Some(Input::AckDone { now: unix_now() }),
                Err(e) => redis_error(e.to_string()),
            }
        }
        Action::Process(delivery) => {
            processor.process(delivery).await;
            Some(Input::ProcessingFinished { now: unix_now() })
        }
        Action::Skip { id, reason } => {
            // The machine acknowledges the entry next; its detector is
            // never processed.
            tracing::warn!(
                entry = %id,
                ?reason,
                consumer = %settings.consumer,
                "worker: entry skipped without processing"
            );
            None
        }
        // An empty read's pause, or the wait before a failed command is
        // sent again (the machine's Redis retry).
        Action::Wait { until } | Action::Backoff { until } => {
            tokio::time::sleep(until.saturating_sub(unix_now())).await;
            Some(Input::Tick {
                now: unix_now().max(until),
            })
        }
        Action::Exit { .. } => None,
    }
}
