//! How worker Jobs in processes of their own (`--jobs process` or
//! `kubernetes`) and the load run that started them talk: through a few
//! Redis keys beside the run's stream, since a pod shares nothing else
//! with the load generator.
//!
//! - `{stream}:jobs:counters`, a hash: alerts handed to a producer,
//!   settled, delivered and spooled, summed over all workers (each worker
//!   adds what it did since its last report). The run's progress and its
//!   drain check read them.
//! - `{stream}:jobs:busy`, a set: the workers processing a detector now.
//! - `{stream}:jobs:crash`, a set: workers a `worker_crash` fault kills;
//!   a worker that finds itself there dies as a crashed pod does (its
//!   unsettled alerts lost, its event not acknowledged).
//! - `{stream}:jobs:started` and `{stream}:jobs:exited`, sets: so that the
//!   run knows when every worker that started has handed in its records.
//! - `{stream}:jobs:recorders`, a list: each worker's metrics recorder
//!   (a recorder file's body), pushed when it exits and merged into the
//!   run's own by the load generator.
//!
//! Workers report every [`REPORT_INTERVAL`] of wall time; the run reads at
//! the same cadence. A worker killed without warning (SIGKILL) loses its
//! records: in-process crashes are therefore ordered through Redis.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alertsim_reports::{Gauges, Recorder};
use redis::aio::MultiplexedConnection;

use super::state::{Counters, RunState};

/// How often workers report and the run reads.
pub const REPORT_INTERVAL: Duration = Duration::from_millis(200);

/// The Redis keys of one run's worker reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLinkKeys {
    counters: String,
    busy: String,
    crash: String,
    started: String,
    exited: String,
    recorders: String,
}

impl JobLinkKeys {
    /// The keys beside `stream`.
    pub fn for_stream(stream: &str) -> Self {
        let key = |name: &str| format!("{stream}:jobs:{name}");
        JobLinkKeys {
            counters: key("counters"),
            busy: key("busy"),
            crash: key("crash"),
            started: key("started"),
            exited: key("exited"),
            recorders: key("recorders"),
        }
    }

    fn all(&self) -> [&str; 6] {
        [
            &self.counters,
            &self.busy,
            &self.crash,
            &self.started,
            &self.exited,
            &self.recorders,
        ]
    }
}

