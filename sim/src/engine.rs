//! The run loop: one thread, one event queue, the models, and the
//! production code of alertsim-core (the KEDA poll loop, the lag metric, the
//! fan-out's event encoding and the worker state machine of every pod).
//! Events are ordered by (virtual time, sequence); all randomness comes from
//! the named streams of the scenario's seed.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use alertsim_core::fanout::{self, fan_out};
use alertsim_core::scaler::lag::{GroupInfo, StreamQuery, StreamSnapshot, metric_from_snapshot};
use alertsim_core::scaler::{
    FinishedJob, FinishedOutcome, JobAction, JobCounts, PollInput, ScalerLoop, TriggerMetric,
};
use alertsim_core::scaler::{JobGeneration, count_jobs};
use alertsim_core::worker::{AckMode, Action, Entry, Input, Worker, WorkerConfig};
use alertsim_reports::{Gauges, Recorder, Report};
use alertsim_scenarios::{Fault, Scenario};
use rand_chacha::ChaCha8Rng;

use crate::config;
use crate::model::kafka::{Consumers, KafkaCluster};
use crate::model::kube::{Cluster, JobId};
use crate::model::leadership;
use crate::model::night::{Visit, schedule};
use crate::model::redis::{EntryBody, EntryId, RedisStream};
use crate::model::registry::RegistryTimeline;
use crate::queue::EventQueue;
use crate::rng::{Stream, stream};
use crate::schema_evolution::{self, SchemaPlan};
use crate::sizes::AlertSizes;
use crate::time::{SimDuration, SimTime};

mod fault_effects;
mod publishing;

use publishing::Spooled;

/// Unix time of the start of every simulated night (2026-01-01T00:00:00Z):
/// the worker judges message age from the events' `private_sndStamp`,
/// which is Unix seconds.
pub const NIGHT_START_UNIX_S: u64 = 1_767_225_600;

/// Encoder throughput of one worker core, bytes per second: the direct
/// Avro encoder's target (issue 2), a fixed figure so that runs stay
/// deterministic (wall-clock measurements never enter a report).
pub const ENCODE_BYTES_PER_S: f64 = 800e6;

/// What a run produced.
#[derive(Debug, Clone)]
pub struct SimRun {
    /// The report (gates evaluated).
    pub report: Report,
    /// Events the engine processed.
    pub events: u64,
    /// Virtual seconds simulated.
    pub simulated_s: f64,
    /// Worker messages (detectors) fully processed.
    pub messages_processed: u64,
    /// The run hit its drain limit with work left.
    pub truncated: bool,
}

/// Progress of a run, for a progress indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Visits announced so far.
    pub visits_announced: u32,
    /// Visits in the night.
    pub visits_total: u32,
    /// Virtual time, seconds.
    pub simulated_s: f64,
    /// Events processed.
    pub events: u64,
}

/// How long after the last readout a run may go on draining its backlog.
pub const DRAIN_LIMIT: SimDuration = SimDuration::from_secs(6 * 3600);

/// Runs the scenario to the end with nominal alert sizes
/// (`workers.nominal_alert_bytes`).
pub fn run(scenario: &Scenario) -> SimRun {
    let sizes = AlertSizes::fixed(scenario.workers.nominal_alert_bytes);
    run_with_sizes(scenario, sizes, |_| {})
}

/// Runs the scenario with alert sizes drawn from `sizes` (a sample
/// measured with the real encoder), calling `progress` at each visit.
pub fn run_with_sizes(
    scenario: &Scenario,
    sizes: AlertSizes,
    progress: impl FnMut(Progress),
) -> SimRun {
    let scenario = crate::chaos::with_chaos(scenario);
    Engine::new(&scenario, sizes).run(progress)
}

/// Something that happens at an instant of virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// nextVisit for this visit: the fan-out writes its events.
    Announce(u32),
    /// KEDA polls the trigger.
    Poll,
    /// The API client sends a Job creation.
    CreateJob,
    /// The API client deletes a finished Job (history cleanup).
    DeleteJob(JobId),
    /// The pod of this Job finished starting.
    PodRunning(JobId),
    /// The finished pod is gone from its node.
    PodGone(JobId),
    /// The worker's outstanding Redis command reaches Redis.
    Command(JobId),
    /// The worker processed its detector and starts packaging.
    Package(JobId),
    /// The worker published its detector's alerts.
    DetectorDone(JobId),
    /// Time passes for a waiting worker.
    Tick(JobId),
    /// The listen timeout of a waiting worker (its listen start, µs).
    ListenTimeout(JobId, u64),
    /// The recorder samples its gauges.
    Sample,
    /// The scenario's fault number `i` begins.
    FaultStart(u32),
    /// The scenario's fault number `i` ends.
    FaultEnd(u32),
    /// Wake one idle worker so that it reclaims abandoned entries.
    Reclaim,
}

