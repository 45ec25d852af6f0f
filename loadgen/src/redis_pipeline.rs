//! The Redis half of the production path against a real Redis: fan out
//! visits to the instrument's stream, run a pool of workers (the production
//! worker driver) with a caller-supplied processor, and measure how long the
//! fan-out and the drain take and how the lag behaves.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alertsim_core::fanout::{self, Visit};
use alertsim_core::scaler::lag::{NullLag, StreamQuery};
use alertsim_core::worker::{Delivery, WorkerConfig};
use alertsim_drivers::worker::{Processor, WorkerReport, WorkerSettings};

/// What to run.
#[derive(Debug, Clone)]
pub struct PipelinePlan {
    /// The instrument (stream `instrument:<lower-case name>`).
    pub instrument: String,
    /// Visits to fan out, all before the workers start.
    pub visits: Vec<Visit>,
    /// Active detectors of every visit.
    pub detectors: Vec<u32>,
    /// Number of concurrent workers.
    pub workers: usize,
    /// Their settings.
    pub worker: WorkerConfig,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct PipelineReport {
    /// Entries written by the fan-out.
    pub events_written: usize,
    /// Wall time of the fan-out (all XADDs acknowledged by Redis).
    pub fan_out_time: Duration,
    /// Lag right after the fan-out.
    pub lag_after_fan_out: i64,
    /// Wall time from starting the workers to the last event processed.
    pub drain_time: Duration,
    /// Events handed to processors (at least `events_written` when
    /// nothing was lost).
    pub events_processed: usize,
    /// Lag after the workers exited.
    pub final_lag: i64,
    /// One report per worker.
    pub workers: Vec<WorkerReport>,
}

impl PipelineReport {
    /// Processed events per second of drain time.
    pub fn drain_rate(&self) -> f64 {
        let secs = self.drain_time.as_secs_f64();
        if secs > 0.0 {
            self.events_processed as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why the run failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Connecting or a command failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The fan-out failed.
    #[error(transparent)]
    Fanout(#[from] alertsim_drivers::fanout::FanoutError),
    /// Reading the lag failed.
    #[error(transparent)]
    Lag(#[from] alertsim_drivers::lag::ReadError),
    /// A worker task panicked or was cancelled.
    #[error("worker task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Counts processed events and remembers when the last one finished.
#[derive(Debug, Default)]
struct Progress {
    processed: AtomicUsize,
    last_at: std::sync::Mutex<Option<Instant>>,
}

/// Fans out the plan's visits, then runs its workers until they all exit
/// (listen timeout or restart frequency). `make_processor(i)` gives worker
/// `i` its processor.
pub async fn run_pipeline<F, P>(
    url: &str,
    plan: PipelinePlan,
    mut make_processor: F,
) -> Result<PipelineReport, PipelineError>
where
    F: FnMut(usize) -> P,
    P: Processor + 'static,
{
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let stream = fanout::stream_key(&plan.instrument);
    let group = fanout::consumer_group(&plan.instrument);
    alertsim_drivers::fanout::create_group(&mut conn, &stream, &group).await?;

    let started = Instant::now();
    let mut events_written = 0;
    for visit in &plan.visits {
        let events = fanout::fan_out(visit, &plan.detectors);
        events_written += alertsim_drivers::fanout::write_events(&mut conn, &events)
            .await?
            .len();
    }
    let fan_out_time = started.elapsed();
    let query = StreamQuery::from_trigger(stream.clone(), Some(group.clone()), 1, NullLag::Zero);
    let lag_after_fan_out = alertsim_drivers::lag::read_metric(&mut conn, &query)
        .await?
        .value;

    let progress = Arc::new(Progress::default());
    let drain_start = Instant::now();
    let mut handles = Vec::with_capacity(plan.workers);
    for i in 0..plan.workers {
        let processor = Counting {
            inner: make_processor(i),
            progress: progress.clone(),
        };
        let settings = WorkerSettings::new(stream.clone(), group.clone(), plan.worker.clone());
        handles.push(tokio::spawn(alertsim_drivers::worker::run_worker(
            client.get_multiplexed_async_connection().await?,
            settings,
            processor,
        )));
    }
    let mut workers = Vec::with_capacity(handles.len());
    for handle in handles {
        workers.push(handle.await?);
    }
    let last = progress
        .last_at
        .lock()
        .map(|t| *t)
        .unwrap_or(None)
        .unwrap_or(drain_start);
    let final_lag = alertsim_drivers::lag::read_metric(&mut conn, &query)
        .await?
        .value;
    Ok(PipelineReport {
        events_written,
        fan_out_time,
        lag_after_fan_out,
        drain_time: last.saturating_duration_since(drain_start),
        events_processed: progress.processed.load(Ordering::SeqCst),
        final_lag,
        workers,
    })
}

/// Wraps a processor so that every finished event is counted and timed.
struct Counting<P> {
    inner: P,
    progress: Arc<Progress>,
}

impl<P: Processor> Processor for Counting<P> {
    fn process(&mut self, delivery: Delivery) -> impl Future<Output = ()> + Send {
        let progress = self.progress.clone();
        let work = self.inner.process(delivery);
        async move {
            work.await;
            progress.processed.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut last) = progress.last_at.lock() {
                *last = Some(Instant::now());
            }
        }
    }
}
