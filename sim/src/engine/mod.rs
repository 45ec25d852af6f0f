//! The run loop: one thread, one event queue, and the production code of
//! alertsim-core (the KEDA poll loop, the lag metric, the fan-out's event
//! encoding, the worker state machine of every pod and the publish policy)
//! driven against the models. Events are ordered by (virtual time,
//! sequence); all randomness comes from the named streams of the scenario's
//! seed.
//!
//! Each subject has its own file with its state, the events it handles and
//! the faults that act on it (a lasting fault's beginning and end are two
//! named operations of the model it acts on), as `alertsim load` has one
//! file per subject:
//! - `fanout`: the night's visits, announced and written to the stream
//!   (each detector's write retried, dropped when the retries are spent);
//! - `redis`: the stream, its command latency (the network's and the time
//!   at Redis from the CPU model, which stands for the idle workers'
//!   polling), outages, restarts, trims;
//! - `scaler`: the KEDA poll loop, Job history, spec-change rollouts and
//!   the operator being away;
//! - `pods`: Jobs and their pods on the node pool, start-up (schema id
//!   included), exit, node loss, slow start-up;
//! - `workers`: the worker machine of each pod and the Redis commands it
//!   sends, parking, kills and crashes;
//! - `stages`: a read detector's stages from the plan (preload, image
//!   wait, pipelines, APDB) and its stamps for the latency budget;
//! - `outcomes`: what became of each stream entry's detector;
//! - `publishing`: the packager and producer against the Kafka model,
//!   the spool, broker outages, slowness, blocked writes, lost leaders,
//!   stalled brokers, and the bytes per broker of the partitions' placement;
//! - `consumers`: the community brokers reading the topic;
//! - `sampling`: the recorder's gauges and the end-of-run accounting;
//! - `faults`: when each fault begins and ends, and whose it is.

use std::time::Duration;

use alertsim_reports::metrics::capacity::BrokerBytes;
use alertsim_reports::{Recorder, Report};
use alertsim_scenarios::Scenario;

use crate::model::archive::ArchiveIngester;
use crate::model::kube::JobId;
use crate::queue::EventQueue;
use crate::schema_evolution;
use crate::sizes::AlertSizes;
use crate::time::{SimDuration, SimTime};
use alertsim_plan::{Clock, Plan, PlanError};

mod archive;
mod consumers;
mod fanout;
mod faults;
mod outcomes;
mod pods;
mod publishing;
mod redis;
mod sampling;
mod scaler;
mod stages;
mod workers;

use consumers::Readers;
use fanout::Fanout;
use outcomes::Outcomes;
use pods::Pods;
use publishing::Publishing;
use redis::Redis;
use scaler::Keda;
use workers::Workers;

/// Unix time of the start of every simulated night (2026-01-01T00:00:00Z):
/// the worker judges message age from the events' `private_sndStamp`,
/// which is Unix seconds.
pub use alertsim_plan::next_visit::NIGHT_START_UNIX_S;

pub use publishing::ENCODE_BYTES_PER_S;

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
    /// Jobs whose worker exited with a non-zero code (Redis error, SIGTERM,
    /// crash).
    pub jobs_failed: u64,
    /// The run hit its drain limit with work left.
    pub truncated: bool,
    /// Mean time a command the engine sent spent at Redis (the CPU model's
    /// response time: waiting behind the idle pollers and its own CPU),
    /// milliseconds; the network's latency is not in it.
    pub redis_mean_response_ms: f64,
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
/// (`workers.nominal_alert_bytes`). Fails only on a scenario value the
/// core cannot run (validation refuses those first).
pub fn run(scenario: &Scenario) -> Result<SimRun, PlanError> {
    let plan = Plan::new(scenario)?;
    let sizes = AlertSizes::fixed(scenario.workers.nominal_alert_bytes);
    Ok(run_plan(&plan, sizes, |_| {}))
}

/// Runs the plan with alert sizes drawn from `sizes` (a sample measured
/// with the real encoder), calling `progress` at each visit.
pub fn run_plan(plan: &Plan, sizes: AlertSizes, progress: impl FnMut(Progress)) -> SimRun {
    Engine::new(plan, sizes).run(progress)
}

/// Something that happens at an instant of virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// nextVisit for this visit: the fan-out writes its events.
    Announce(u32),
    /// The fan-out's writes of a visit reach Redis (index, failed attempts
    /// so far).
    FanoutWrite(u32, u32),
    /// KEDA polls the trigger: it sends its Redis commands.
    Poll,
    /// The replies of KEDA's Redis commands are back: it reads the lag and
    /// decides.
    PollReply,
    /// The API client sends a Job creation.
    CreateJob,
    /// The API client deletes a Job (history cleanup or rollout).
    DeleteJob(JobId),
    /// The pod of this Job finished starting.
    PodRunning(JobId),
    /// The finished pod is gone from its node.
    PodGone(JobId),
    /// The worker's outstanding Redis command reaches Redis.
    Command(JobId),
    /// The worker wrote the APDB for its detector and starts packaging.
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
    FaultBegins(u32),
    /// The scenario's fault number `i` ends.
    FaultEnds(u32),
    /// Wake one idle worker so that it reclaims abandoned entries.
    Reclaim,
}

