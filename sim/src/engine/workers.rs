//! The worker of each pod: the core's worker machine, fed the replies of
//! the Redis commands it sends (each reaches the stream one command latency
//! later), the end of its detector's processing and the passing of time;
//! the engine carries out its actions. Idle workers park until entries
//! arrive instead of polling; the Redis CPU model stands for their polling
//! load (the parked workers are its idle pollers). The faults that act on workers: `worker_crash`
//! (busy workers die mid-detector), and the kills that node loss and
//! rollouts cause.

use std::collections::VecDeque;
use std::time::Duration;

use alertsim_core::worker::machine::SCAN_START;
use alertsim_core::worker::{AckMode, Action, Entry, EntryId, Input, Worker, WorkerConfig};
use alertsim_plan::redis_cpu::RedisCommand;
use alertsim_plan::stages::Timeline;

use super::{Engine, Event, from_duration, from_unix, unix};
use crate::model::kube::JobId;
use crate::model::redis::EntryBody;
use crate::time::{SimDuration, SimTime};

/// The Redis command a worker waits on.
#[derive(Debug, Clone)]
enum Command {
    Read,
    Claim(Duration),
    Ack(EntryId),
}

/// The message a worker holds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Held {
    pub(super) id: EntryId,
    pub(super) body: EntryBody,
    taken: SimTime,
    /// Its alerts have been handed to the producer.
    published: bool,
    /// The detector's stages from the read.
    pub(super) timeline: Timeline,
}

/// A worker pod as the engine tracks it.
#[derive(Debug)]
struct Pod {
    worker: Worker,
    command: Option<Command>,
    held: Option<Held>,
    /// The ScaledJob spec generation it was created from.
    generation: i64,
    /// Parked after an empty read, until this time at the earliest.
    parked_until: Option<SimTime>,
    /// Woken for new entries: its next read stands for a poll already
    /// waiting at Redis, so it takes only the network's latency.
    poll_queued: bool,
    listen_start: SimTime,
    busy: SimDuration,
    /// Crashed by a `worker_crash` fault (or unable to start): its worker
    /// takes no more input.
    crashed: bool,
    /// Generation of the schema id it got at start-up (always 0 with
    /// deterministic ids; see [`crate::model::registry`]).
    id_generation: u32,
}

impl Pod {
    /// Releases what the pod holds at `now`, adding the time it held it.
    fn release(&mut self, now: SimTime) -> Option<Held> {
        let held = self.held.take()?;
        self.busy = self.busy + now.saturating_since(held.taken);
        Some(held)
    }
}

/// Every Job's worker, by Job index.
pub(super) struct Workers {
    pods: Vec<Pod>,
    /// Workers waiting for entries, in the order they parked.
    parked: VecDeque<JobId>,
    /// Workers parked now (idle pollers in production).
    parked_now: u32,
    /// Workers holding a message.
    busy: u32,
    /// Messages fully processed.
    processed: u64,
    config: WorkerConfig,
}

impl Workers {
    /// No workers yet; each runs the machine with `config`.
    pub(super) fn new(config: WorkerConfig) -> Self {
        Workers {
            pods: Vec::new(),
            parked: VecDeque::new(),
            parked_now: 0,
            busy: 0,
            processed: 0,
            config,
        }
    }

    /// The worker of a new Job (the next index), from spec `generation`.
    pub(super) fn add(&mut self, generation: i64, now: SimTime) {
        self.pods.push(Pod {
            worker: Worker::new(self.config.clone()),
            command: None,
            held: None,
            generation,
            parked_until: None,
            poll_queued: false,
            listen_start: now,
            busy: SimDuration::ZERO,
            crashed: false,
            id_generation: 0,
        });
    }

    /// Workers created so far.
    pub(super) fn len(&self) -> usize {
        self.pods.len()
    }

    /// Workers holding a message now.
    pub(super) fn busy(&self) -> u32 {
        self.busy
    }

    /// Workers parked now: production's idle workers, polling Redis.
    pub(super) fn parked_now(&self) -> u32 {
        self.parked_now
    }

    /// Parks the worker of `job` until `until`, or (`None`) wakes it,
    /// keeping the count of parked workers.
    fn set_parked(&mut self, job: JobId, until: Option<SimTime>) {
        let Some(pod) = self.pods.get_mut(job.index()) else {
            return;
        };
        match (pod.parked_until.is_some(), until.is_some()) {
            (false, true) => self.parked_now += 1,
            (true, false) => self.parked_now = self.parked_now.saturating_sub(1),
            _ => {}
        }
        pod.parked_until = until;
    }