/// How a batch of alerts reaches the producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Send {
    /// First time: counted as produced.
    Fresh,
    /// Replayed from the spool after failing: produced already, not delivered.
    Replay,
    /// A reclaimed entry processed again: every acknowledged alert is a duplicate.
    Again,
}

/// Start and (for lasting faults) length of a fault, seconds.
fn fault_window(fault: &Fault) -> (f64, Option<f64>) {
    let (start, end) = fault.window_s();
    match fault {
        Fault::ScaledJobSpecChange { .. }
        | Fault::StreamTrim { .. }
        | Fault::WorkerCrash { .. } => (start, None),
        _ => (start, Some(end - start)),
    }
}

/// The Redis command a worker waits on.
#[derive(Debug, Clone)]
enum Command {
    Read,
    Claim(Duration),
    Ack(EntryId),
}

/// The message a worker holds.
#[derive(Debug, Clone, Copy)]
struct Held {
    id: EntryId,
    body: EntryBody,
    taken: SimTime,
    /// Its alerts have been handed to the producer.
    published: bool,
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
    listen_start: SimTime,
    busy: SimDuration,
    /// Crashed by a `worker_crash` fault: its worker takes no more input.
    crashed: bool,
    /// Generation of the schema id it got at start-up (always 0 with
    /// deterministic ids; see [`crate::model::registry`]).
    id_generation: u32,
}

struct Engine<'s> {
    s: &'s Scenario,
    queue: EventQueue<Event>,
    visits: Vec<Visit>,
    visit_fields: Vec<Vec<(String, String)>>,
    stream: RedisStream,
    query: StreamQuery,
    scaler: ScalerLoop,
    finished_jobs: Vec<FinishedJob>,
    cluster: Cluster,
    kafka: KafkaCluster,
    consumers: Consumers,
    schema: Option<SchemaPlan>,
    rec: Recorder,
    worker_config: WorkerConfig,
    pods: Vec<Pod>,
    parked: VecDeque<JobId>,
    visits_announced: u32,
    busy_pods: u32,
    messages_processed: u64,
    spool: VecDeque<Spooled>,
    sizes: AlertSizes,
    startup_rng: ChaCha8Rng,
    processing_rng: ChaCha8Rng,
    sizes_rng: ChaCha8Rng,
    kafka_rng: ChaCha8Rng,
    redis_rng: ChaCha8Rng,
    partition_rng: ChaCha8Rng,
    registry: RegistryTimeline,
    hard_stop: SimTime,
    receipts: Vec<(usize, SimTime)>,
    generation: i64,
    startup_factor: f64,
    redis_down: u32,
    brokers_down: u32,
    /// `keda_operator_restart` faults under way.
    keda_away: u32,
    published: BTreeSet<EntryId>,
    failed_entries: BTreeSet<EntryId>,
}

fn to_duration(t: SimTime) -> Duration {
    Duration::from_micros(t.0)
}