/// The queue, the recorder and the models of one run.
struct Engine<'s> {
    plan: &'s Plan,
    s: &'s Scenario,
    queue: EventQueue<Event>,
    rec: Recorder,
    hard_stop: SimTime,
    fanout: Fanout,
    redis: Redis,
    keda: Keda,
    pods: Pods,
    workers: Workers,
    outcomes: Outcomes,
    publishing: Publishing,
    readers: Readers,
    archive: Option<ArchiveIngester>,
}

/// Whole bytes of a sum of shares.
fn whole(bytes: f64) -> u64 {
    bytes.round().max(0.0) as u64
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

impl<'s> Engine<'s> {
    fn new(plan: &'s Plan, sizes: AlertSizes) -> Self {
        let s = &plan.scenario;
        let fanout = Fanout::new(plan);
        let mut rec = Recorder::new(s);
        for v in fanout.visits() {
            rec.visit_planned(v.index, v.readout_end.as_secs_f64(), v.alerts());
        }
        Engine {
            plan,
            s,
            queue: EventQueue::new(),
            rec,
            hard_stop: fanout.last_readout() + DRAIN_LIMIT,
            fanout,
            redis: Redis::new(s.seed, plan.redis_cpu()),
            keda: Keda::new(plan),
            pods: Pods::new(plan),
            workers: Workers::new(plan.worker_config(Clock::Virtual)),
            outcomes: Outcomes::default(),
            publishing: Publishing::new(s, sizes),
            readers: Readers::new(s),
            archive: ArchiveIngester::new(&s.archive, &s.kafka, &s.faults),
        }
    }

    fn run(mut self, mut progress: impl FnMut(Progress)) -> SimRun {
        if let Some(first) = self.fanout.first_announcement() {
            self.queue.schedule(first, Event::Announce(0));
        }
        self.queue.schedule(SimTime::ZERO, Event::Poll);
        self.queue.schedule(SimTime::ZERO, Event::Sample);
        self.schedule_faults();
        let mut truncated = false;
        while let Some((now, event)) = self.queue.pop() {
            if now > self.hard_stop {
                truncated = true;
                break;
            }
            self.handle(now, event);
            if let Event::Announce(_) = event {
                progress(Progress {
                    visits_announced: self.fanout.announced(),
                    visits_total: self.s.night.visits,
                    simulated_s: now.as_secs_f64(),
                    events: self.queue.events_processed(),
                });
            }
            if self.fanout.all_announced() {
                self.replay_leftover_spool(now);
            }
            if self.finished() {
                break;
            }
        }
        let end = self.queue.now();
        self.sample(end);
        self.settle(end);
        self.drain_archive();
        let simulated_s = end.as_secs_f64();
        let events = self.queue.events_processed();
        let truncated = truncated || !self.finished();
        let redis_mean_response_ms = self.redis.mean_response_ms();
        let brokers = self
            .publishing
            .broker_bytes()
            .iter()
            .map(|b| BrokerBytes {
                ingress: whole(b.ingress),
                replication_in: whole(b.replication_in),
                replication_out: whole(b.replication_out),
            })
            .collect();
        self.rec.set_broker_bytes(brokers);
        self.readers.finish(&mut self.rec);
        SimRun {
            report: schema_evolution::attach(
                self.rec.finish(self.s, simulated_s),
                self.readers.into_schema_plan(),
                self.s,
            ),
            events,
            simulated_s,
            messages_processed: self.workers.messages_processed(),
            jobs_failed: self.pods.failed(),
            truncated,
            redis_mean_response_ms,
        }
    }

    /// All visits announced, every event delivered, every held message
    /// done (and, at-least-once, nothing left pending for reclaiming).
    fn finished(&self) -> bool {
        let stream = self.redis.stream();
        self.fanout.all_announced()
            && stream.undelivered() == 0
            && self.workers.busy() == 0
            && self.publishing.spool_is_empty()
            && (!self.workers.acks_after_processing() || stream.pending_count() == 0)
            // No live worker between its read and its acknowledgement.
            && stream
                .pending_entries()
                .all(|(_, consumer, _)| !self.workers.alive(JobId(consumer)))
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Announce(v) => self.announce(now, v),
            Event::FanoutWrite(v, failures) => self.write_visit(now, v, failures),
            Event::Poll => self.poll(now),
            Event::PollReply => self.poll_reply(now),
            Event::CreateJob => self.create_job(now),
            Event::DeleteJob(job) => self.delete_job(now, job),
            Event::PodRunning(job) => self.pod_running(now, job),
            Event::PodGone(job) => self.pod_gone(now, job),
            Event::Command(job) => self.command(now, job),
            Event::Package(job) => self.package(now, job),
            Event::DetectorDone(job) => self.detector_done(now, job),
            Event::Tick(job) => self.tick(now, job),
            Event::ListenTimeout(job, listen_start) => {
                self.listen_timeout(now, job, SimTime(listen_start));
            }
            Event::Sample => self.sample_and_schedule_next(now),
            Event::FaultBegins(i) => self.fault_begins(now, i),
            Event::FaultEnds(i) => self.fault_ends(now, i),
            Event::Reclaim => self.wake_parked(now, 1),
        }
    }
}