    /// Messages fully processed so far.
    pub(super) fn messages_processed(&self) -> u64 {
        self.processed
    }

    /// Whether workers acknowledge after processing (at-least-once).
    pub(super) fn acks_after_processing(&self) -> bool {
        self.config.ack_mode == AckMode::AfterProcessing
    }

    /// Whether the worker of `job` still takes input.
    pub(super) fn alive(&self, job: JobId) -> bool {
        self.pods
            .get(job.index())
            .is_some_and(|p| !p.crashed && p.worker.exit_code().is_none())
    }

    /// The ScaledJob generation `job` was created from.
    pub(super) fn spec_generation(&self, job: JobId) -> Option<i64> {
        self.pods.get(job.index()).map(|p| p.generation)
    }

    /// The generation of the schema id the worker of `job` writes.
    pub(super) fn schema_id_generation(&self, job: JobId) -> u32 {
        self.pods.get(job.index()).map_or(0, |p| p.id_generation)
    }

    /// The worker of `job` got a schema id of `generation`.
    pub(super) fn set_schema_id_generation(&mut self, job: JobId, generation: u32) {
        if let Some(pod) = self.pods.get_mut(job.index()) {
            pod.id_generation = generation;
        }
    }

    /// The worker of `job` listens for messages from `now` (its pod runs).
    pub(super) fn listening_since(&mut self, job: JobId, now: SimTime) {
        if let Some(pod) = self.pods.get_mut(job.index()) {
            pod.listen_start = now;
        }
    }

    /// The worker of `job` died without a word: it takes no more input.
    pub(super) fn mark_crashed(&mut self, job: JobId) {
        if let Some(pod) = self.pods.get_mut(job.index()) {
            pod.crashed = true;
        }
    }

    /// Time the worker of `job` spent holding messages.
    pub(super) fn busy_time(&self, job: JobId) -> SimDuration {
        self.pods
            .get(job.index())
            .map_or(SimDuration::ZERO, |p| p.busy)
    }

    /// Messages held whose alerts never reached the producer.
    pub(super) fn unpublished(&self) -> Vec<Held> {
        self.pods
            .iter()
            .filter_map(|p| p.held.filter(|h| !h.published))
            .collect()
    }

    /// The worker of `job` hands its message's alerts to the producer:
    /// the message, if it holds one.
    pub(super) fn start_publishing(&mut self, job: JobId) -> Option<Held> {
        let held = self.pods.get_mut(job.index())?.held.as_mut()?;
        held.published = true;
        Some(*held)
    }
}