/// The counters workers sum into the hash, by field name (the run reads
/// the same fields back into the same counters).
fn shared_counters(c: &Counters) -> [(&'static str, &AtomicU64); 4] {
    [
        ("handed", &c.alerts_handed),
        ("settled", &c.alerts_settled),
        ("delivered", &c.alerts_delivered),
        ("spooled", &c.alerts_spooled),
    ]
}

/// The values of the shared counters now, by field name.
fn counters(state: &RunState) -> [(&'static str, u64); 4] {
    shared_counters(&state.counters).map(|(field, counter)| (field, Counters::get(counter)))
}

/// A worker's side: reports its counters and business, obeys crash
/// orders, and hands in its recorder when it exits.
pub struct WorkerReporter {
    keys: JobLinkKeys,
    identity: String,
    conn: MultiplexedConnection,
    reported: [u64; 4],
    /// Index of the next sample of the worker's own series (1: the one
    /// at the end of the first interval).
    next_sample: u64,
}

impl WorkerReporter {
    /// Connects and announces the worker as started.
    pub async fn start(
        redis: &str,
        keys: JobLinkKeys,
        identity: String,
    ) -> Result<Self, redis::RedisError> {
        let mut conn = super::redis_link::connect(redis).await?;
        redis::cmd("SADD")
            .arg(&keys.started)
            .arg(&identity)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(WorkerReporter {
            keys,
            identity,
            conn,
            reported: [0; 4],
            next_sample: 1,
        })
    }

    /// Reports once: adds the counters' growth, marks the worker busy or
    /// not, and crashes it (through `state`) if a fault ordered so.
    pub async fn report(&mut self, state: &RunState) -> Result<(), redis::RedisError> {
        self.close_intervals(state, state.clock.now_s());
        let now = counters(state);
        let mut pipe = redis::pipe();
        for ((field, value), reported) in now.iter().zip(&self.reported) {
            if value > reported {
                pipe.cmd("HINCRBY")
                    .arg(&self.keys.counters)
                    .arg(*field)
                    .arg(value - reported)
                    .ignore();
            }
        }
        let busy_cmd = if Counters::get(&state.counters.pods_busy) == 0 {
            "SREM"
        } else {
            "SADD"
        };
        pipe.cmd(busy_cmd)
            .arg(&self.keys.busy)
            .arg(&self.identity)
            .ignore();
        pipe.cmd("SISMEMBER")
            .arg(&self.keys.crash)
            .arg(&self.identity);
        let (crash,): (bool,) = pipe.query_async(&mut self.conn).await?;
        self.reported = now.map(|(_, value)| value);
        if crash {
            state.crash(&self.identity);
        }
        Ok(())
    }

    /// Reports every [`REPORT_INTERVAL`], for as long as the caller polls.
    pub async fn report_forever(&mut self, state: &RunState) -> std::convert::Infallible {
        let mut tick = tokio::time::interval(REPORT_INTERVAL);
        loop {
            tick.tick().await;
            if let Err(error) = self.report(state).await {
                tracing::warn!(%error, "worker: reporting to the load run failed");
            }
        }
    }

    /// Samples the worker's recorder at every interval boundary up to
    /// `until_s`, so that its deliveries fall in the same intervals of the
    /// series as the run's own samples (series merge sample by sample).
    /// The gauges are the run's to sample: the worker's are zeros.
    fn close_intervals(&mut self, state: &RunState, until_s: f64) {
        let mut recorder = state.recorder();
        let interval = recorder.sample_interval_s();
        loop {
            let t_s = interval * self.next_sample as f64;
            if t_s > until_s {
                return;
            }
            recorder.sample(t_s, Gauges::default());
            self.next_sample += 1;
        }
    }

    /// The last report, then the recorder, then the exit mark.
    pub async fn finish(&mut self, state: &RunState) -> Result<(), redis::RedisError> {
        self.report(state).await?;
        // The interval in progress holds the last deliveries.
        let interval = state.recorder().sample_interval_s();
        self.close_intervals(state, state.clock.now_s() + interval);
        let recorder = state.recorder().to_file_bytes().map_err(|error| {
            redis::RedisError::from((
                redis::ErrorKind::Client,
                "encoding the recorder",
                error.to_string(),
            ))
        })?;
        redis::pipe()
            .atomic()
            .cmd("SREM")
            .arg(&self.keys.busy)
            .arg(&self.identity)
            .ignore()
            .cmd("RPUSH")
            .arg(&self.keys.recorders)
            .arg(recorder)
            .ignore()
            .cmd("SADD")
            .arg(&self.keys.exited)
            .arg(&self.identity)
            .ignore()
            .query_async::<()>(&mut self.conn)
            .await
    }
}

/// Why the run could not read its workers' reports.
#[derive(Debug, thiserror::Error)]
pub enum JobLinkError {
    /// Redis failed.
    #[error("reading the workers' reports from Redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A worker's recorder did not parse.
    #[error(transparent)]
    Recorder(#[from] alertsim_reports::MergeError),
}

/// The run's side: reads the workers' counters, forwards crash orders,
/// collects their recorders.
pub struct RunLink {
    keys: JobLinkKeys,
    conn: MultiplexedConnection,
}

impl RunLink {
    /// Connects, and clears what an earlier run with the same stream left.
    pub async fn open(redis: &str, keys: JobLinkKeys) -> Result<Self, JobLinkError> {
        let conn = super::redis_link::connect(redis).await?;
        let mut link = RunLink { keys, conn };
        link.remove().await?;
        Ok(link)
    }

    /// Takes the workers' counters and business into `state`, and passes
    /// on the crashes faults have ordered.
    pub async fn sync(&mut self, state: &RunState) -> Result<(), JobLinkError> {
        let crashed = state.crashed_jobs();
        let mut pipe = redis::pipe();
        pipe.cmd("HGETALL").arg(&self.keys.counters);
        pipe.cmd("SMEMBERS").arg(&self.keys.busy);
        if !crashed.is_empty() {
            pipe.cmd("SADD")
                .arg(&self.keys.crash)
                .arg(&crashed)
                .ignore();
        }
        let (totals, busy): (BTreeMap<String, u64>, BTreeSet<String>) =
            pipe.query_async(&mut self.conn).await?;
        for (field, counter) in shared_counters(&state.counters) {
            counter.store(totals.get(field).copied().unwrap_or(0), Ordering::Relaxed);
        }
        state.replace_busy_jobs(busy);
        Ok(())
    }

    /// Syncs every [`REPORT_INTERVAL`] until the run stops.
    pub async fn run_sync(&mut self, state: &RunState) {
        let mut tick = tokio::time::interval(REPORT_INTERVAL);
        loop {
            tokio::select! {
                () = state.stopped() => return,
                _ = tick.tick() => {}
            }
            if let Err(error) = self.sync(state).await {
                tracing::debug!(%error, "the workers' reports are unreadable for now");
            }
        }
    }

    /// Waits until every worker that started has exited, at most
    /// `patience`; returns the workers that had not.
    pub async fn wait_for_exits(
        &mut self,
        patience: Duration,
    ) -> Result<Vec<String>, JobLinkError> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut tick = tokio::time::interval(REPORT_INTERVAL);
        loop {
            tick.tick().await;
            let missing: Vec<String> = redis::cmd("SDIFF")
                .arg(&self.keys.started)
                .arg(&self.keys.exited)
                .query_async(&mut self.conn)
                .await?;
            if missing.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(missing);
            }
        }
    }

    /// The recorders the workers handed in.
    pub async fn recorders(&mut self) -> Result<Vec<Recorder>, JobLinkError> {
        let bodies: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(&self.keys.recorders)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn)
            .await?;
        let mut recorders = Vec::with_capacity(bodies.len());
        for (i, body) in bodies.iter().enumerate() {
            let origin = PathBuf::from(format!("redis:{}[{i}]", self.keys.recorders));
            recorders.push(Recorder::from_file_bytes(body, &origin)?);
        }
        Ok(recorders)
    }

    /// Deletes the keys (the run leaves nothing behind in Redis).
    pub async fn remove(&mut self) -> Result<(), JobLinkError> {
        redis::cmd("DEL")
            .arg(&self.keys.all())
            .query_async::<()>(&mut self.conn)
            .await?;
        Ok(())
    }
}