fn from_duration(d: Duration) -> SimTime {
    SimTime(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn unix(t: SimTime) -> Duration {
    Duration::from_secs(NIGHT_START_UNIX_S) + to_duration(t)
}

fn from_unix(d: Duration) -> SimTime {
    from_duration(d.saturating_sub(Duration::from_secs(NIGHT_START_UNIX_S)))
}

fn job_name(job: JobId) -> String {
    format!("prompt-proc-{job}")
}

fn entry_id_text(id: EntryId) -> String {
    format!("{id}-0")
}

fn parse_entry_id(text: &str) -> Option<EntryId> {
    text.split('-').next()?.parse().ok()
}

/// The fan-out's fields for a visit, without the trailing detector field
/// (the real fan-out encodes them; the engine appends the detector).
fn visit_fields(scenario: &Scenario, visit: &Visit) -> Vec<(String, String)> {
    let announced = unix(visit.announced).as_secs_f64();
    let v = fanout::Visit {
        sal_index: 1,
        script_sal_index: 1,
        instrument: "LSSTCam".to_owned(),
        group_id: format!("{}-visit-{:05}", scenario.name, visit.index),
        coordinate_system: 2,
        position: [
            f64::from(visit.index % 360),
            -30.0 + f64::from(visit.index % 60),
        ],
        start_time: unix(visit.exposure_start).as_secs_f64(),
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r".to_owned(),
        dome: 1,
        duration: scenario.night.exposure_s,
        nimages: 1,
        survey: "BLOCK-365".to_owned(),
        total_checkpoints: 0,
        private_snd_stamp: announced,
    };
    let mut fields = fan_out(&v, &[0])
        .into_iter()
        .next()
        .map(|e| e.fields)
        .unwrap_or_default();
    if fields.last().is_some_and(|(k, _)| k == "detector") {
        fields.pop();
    }
    fields
}

impl<'s> Engine<'s> {
    fn new(s: &'s Scenario, sizes: AlertSizes) -> Self {
        let visits = schedule(
            &s.night,
            &mut stream(s.seed, Stream::Visits),
            &mut stream(s.seed, Stream::Alerts),
        );
        let last_readout = visits
            .last()
            .map(|v| v.readout_end)
            .unwrap_or(SimTime::ZERO);
        let mut rec = Recorder::new(s);
        for v in &visits {
            rec.visit_planned(v.index, v.readout_end.as_secs_f64(), v.alerts());
        }
        let scaler = ScalerLoop::new(config::scaled_job_settings(&s.scaler), Duration::ZERO)
            .with_rate_limit(config::api_rate_limit(&s.scaler));
        Engine {
            s,
            queue: EventQueue::new(),
            visit_fields: visits.iter().map(|v| visit_fields(s, v)).collect(),
            stream: RedisStream::new(),
            query: config::stream_query(&s.redis, &s.scaler),
            scaler,
            finished_jobs: Vec::new(),
            cluster: Cluster::new(&s.cluster),
            kafka: KafkaCluster::new(&s.kafka),
            consumers: Consumers::new(&s.consumers),
            schema: schema_evolution::plan_for(s),
            rec,
            worker_config: config::worker_config(&s.workers),
            pods: Vec::new(),
            parked: VecDeque::new(),
            visits_announced: 0,
            busy_pods: 0,
            messages_processed: 0,
            spool: VecDeque::new(),
            sizes,
            startup_rng: stream(s.seed, Stream::PodStartup),
            processing_rng: stream(s.seed, Stream::Processing),
            sizes_rng: stream(s.seed, Stream::AlertSizes),
            kafka_rng: stream(s.seed, Stream::Kafka),
            redis_rng: stream(s.seed, Stream::Redis),
            partition_rng: stream(s.seed, Stream::Partitions),
            registry: RegistryTimeline::from_scenario(s),
            hard_stop: last_readout + DRAIN_LIMIT,
            visits,
            receipts: Vec::new(),
            generation: 1,
            startup_factor: 1.0,
            redis_down: 0,
            brokers_down: 0,
            keda_away: 0,
            published: BTreeSet::new(),
            failed_entries: BTreeSet::new(),
        }
    }

    fn run(mut self, mut progress: impl FnMut(Progress)) -> SimRun {
        if let Some(first) = self.visits.first() {
            self.queue.schedule(first.announced, Event::Announce(0));
        }
        self.queue.schedule(SimTime::ZERO, Event::Poll);
        self.queue.schedule(SimTime::ZERO, Event::Sample);
        for (i, fault) in self.s.faults.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let (at, duration) = fault_window(fault);
            self.queue
                .schedule(SimTime::from_secs_f64(at), Event::FaultStart(i));
            if let Some(d) = duration {
                self.queue
                    .schedule(SimTime::from_secs_f64(at + d), Event::FaultEnd(i));
            }
        }
        let mut truncated = false;
        while let Some((now, event)) = self.queue.pop() {
            if now > self.hard_stop {
                truncated = true;
                break;
            }
            self.handle(now, event);
            if let Event::Announce(_) = event {
                progress(Progress {
                    visits_announced: self.visits_announced,
                    visits_total: self.s.night.visits,
                    simulated_s: now.as_secs_f64(),
                    events: self.queue.events_processed(),
                });
            }
            if self.finished() {
                break;
            }
        }
        let end = self.queue.now();
        self.sample(end);
        self.settle(end);
        let simulated_s = end.as_secs_f64();
        let events = self.queue.events_processed();
        let truncated = truncated || !self.finished();
        SimRun {
            report: schema_evolution::attach(
                self.rec.finish(self.s, simulated_s),
                self.schema,
                self.s,
            ),
            events,
            simulated_s,
            messages_processed: self.messages_processed,
            truncated,
        }
    }

    /// All visits announced, every event delivered, every held message
    /// done (and, at-least-once, nothing left pending for reclaiming).
    fn finished(&self) -> bool {
        self.visits_announced as usize == self.visits.len()
            && self.stream.undelivered() == 0
            && self.busy_pods == 0
            && self.spool.is_empty()
            && (self.worker_config.ack_mode == AckMode::BeforeProcessing
                || self.stream.pending_count() == 0)
            // No live worker between its read and its acknowledgement.
            && self
                .stream
                .pending_entries()
                .all(|(_, consumer, _)| !self.alive(consumer))
    }

    /// Counts the detector of entry `id` as failed, once.
    fn fail_entry(&mut self, id: EntryId, visit: u32) {
        if !self.published.contains(&id) && self.failed_entries.insert(id) {
            self.rec.detector_failed(visit);
        }
    }

    /// End of the run: pod time, start-ups, and what never got out.
    fn settle(&mut self, end: SimTime) {
        for (i, pod) in self.pods.iter().enumerate() {
            let Some(job) = u32::try_from(i).ok().and_then(|id| self.cluster.job(id)) else {
                continue;
            };
            let Some(running) = job.running_at else {
                if let Some(scheduled) = job.scheduled_at {
                    let until = job.finished_at.unwrap_or(end).min(end);
                    self.rec
                        .pod_time(0.0, until.saturating_since(scheduled).as_secs_f64());
                }
                continue;
            };
            self.rec
                .pod_started(running.saturating_since(job.created_at).as_secs_f64());
            let starting = job
                .scheduled_at
                .map(|s| running.saturating_since(s))
                .unwrap_or_default();
            let until = job.finished_at.unwrap_or(end).min(end);
            let span = until.saturating_since(running);
            let busy = pod.busy.min(span);
            let idle = SimDuration(span.0 - busy.0) + starting;
            self.rec.pod_time(busy.as_secs_f64(), idle.as_secs_f64());
        }
        // Detectors never processed (drain limit) and alerts left in the spool.
        let held: Vec<Held> = self
            .pods
            .iter()
            .filter_map(|p| p.held.filter(|h| !h.published))
            .collect();
        for h in held {
            self.fail_entry(h.id, h.body.visit);
        }
        let abandoned: Vec<(EntryId, EntryBody)> = self
            .stream
            .pending_entries()
            .filter_map(|(id, _, body)| body.map(|b| (id, b)))
            .collect();
        for (id, body) in abandoned {
            self.fail_entry(id, body.visit);
        }
        while let Some((id, body)) = self.stream.xreadgroup(u32::MAX, end) {
            self.fail_entry(id, body.visit);
        }
        while let Some(spooled) = self.spool.pop_front() {
            for _ in 0..spooled.alerts {
                self.rec.alert_lost(spooled.visit);
            }
        }
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Announce(v) => self.announce(now, v),
            Event::Poll => self.poll(now),
            Event::CreateJob => self.create_job(now),
            Event::DeleteJob(job) => {
                let name = job_name(job);
                // Deleting an unfinished Job (rollout) kills its pod.
                if self
                    .cluster
                    .job(job)
                    .is_some_and(|j| j.finished_at.is_none())
                {
                    self.kill(now, job);
                }
                self.finished_jobs.retain(|f| f.name != name);
            }
            Event::PodRunning(job) => {
                if self
                    .cluster
                    .job(job)
                    .is_some_and(|j| j.finished_at.is_some())
                {
                    return;
                }
                self.cluster.pod_running(job, now);
                if let Some(pod) = self.pods.get_mut(job as usize) {
                    pod.listen_start = now;
                }
                if !self.resolve_schema_id(now, job) {
                    return;
                }
                self.feed(now, job, Input::Started { now: unix(now) });
            }
            Event::PodGone(job) => {
                for bound in self.cluster.release(job, now) {
                    self.start_pod(now, bound);
                }
            }
            Event::Command(job) => self.command(now, job),
            Event::Package(job) => self.package(now, job),
            Event::DetectorDone(job) => {
                if !self.alive(job) {
                    return;
                }
                let Some(pod) = self.pods.get_mut(job as usize) else {
                    return;
                };
                if let Some(held) = pod.held.take() {
                    pod.busy = pod.busy + now.saturating_since(held.taken);
                    self.busy_pods -= 1;
                    self.messages_processed += 1;
                }
                pod.listen_start = now;
                self.feed(now, job, Input::ProcessingFinished { now: unix(now) });
            }
            Event::Tick(job) => {
                if let Some(pod) = self.pods.get_mut(job as usize) {
                    pod.parked_until = None;
                }
                self.feed(now, job, Input::Tick { now: unix(now) });
            }
            Event::ListenTimeout(job, listen_start) => {
                let still_waiting = self.pods.get(job as usize).is_some_and(|p| {
                    p.parked_until.is_some() && p.listen_start == SimTime(listen_start)
                });
                if still_waiting {
                    if let Some(pod) = self.pods.get_mut(job as usize) {
                        pod.parked_until = None;
                    }
                    self.feed(now, job, Input::Tick { now: unix(now) });
                }
            }
            Event::Sample => {
                self.sample(now);
                let every = SimDuration::from_secs_f64(self.rec.sample_interval_s());
                self.queue.schedule(now + every, Event::Sample);
            }
            Event::FaultStart(i) => self.fault(now, i, true),
            Event::FaultEnd(i) => self.fault(now, i, false),
            Event::Reclaim => self.wake_parked(now, 1),
        }
    }

    fn alive(&self, job: JobId) -> bool {
        self.pods
            .get(job as usize)
            .is_some_and(|p| !p.crashed && p.worker.exit_code().is_none())
    }

    /// The pod dies (Job deleted, node lost): the worker gets SIGTERM and
    /// exits 1; what it held is lost (ack before) or left pending for
    /// another worker to reclaim (ack after).
    fn kill(&mut self, now: SimTime, job: JobId) {
        let Some(pod) = self.pods.get_mut(job as usize) else {
            return;
        };
        pod.command = None;
        pod.parked_until = None;
        if let Some(held) = pod.held.take() {
            pod.busy = pod.busy + now.saturating_since(held.taken);
            self.busy_pods -= 1;
            match self.worker_config.ack_mode {
                AckMode::BeforeProcessing => self.fail_entry(held.id, held.body.visit),
                AckMode::AfterProcessing => {
                    let idle = from_duration(self.worker_config.claim_min_idle);
                    self.queue
                        .schedule(now + SimDuration(idle.0), Event::Reclaim);
                }
            }
        }
        let started = self
            .cluster
            .job(job)
            .is_some_and(|j| j.running_at.is_some());
        if started && self.alive(job) {
            self.feed(now, job, Input::Terminate { now: unix(now) });
        } else {
            self.job_exited(now, job, 1);
        }
    }

    /// Wakes up to `n` parked workers (they read the stream again).
    fn wake_parked(&mut self, now: SimTime, n: usize) {
        let mut woken = 0;
        while woken < n {
            let Some(job) = self.parked.pop_front() else {
                break;
            };
            let Some(until) = self.pods.get(job as usize).and_then(|p| p.parked_until) else {
                continue;
            };
            let at = (now + self.command_latency()).max(until);
            self.queue.schedule(at, Event::Tick(job));
            woken += 1;
        }
    }

    /// A fault of the scenario begins (`start`) or ends.
    fn fault(&mut self, now: SimTime, i: u32, start: bool) {
        let Some(fault) = self.s.faults.get(i as usize).cloned() else {
            return;
        };
        match fault {
            Fault::BrokerOutage { .. } | Fault::KafkaRedeploy { .. } => {
                // A redeploy takes every broker until the ingress is back.
                let brokers = match fault {
                    Fault::BrokerOutage { brokers, .. } => brokers,
                    _ => self.s.kafka.brokers,
                };
                if start {
                    self.brokers_down += brokers;
                } else {
                    self.brokers_down = self.brokers_down.saturating_sub(brokers);
                }
                let up = self.s.kafka.brokers.saturating_sub(self.brokers_down);
                self.kafka.set_brokers_up(up);
            }
            Fault::RedisOutage { .. } | Fault::RedisRestartEmpty { .. } => {
                if start {
                    self.redis_down += 1;
                    // Idle workers poll in a loop: they hit the outage at once.
                    let parked = self.parked.len();
                    self.wake_parked(now, parked);
                } else {
                    self.redis_down = self.redis_down.saturating_sub(1);
                }
                if start && matches!(fault, Fault::RedisRestartEmpty { .. }) {
                    for body in self.stream.restart_empty() {
                        self.rec.detector_failed(body.visit);
                    }
                }
            }
            Fault::BrokerSlow {
                added_latency_ms,
                bandwidth_factor,
                ..
            } => self
                .kafka
                .health
                .slow(start, added_latency_ms, bandwidth_factor),
            Fault::BrokerDiskFull { .. } | Fault::NetworkPartition { .. } => {
                self.kafka.health.block_writes(start);
            }
            Fault::WorkerCrash { pods, .. } => self.crash_busy_workers(now, pods),
            Fault::KedaOperatorRestart { .. } => {
                if start {
                    self.keda_away += 1;
                } else {
                    self.keda_away = self.keda_away.saturating_sub(1);
                }
            }
            Fault::RegistryOutage { .. } | Fault::RegistryRebuilt { .. } => {
                // The registry's timeline is fixed from the scenario (see
                // `model::registry`): pods starting in the window and
                // consumers fetching an id consult it.
            }
            Fault::PartitionLeadershipLost {
                partitions,
                duration_s,
                ..
            } => {
                if start {
                    let chosen = leadership::choose(
                        self.s.kafka.partitions,
                        partitions,
                        &mut self.partition_rng,
                    );
                    let until = now + SimDuration::from_secs_f64(duration_s);
                    self.kafka.leadership.lose(i, chosen, until);
                } else {
                    self.kafka.leadership.restore(i);
                }
            }
            Fault::NodeLoss { nodes, .. } => {
                if start {
                    for job in self.cluster.lose_nodes(nodes) {
                        self.kill(now, job);
                    }
                } else {
                    for job in self.cluster.restore_nodes(nodes, now) {
                        self.start_pod(now, job);
                    }
                }
            }
            Fault::SlowPodStartup { factor, .. } => {
                if factor > 0.0 {
                    if start {
                        self.startup_factor *= factor;
                    } else {
                        self.startup_factor /= factor;
                    }
                }
            }
            Fault::ScaledJobSpecChange { .. } => self.spec_change(now),
            Fault::StreamTrim { maxlen, .. } => {
                for body in self.stream.xtrim_maxlen(maxlen) {
                    self.rec.detector_failed(body.visit);
                }
            }
        }
    }

    /// The ScaledJob's spec changes: the core's rollout decides which Jobs
    /// are deleted (KEDA 2.16's default rollout: every unfinished one).
    fn spec_change(&mut self, now: SimTime) {
        self.generation += 1;
        let jobs: Vec<JobGeneration> = (0..self.cluster.created())
            .filter(|&id| {
                self.cluster
                    .job(id)
                    .is_some_and(|j| j.finished_at.is_none())
            })
            .map(|id| JobGeneration {
                name: job_name(id),
                generation: self.pods.get(id as usize).map(|p| p.generation),
            })
            .collect();
        let settings = config::scaled_job_settings(&self.s.scaler);
        let deletions = self
            .scaler
            .change_spec(to_duration(now), settings, self.generation, &jobs);
        for action in deletions {
            if let JobAction::Delete { name } = action.action
                && let Some(job) = name.rsplit('-').next().and_then(|n| n.parse().ok())
            {
                self.queue
                    .schedule(from_duration(action.at), Event::DeleteJob(job));
            }
        }
    }

    fn sample(&mut self, now: SimTime) {
        let gauges = Gauges {
            lag: self.stream.group_info().lag.unwrap_or(0),
            jobs_running: u64::from(self.cluster.active_jobs()),
            jobs_pending: u64::from(self.cluster.pending_jobs()),
            pods_busy: u64::from(self.busy_pods),
            publisher_backlog: self
                .spool
                .iter()
                .map(|spooled| u64::from(spooled.alerts))
                .sum(),
        };
        self.rec.sample(now.as_secs_f64(), gauges);
    }

    fn announce(&mut self, now: SimTime, v: u32) {
        let detectors = self
            .visits
            .get(v as usize)
            .map(|visit| visit.detector_alerts.len())
            .unwrap_or(0);
        if let Some(next) = self.visits.get(v as usize + 1) {
            self.queue.schedule(next.announced, Event::Announce(v + 1));
        }
        self.visits_announced = v + 1;
        if self.redis_down > 0 {
            // The fan-out's XADDs fail: the visit's detectors are never processed.
            for _ in 0..detectors {
                self.rec.detector_failed(v);
            }
            return;
        }
        for detector in 0..detectors {
            self.stream.xadd(EntryBody {
                visit: v,
                detector: u32::try_from(detector).unwrap_or(u32::MAX),
            });
        }
        // Idle workers poll the stream in a loop; wake as many as there are
        // new entries, after one command latency.
        self.wake_parked(now, detectors);
    }

    fn command_latency(&mut self) -> SimDuration {
        let ms = self.s.redis.command_latency_ms.sample(&mut self.redis_rng);
        SimDuration::from_secs_f64(ms / 1000.0)
    }

    fn poll(&mut self, now: SimTime) {
        if self.skip_poll_while_keda_away(now) {
            return;
        }
        let info = self.stream.group_info();
        let snapshot = StreamSnapshot {
            length: self.stream.xlen(),
            groups: vec![GroupInfo {
                name: self.s.redis.group.clone(),
                consumers: self.pods.len() as u64,
                pending: info.pending,
                last_delivered_id: entry_id_text(info.last_delivered),
                entries_read: info.entries_read,
                lag: info.lag,
            }],
        };
        let metric = metric_from_snapshot(&self.query, Some(&snapshot))
            .map(|reading| reading.value)
            .unwrap_or(0);
        let target = self.s.scaler.lag_count as f64;
        let activation = self.s.scaler.activation_lag_count as f64;
        let metrics = if self.redis_down > 0 {
            [TriggerMetric::errored(target, activation)]
        } else {
            [TriggerMetric::new(metric as f64, target, activation)]
        };
        let counts = if self.s.scaler.pending_pod_conditions.is_empty() {
            // KEDA's default rule (no pod Running or Succeeded), kept as counters.
            JobCounts::new(self.cluster.active_jobs(), self.cluster.pending_jobs())
        } else {
            count_jobs(self.scaler.settings(), &self.cluster.job_views())
        };
        self.rec
            .observe_jobs(u64::from(counts.running), u64::from(counts.pending));
        let out = self.scaler.poll(
            to_duration(now),
            PollInput {
                metrics: &metrics,
                counts,
                finished: &self.finished_jobs,
            },
        );
        for action in out.actions {
            let at = from_duration(action.at);
            match action.action {
                JobAction::Create => self.queue.schedule(at, Event::CreateJob),
                JobAction::Delete { name } => {
                    let job = name
                        .rsplit('-')
                        .next()
                        .and_then(|n| n.parse::<JobId>().ok());
                    if let Some(job) = job {
                        self.queue.schedule(at, Event::DeleteJob(job));
                    }
                }
            }
        }
        self.queue
            .schedule(from_duration(out.next_poll), Event::Poll);
    }

    fn create_job(&mut self, now: SimTime) {
        let (job, bound) = self.cluster.create_job(now);
        self.rec.job_created();
        self.pods.push(Pod {
            worker: Worker::new(self.worker_config.clone()),
            command: None,
            held: None,
            generation: self.generation,
            parked_until: None,
            listen_start: now,
            busy: SimDuration::ZERO,
            crashed: false,
            id_generation: 0,
        });
        if bound {
            self.start_pod(now, job);
        }
    }

    fn start_pod(&mut self, now: SimTime, job: JobId) {
        let startup =
            self.s.cluster.pod_startup_s.sample(&mut self.startup_rng) * self.startup_factor;
        self.queue.schedule(
            now + SimDuration::from_secs_f64(startup),
            Event::PodRunning(job),
        );
    }

    /// Feeds the worker machine and carries out its actions.
    fn feed(&mut self, now: SimTime, job: JobId, input: Input) {
        let actions = match self.pods.get_mut(job as usize) {
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
            Action::Ping => None,
            Action::ReadGroup { .. } => Some(Command::Read),
            Action::AutoClaim { min_idle, .. } => Some(Command::Claim(min_idle)),
            Action::Ack(id) => parse_entry_id(&id).map(Command::Ack),
            Action::Process(delivery) => {
                self.process(now, job, &delivery.id);
                None
            }
            Action::Wait { until } => {
                let until = from_unix(until);
                let listen_timeout =
                    SimDuration::from_secs_f64(self.worker_config.listen_timeout.as_secs_f64());
                if let Some(pod) = self.pods.get_mut(job as usize) {
                    pod.parked_until = Some(until);
                    let deadline = pod.listen_start + listen_timeout;
                    let listen_start = pod.listen_start.0;
                    self.parked.push_back(job);
                    self.queue
                        .schedule(deadline.max(until), Event::ListenTimeout(job, listen_start));
                }
                None
            }
            Action::Exit { code, .. } => {
                self.job_exited(now, job, code);
                None
            }
        };
        if let Some(command) = command {
            let at = now + self.command_latency();
            if let Some(pod) = self.pods.get_mut(job as usize) {
                pod.command = Some(command);
            }
            self.queue.schedule(at, Event::Command(job));
        }
    }

    /// The Job's pod ended with `code`: the Job finishes, its pod goes
    /// after the teardown time.
    fn job_exited(&mut self, now: SimTime, job: JobId, code: i32) {
        if self.cluster.finish_job(job, code == 0, now) {
            self.finished_jobs.push(FinishedJob {
                name: job_name(job),
                outcome: if code == 0 {
                    FinishedOutcome::Succeeded
                } else {
                    FinishedOutcome::Failed
                },
                finished_at: to_duration(now),
            });
            let teardown = SimDuration::from_secs_f64(self.s.cluster.pod_teardown_s);
            self.queue.schedule(now + teardown, Event::PodGone(job));
            if code != 0
                && self.worker_config.ack_mode == AckMode::AfterProcessing
                && self.stream.pending_count() > 0
            {
                // What it left pending is reclaimed once idle long enough.
                let idle = from_duration(self.worker_config.claim_min_idle);
                self.queue
                    .schedule(now + SimDuration(idle.0), Event::Reclaim);
            }
        }
    }

    /// The worker's command reaches Redis: run it and answer the machine.
    fn command(&mut self, now: SimTime, job: JobId) {
        let Some(command) = self
            .pods
            .get_mut(job as usize)
            .and_then(|p| p.command.take())
        else {
            return;
        };
        let mut received: Option<(EntryId, EntryBody)> = None;
        if self.redis_down > 0 {
            let error = Input::RedisError {
                now: unix(now),
                error: "Connection refused (Redis outage)".to_owned(),
            };
            self.feed(now, job, error);
            return;
        }
        let input = match command {
            Command::Read => {
                let read = self.stream.xreadgroup(job, now);
                received = read;
                let entry = read.map(|(id, body)| self.entry(id, body));
                Input::ReadReply {
                    now: unix(now),
                    entry,
                }
            }
            Command::Claim(min_idle) => {
                let min_idle_us = u64::try_from(min_idle.as_micros()).unwrap_or(u64::MAX);
                let claimed = self.stream.xautoclaim(job, now, min_idle_us);
                received = claimed;
                let entries: Vec<Entry> = claimed
                    .map(|(id, body)| self.entry(id, body))
                    .into_iter()
                    .collect();
                Input::ClaimReply {
                    now: unix(now),
                    next_cursor: "0-0".to_owned(),
                    entries,
                }
            }
            Command::Ack(id) => {
                self.stream.xack(id);
                Input::AckDone { now: unix(now) }
            }
        };
        let skipped_before = self.skipped(job);
        self.feed(now, job, input);
        // The worker dropped what it read (expired or undecodable): that
        // detector is never processed.
        if let Some((id, body)) = received
            && self.skipped(job) > skipped_before
        {
            self.fail_entry(id, body.visit);
        }
    }

    /// Entries the worker dropped unprocessed so far.
    fn skipped(&self, job: JobId) -> u64 {
        self.pods
            .get(job as usize)
            .map(|p| p.worker.stats().expired + p.worker.stats().invalid)
            .unwrap_or(0)
    }

    /// A stream entry as Redis returns it: the fan-out's fields.
    fn entry(&self, id: EntryId, body: EntryBody) -> Entry {
        let mut fields = self
            .visit_fields
            .get(body.visit as usize)
            .cloned()
            .unwrap_or_default();
        fields.push(("detector".to_owned(), body.detector.to_string()));
        Entry {
            id: entry_id_text(id),
            fields,
        }
    }

    fn detector_alerts(&self, body: EntryBody) -> u32 {
        self.visits
            .get(body.visit as usize)
            .and_then(|v| v.detector_alerts.get(body.detector as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The worker processes a detector: it waits for the images (end of
    /// readout), then takes the base time plus a time per alert.
    fn process(&mut self, now: SimTime, job: JobId, id_text: &str) {
        let Some(id) = parse_entry_id(id_text) else {
            return;
        };
        let Some(body) = self.stream.body(id) else {
            return;
        };
        let Some(readout_end) = self.visits.get(body.visit as usize).map(|v| v.readout_end) else {
            return;
        };
        let alerts = self.detector_alerts(body);
        let w = &self.s.workers;
        let processing = w
            .processing_base_s
            .sample(&mut self.processing_rng)
            .max(0.0)
            + w.processing_per_alert_s * f64::from(alerts);
        let Some(pod) = self.pods.get_mut(job as usize) else {
            return;
        };
        pod.held = Some(Held {
            id,
            body,
            taken: now,
            published: false,
        });
        self.busy_pods += 1;
        self.queue.schedule(
            now.max(readout_end) + SimDuration::from_secs_f64(processing),
            Event::Package(job),
        );
    }

    fn package(&mut self, now: SimTime, job: JobId) {
        if !self.alive(job) {
            return;
        }
        let Some(held) = self
            .pods
            .get_mut(job as usize)
            .and_then(|pod| pod.held.as_mut())
        else {
            return;
        };
        held.published = true;
        let body = held.body;
        // A reclaimed entry whose alerts went out before sends them again.
        let send = if self.published.insert(held.id) {
            Send::Fresh
        } else {
            Send::Again
        };
        let mut start = now;
        if self.kafka.accepts_writes() && !self.spool.is_empty() {
            start = self.replay_spool(start);
        }
        let alerts = self.detector_alerts(body);
        let generation = self.pods.get(job as usize).map_or(0, |p| p.id_generation);
        let (done, _) = self.publish(start, body.visit, alerts, send, generation);
        self.queue.schedule(done, Event::DetectorDone(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_round_trip() {
        assert_eq!(parse_entry_id(&entry_id_text(42)), Some(42));
        assert_eq!(parse_entry_id("x-0"), None);
    }

    #[test]
    fn visit_fields_decode_as_a_detector_event() {
        let scenario = Scenario::resolve("smoke", &[]).unwrap_or_default();
        let visits = schedule(
            &scenario.night,
            &mut stream(1, Stream::Visits),
            &mut stream(1, Stream::Alerts),
        );
        let mut fields = visit_fields(&scenario, &visits[2]);
        fields.push(("detector".to_owned(), "7".to_owned()));
        let event = fanout::DetectorEvent::from_fields(&fields);
        let event = event.ok();
        assert_eq!(event.as_ref().map(|e| e.detector), Some(7));
        let stamp = event.map(|e| e.visit.private_snd_stamp).unwrap_or_default();
        assert_eq!(
            from_unix(Duration::from_secs_f64(stamp)),
            visits[2].announced
        );
    }
}