impl Engine<'_> {
    /// Feeds the worker machine and carries out its actions.
    pub(super) fn feed(&mut self, now: SimTime, job: JobId, input: Input) {
        let actions = match self.workers.pods.get_mut(job.index()) {
            Some(pod) if !pod.crashed => pod.worker.handle(input),
            Some(_) => return,
            None => return,
        };
        for action in actions {
            self.perform(now, job, action);
        }
    }

    fn perform(&mut self, now: SimTime, job: JobId, action: Action) {
        let command = match action {
            Action::Ping => {
                // Answered at once here; its CPU counts at Redis.
                self.charge_redis(RedisCommand::Ping);
                None
            }
            Action::ReadGroup { .. } => Some(Command::Read),
            Action::AutoClaim { min_idle, .. } => Some(Command::Claim(min_idle)),
            Action::Ack(id) => Some(Command::Ack(id)),
            Action::Process(delivery) => {
                self.process(now, job, delivery.id);
                None
            }
            Action::Skip { id, .. } => {
                // The worker drops what it read (expired or undecodable):
                // that detector is never processed.
                if let Some(body) = self.redis.stream().body(id) {
                    self.outcomes.fail(id, body.visit, &mut self.rec);
                }
                None
            }
            Action::Wait { until } => {
                self.park(now, job, from_unix(until));
                None
            }
            Action::Backoff { until } => {
                // redis-py's retry delay: the failed command goes again then.
                self.queue.schedule(from_unix(until), Event::Tick(job));
                None
            }
            Action::Exit { code, .. } => {
                self.job_exited(now, job, code);
                None
            }
        };
        if let Some(command) = command {
            let kind = match command {
                Command::Read if self.redis.stream().undelivered() > 0 => RedisCommand::ReadEntry,
                Command::Read => RedisCommand::ReadEmpty,
                Command::Claim(_) => RedisCommand::Xautoclaim,
                Command::Ack(_) => RedisCommand::Xack,
            };
            let queued = self
                .workers
                .pods
                .get_mut(job.index())
                .is_some_and(|p| std::mem::take(&mut p.poll_queued));
            let at = if queued && kind == RedisCommand::ReadEntry {
                now + self.network_latency()
            } else {
                now + self.redis_latency(now, kind)
            };
            if let Some(pod) = self.workers.pods.get_mut(job.index()) {
                pod.command = Some(command);
            }
            self.queue.schedule(at, Event::Command(job));
        }
    }

    /// The worker waits until `until` for entries (or its listen timeout):
    /// in production it polls Redis meanwhile.
    fn park(&mut self, now: SimTime, job: JobId, until: SimTime) {
        let listen_timeout =
            SimDuration::from_secs_f64(self.workers.config.listen_timeout.as_secs_f64());
        self.workers.set_parked(job, Some(until));
        self.sync_redis_cpu(now);
        if let Some(pod) = self.workers.pods.get(job.index()) {
            let deadline = pod.listen_start + listen_timeout;
            let listen_start = pod.listen_start.0;
            self.workers.parked.push_back(job);
            self.queue
                .schedule(deadline.max(until), Event::ListenTimeout(job, listen_start));
        }
    }

    /// The worker's command reaches Redis: run it and answer the machine.
    pub(super) fn command(&mut self, now: SimTime, job: JobId) {
        let Some(command) = self
            .workers
            .pods
            .get_mut(job.index())
            .and_then(|p| p.command.take())
        else {
            return;
        };
        if self.redis.is_down() {
            let error = Input::RedisError {
                now: unix(now),
                error: "Connection refused (Redis outage)".to_owned(),
            };
            self.feed(now, job, error);
            return;
        }
        let input = match command {
            Command::Read => {
                let read = self.redis.stream_mut().xreadgroup(job.0, now);
                self.charge_redis(if read.is_some() {
                    RedisCommand::ReadEntry
                } else {
                    RedisCommand::ReadEmpty
                });
                Input::ReadReply {
                    now: unix(now),
                    entry: read.map(|(id, body)| self.fanout.entry(id, body)),
                }
            }
            Command::Claim(min_idle) => {
                let min_idle_us = u64::try_from(min_idle.as_micros()).unwrap_or(u64::MAX);
                let claimed = self.redis.stream_mut().xautoclaim(job.0, now, min_idle_us);
                self.charge_redis(RedisCommand::Xautoclaim);
                let entries: Vec<Entry> = claimed
                    .map(|(id, body)| self.fanout.entry(id, body))
                    .into_iter()
                    .collect();
                Input::ClaimReply {
                    now: unix(now),
                    next_cursor: SCAN_START,
                    entries,
                }
            }
            Command::Ack(id) => {
                self.redis.stream_mut().xack(id);
                self.charge_redis(RedisCommand::Xack);
                Input::AckDone { now: unix(now) }
            }
        };
        self.feed(now, job, input);
    }

    /// The worker processes a detector through its stages (see `stages`):
    /// it holds the message until they end.
    fn process(&mut self, now: SimTime, job: JobId, id: EntryId) {
        let Some(body) = self.redis.stream().body(id) else {
            return;
        };
        if self.workers.pods.get(job.index()).is_none() {
            return;
        }
        let Some(timeline) = self.begin_detector(now, job, id, body) else {
            return;
        };
        let Some(pod) = self.workers.pods.get_mut(job.index()) else {
            return;
        };
        pod.held = Some(Held {
            id,
            body,
            taken: now,
            published: false,
            timeline,
        });
        self.workers.busy += 1;
    }

    /// The worker's detector is published: it is done with the message.
    pub(super) fn detector_done(&mut self, now: SimTime, job: JobId) {
        if !self.workers.alive(job) {
            return;
        }
        let Some(pod) = self.workers.pods.get_mut(job.index()) else {
            return;
        };
        if pod.release(now).is_some() {
            self.workers.busy -= 1;
            self.workers.processed += 1;
        }
        pod.listen_start = now;
        self.feed(now, job, Input::ProcessingFinished { now: unix(now) });
    }

    /// A parked worker is woken: time has passed for it.
    pub(super) fn tick(&mut self, now: SimTime, job: JobId) {
        self.workers.set_parked(job, None);
        self.sync_redis_cpu(now);
        self.feed(now, job, Input::Tick { now: unix(now) });
    }

    /// The listen timeout of a worker parked since `listen_start`: if it
    /// is still parked from then, time passes for it.
    pub(super) fn listen_timeout(&mut self, now: SimTime, job: JobId, listen_start: SimTime) {
        let still_waiting = self
            .workers
            .pods
            .get(job.index())
            .is_some_and(|p| p.parked_until.is_some() && p.listen_start == listen_start);
        if still_waiting {
            self.workers.set_parked(job, None);
            self.sync_redis_cpu(now);
            self.feed(now, job, Input::Tick { now: unix(now) });
        }
    }

    /// Wakes up to `n` parked workers (they read the stream again). In
    /// production they are polling: the polls already waiting at Redis
    /// take the new entries one after the other, one every `1 / X` (the
    /// idle pollers' loop rate), so the k-th woken worker's read lands `k /
    /// X` from now and travels back over the network alone.
    pub(super) fn wake_parked(&mut self, now: SimTime, n: usize) {
        let gap_us = self.redis_poll_gap_us(now);
        let mut woken = 0;
        while woken < n {
            let Some(job) = self.workers.parked.pop_front() else {
                break;
            };
            let Some(until) = self
                .workers
                .pods
                .get(job.index())
                .and_then(|p| p.parked_until)
            else {
                continue;
            };
            woken += 1;
            let pickup = SimDuration((gap_us * woken as f64).round() as u64);
            let at = (now + pickup).max(until);
            if let Some(pod) = self.workers.pods.get_mut(job.index()) {
                pod.poll_queued = true;
            }
            self.queue.schedule(at, Event::Tick(job));
        }
    }

    /// Wakes every parked worker.
    pub(super) fn wake_all_parked(&mut self, now: SimTime) {
        let parked = self.workers.parked.len();
        self.wake_parked(now, parked);
    }

    /// A worker failed: under ack-after-processing what it left pending is
    /// reclaimed by an idle worker once idle long enough.
    pub(super) fn reclaim_after_failure(&mut self, now: SimTime) {
        if self.workers.config.ack_mode == AckMode::AfterProcessing
            && self.redis.stream().pending_count() > 0
        {
            let idle = from_duration(self.workers.config.claim_min_idle);
            self.queue
                .schedule(now + SimDuration(idle.0), Event::Reclaim);
        }
    }

    /// What a worker held when it died: lost under ack-before-processing
    /// (Rubin acked it), left pending for a reclaim under ack-after.
    fn lose_held(&mut self, now: SimTime, held: Held, reclaim: bool) {
        match self.workers.config.ack_mode {
            AckMode::BeforeProcessing => {
                self.outcomes.fail(held.id, held.body.visit, &mut self.rec);
            }
            AckMode::AfterProcessing if reclaim => {
                let idle = from_duration(self.workers.config.claim_min_idle);
                self.queue
                    .schedule(now + SimDuration(idle.0), Event::Reclaim);
            }
            AckMode::AfterProcessing => {}
        }
    }

    /// The pod dies (Job deleted, node lost): the worker gets SIGTERM and
    /// exits 1; what it held is lost (ack before) or left pending for
    /// another worker to reclaim (ack after).
    pub(super) fn kill(&mut self, now: SimTime, job: JobId) {
        self.workers.set_parked(job, None);
        self.sync_redis_cpu(now);
        let Some(pod) = self.workers.pods.get_mut(job.index()) else {
            return;
        };
        pod.command = None;
        if let Some(held) = pod.release(now) {
            self.workers.busy -= 1;
            self.lose_held(now, held, true);
        }
        let started = self
            .pods
            .cluster()
            .job(job)
            .is_some_and(|j| j.running_at.is_some());
        if started && self.workers.alive(job) {
            self.feed(now, job, Input::Terminate { now: unix(now) });
        } else {
            self.job_exited(now, job, 1);
        }
    }

    /// `worker_crash`: `pods` busy worker pods crash at once, lowest Job
    /// number first: no SIGTERM handling, exit 1. What each held follows
    /// the ack mode: lost under ack-before-processing, reclaimed later
    /// under ack-after (the failed exit schedules the reclaim).
    pub(super) fn workers_crash(&mut self, now: SimTime, pods: u32) {
        let busy: Vec<JobId> = self
            .workers
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.held.is_some() && !p.crashed && p.worker.exit_code().is_none())
            .filter_map(|(i, _)| u32::try_from(i).ok().map(JobId))
            .take(pods as usize)
            .collect();
        for job in busy {
            self.workers.set_parked(job, None);
            let Some(pod) = self.workers.pods.get_mut(job.index()) else {
                continue;
            };
            pod.crashed = true;
            pod.command = None;
            if let Some(held) = pod.release(now) {
                self.workers.busy -= 1;
                self.lose_held(now, held, false);
            }
            self.job_exited(now, job, 1);
        }
    }
}
