//! The run loop: one thread, one event queue, the models, and the worker
//! machine of every pod. Events are ordered by (virtual time, sequence);
//! all randomness comes from the named streams of the scenario's seed.

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;

use crate::metrics::Recorder;
use crate::model::kafka::{Consumers, KafkaCluster};
use crate::model::kube::{Cluster, JobId};
use crate::model::night::{Visit, schedule};
use crate::model::redis::{EntryBody, EntryId, RedisStream};
use crate::model::scaler::{ApiRateLimiter, keda_decide, trigger_metric};
use crate::model::worker::{Action, WorkerMachine};
use crate::outcome::SimOutcome;
use crate::params::{PublisherProfile, SimParams};
use crate::rng::{Stream, lognormal_median, stream};
use crate::sizes::AlertSizes;
use crate::time::{SimDuration, SimTime};

/// Something that happens at an instant of virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// nextVisit for this visit: the fan-out writes its events.
    Announce(u32),
    /// KEDA polls the trigger.
    Poll,
    /// The API client sends the next queued Job creation.
    CreateJob,
    /// The pod of this Job finished starting.
    PodRunning(JobId),
    /// The worker of this Job reads the stream.
    WorkerRead(JobId),
    /// The worker has processed its detector and starts packaging.
    Package(JobId),
    /// The worker has published its detector's alerts.
    DetectorDone(JobId),
    /// The idle timer of a worker's idle period (its start, microseconds).
    IdleTimer(JobId, u64),
}

/// The message a worker holds.
#[derive(Debug, Clone, Copy)]
struct Held {
    id: EntryId,
    body: EntryBody,
    taken_at: SimTime,
}

/// A worker pod as the engine tracks it.
#[derive(Debug)]
struct Pod {
    machine: WorkerMachine,
    held: Option<Held>,
    idle: bool,
    busy: SimDuration,
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

/// Runs the scenario to the end and returns its outcome.
pub fn run(params: &SimParams) -> SimOutcome {
    run_with_progress(params, |_| {})
}

/// Runs the scenario, calling `progress` after every visit announcement.
pub fn run_with_progress(params: &SimParams, progress: impl FnMut(Progress)) -> SimOutcome {
    let sizes = AlertSizes::from_params(&params.packaging, params.seed);
    Engine::new(params, sizes).run(progress)
}

/// Runs the scenario with alert sizes measured elsewhere (the fidelity
/// sample, encoded with the real encoder).
pub fn run_with_sizes(
    params: &SimParams,
    sizes: AlertSizes,
    progress: impl FnMut(Progress),
) -> SimOutcome {
    Engine::new(params, sizes).run(progress)
}

struct Engine<'p> {
    p: &'p SimParams,
    queue: crate::queue::EventQueue<Event>,
    visits: Vec<Visit>,
    stream: RedisStream,
    cluster: Cluster,
    limiter: ApiRateLimiter,
    kafka: KafkaCluster,
    consumers: Consumers,
    rec: Recorder,
    pods: Vec<Pod>,
    idle_pods: VecDeque<JobId>,
    creations_queued: u32,
    poll_deferred: bool,
    visits_announced: u32,
    busy_pods: u32,
    spool: VecDeque<(u32, u32)>,
    sizes: AlertSizes,
    startup_rng: ChaCha8Rng,
    processing_rng: ChaCha8Rng,
    sizes_rng: ChaCha8Rng,
    hard_stop: SimTime,
    consumer_buffer: Vec<(usize, u32, SimTime)>,
}

impl<'p> Engine<'p> {
    fn new(p: &'p SimParams, sizes: AlertSizes) -> Self {
        let visits = schedule(
            &p.night,
            &p.alerts,
            &mut stream(p.seed, Stream::Visits),
            &mut stream(p.seed, Stream::Alerts),
        );
        let last_readout = visits
            .last()
            .map(|v| v.readout_end)
            .unwrap_or(SimTime::ZERO);
        let rec = Recorder::new(
            visits.iter().map(|v| (v.readout_end, v.alerts())),
            p.consumers.len(),
            SimDuration::from_secs(60),
        );
        Engine {
            p,
            queue: crate::queue::EventQueue::new(),
            stream: RedisStream::new(),
            cluster: Cluster::new(&p.cluster),
            limiter: ApiRateLimiter::new(p.scaler.api_qps, p.scaler.api_burst),
            kafka: KafkaCluster::new(&p.kafka),
            consumers: Consumers::new(&p.consumers),
            rec,
            pods: Vec::new(),
            idle_pods: VecDeque::new(),
            creations_queued: 0,
            poll_deferred: false,
            visits_announced: 0,
            busy_pods: 0,
            spool: VecDeque::new(),
            sizes,
            startup_rng: stream(p.seed, Stream::PodStartup),
            processing_rng: stream(p.seed, Stream::Processing),
            sizes_rng: stream(p.seed, Stream::AlertSizes),
            hard_stop: last_readout + SimDuration::from_secs_f64(p.drain_limit_s),
            visits,
            consumer_buffer: Vec::new(),
        }
    }

    fn command_latency(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.p.redis.command_latency_s)
    }

    fn run(mut self, mut progress: impl FnMut(Progress)) -> SimOutcome {
        if let Some(first) = self.visits.first() {
            self.queue.schedule(first.announced, Event::Announce(0));
        }
        self.queue.schedule(SimTime::ZERO, Event::Poll);
        let mut truncated = false;
        while let Some((now, event)) = self.queue.pop() {
            if now > self.hard_stop {
                truncated = true;
                break;
            }
            let announce = matches!(event, Event::Announce(_));
            self.handle(now, event);
            if announce {
                progress(Progress {
                    visits_announced: self.visits_announced,
                    visits_total: self.p.night.visits,
                    simulated_s: now.as_secs_f64(),
                    events: self.queue.events_processed(),
                });
            }
            if self.finished() {
                break;
            }
        }
        let end = self.queue.now();
        crate::summary::summarise(
            self.p,
            end,
            truncated || !self.finished(),
            self.queue.events_processed(),
            &self.cluster,
            self.pods.iter().map(|pod| pod.busy),
            self.rec,
        )
    }

    /// All visits announced, every event read and every held message done.
    fn finished(&self) -> bool {
        self.visits_announced as usize == self.visits.len()
            && self.stream.undelivered() == 0
            && self.busy_pods == 0
            && self.spool.is_empty()
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Announce(v) => self.announce(now, v),
            Event::Poll => self.poll(now),
            Event::CreateJob => self.create_job(now),
            Event::PodRunning(job) => {
                self.cluster.pod_running(job, now);
                let actions = match self.pods.get_mut(job as usize) {
                    Some(pod) => pod.machine.start(now),
                    None => Vec::new(),
                };
                self.perform(now, job, actions);
            }
            Event::WorkerRead(job) => self.worker_read(now, job),
            Event::Package(job) => self.package(now, job),
            Event::DetectorDone(job) => {
                let Some(pod) = self.pods.get_mut(job as usize) else {
                    return;
                };
                let Some(held) = pod.held.take() else {
                    return;
                };
                pod.busy = pod.busy + now.saturating_since(held.taken_at);
                self.busy_pods -= 1;
                self.rec.messages_processed += 1;
                let actions = pod.machine.on_processed(now, held.id);
                self.perform(now, job, actions);
            }
            Event::IdleTimer(job, since) => {
                let actions = match self.pods.get_mut(job as usize) {
                    Some(pod) => pod.machine.on_idle_timer(now, SimTime(since)),
                    None => Vec::new(),
                };
                self.perform(now, job, actions);
            }
        }
    }

    fn announce(&mut self, now: SimTime, v: u32) {
        let detectors = self
            .visits
            .get(v as usize)
            .map(|visit| visit.detector_alerts.len())
            .unwrap_or(0);
        for detector in 0..detectors {
            self.stream.xadd(EntryBody {
                visit: v,
                detector: u32::try_from(detector).unwrap_or(u32::MAX),
            });
        }
        self.visits_announced = v + 1;
        // Idle workers poll the stream; wake as many as there are new entries.
        let wake_at = now + self.command_latency();
        let mut woken = 0;
        while woken < detectors {
            let Some(job) = self.idle_pods.pop_front() else {
                break;
            };
            if let Some(pod) = self.pods.get_mut(job as usize)
                && pod.idle
            {
                pod.idle = false;
                self.queue.schedule(wake_at, Event::WorkerRead(job));
                woken += 1;
            }
        }
        if let Some(next) = self.visits.get(v as usize + 1) {
            self.queue.schedule(next.announced, Event::Announce(v + 1));
        }
    }

    fn poll(&mut self, now: SimTime) {
        if self.creations_queued > 0 {
            // KEDA creates Jobs inside the poll: the next poll waits.
            self.poll_deferred = true;
            return;
        }
        let info = self.stream.group_info();
        let metric = trigger_metric(&info, self.p.scaler.keda_version);
        let active = self.cluster.active_jobs();
        let pending = self.cluster.pending_jobs();
        self.rec
            .poll(now, metric, active, pending, self.cluster.running_pods());
        let create = keda_decide(&self.p.scaler, metric, active, pending);
        if create > 0 {
            self.creations_queued = create;
            self.queue
                .schedule(self.limiter.next_allowed(now), Event::CreateJob);
        }
        if !self.finished() || self.visits_announced as usize != self.visits.len() {
            self.queue.schedule(
                now + SimDuration::from_secs_f64(self.p.scaler.polling_interval_s),
                Event::Poll,
            );
        }
    }

    fn create_job(&mut self, now: SimTime) {
        self.limiter.take(now);
        let (job, bound) = self.cluster.create_job(now);
        self.rec.job_created(now);
        self.pods.push(Pod {
            machine: WorkerMachine::new(&self.p.worker),
            held: None,
            idle: false,
            busy: SimDuration::ZERO,
        });
        if bound {
            self.start_pod(now, job);
        }
        self.creations_queued = self.creations_queued.saturating_sub(1);
        if self.creations_queued > 0 {
            self.queue
                .schedule(self.limiter.next_allowed(now), Event::CreateJob);
        } else if self.poll_deferred {
            self.poll_deferred = false;
            self.queue.schedule(now, Event::Poll);
        }
    }

    fn start_pod(&mut self, now: SimTime, job: JobId) {
        let c = &self.p.cluster;
        let startup = lognormal_median(&mut self.startup_rng, c.startup_median_s, c.startup_sigma);
        self.queue.schedule(
            now + SimDuration::from_secs_f64(startup),
            Event::PodRunning(job),
        );
    }

    fn worker_read(&mut self, now: SimTime, job: JobId) {
        let entry = self.stream.xreadgroup(job, now).map(|(id, body)| {
            let added = self
                .visits
                .get(body.visit as usize)
                .map(|v| v.announced)
                .unwrap_or(now);
            (id, body, added)
        });
        let actions = match self.pods.get_mut(job as usize) {
            Some(pod) => pod.machine.on_read(now, entry),
            None => return,
        };
        self.perform(now, job, actions);
    }

    /// Carries out the worker machine's actions.
    fn perform(&mut self, now: SimTime, job: JobId, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Read => {
                    let at = now + self.command_latency();
                    self.queue.schedule(at, Event::WorkerRead(job));
                }
                Action::Ack(id) => {
                    self.stream.xack(id);
                }
                Action::Process(id, body) => self.process(now, job, id, body),
                Action::Skip(_, body) => {
                    let alerts = self.detector_alerts(body);
                    self.rec.skipped(body.visit as usize, u64::from(alerts));
                }
                Action::Wait { since, new_period } => {
                    if let Some(pod) = self.pods.get_mut(job as usize) {
                        pod.idle = true;
                    }
                    self.idle_pods.push_back(job);
                    if new_period {
                        let timeout = SimDuration::from_secs_f64(self.p.worker.idle_timeout_s);
                        self.queue
                            .schedule(since + timeout, Event::IdleTimer(job, since.0));
                    }
                }
                Action::Exit(code) => {
                    if let Some(pod) = self.pods.get_mut(job as usize) {
                        pod.idle = false;
                    }
                    for bound in self.cluster.finish_job(job, code == 0, now) {
                        self.start_pod(now, bound);
                    }
                }
            }
        }
    }

    fn detector_alerts(&self, body: EntryBody) -> u32 {
        self.visits
            .get(body.visit as usize)
            .and_then(|v| v.detector_alerts.get(body.detector as usize))
            .copied()
            .unwrap_or(0)
    }

    fn process(&mut self, now: SimTime, job: JobId, id: EntryId, body: EntryBody) {
        let Some(visit) = self.visits.get(body.visit as usize) else {
            return;
        };
        let readout_end = visit.readout_end;
        let alerts = self.detector_alerts(body);
        let w = &self.p.worker;
        let processing = lognormal_median(
            &mut self.processing_rng,
            w.processing_base_s,
            w.processing_sigma,
        ) + w.processing_per_alert_s * f64::from(alerts);
        let images_ready = (now + SimDuration::from_secs_f64(w.prep_s)).max(readout_end);
        let Some(pod) = self.pods.get_mut(job as usize) else {
            return;
        };
        pod.held = Some(Held {
            id,
            body,
            taken_at: now,
        });
        self.busy_pods += 1;
        self.queue.schedule(
            images_ready + SimDuration::from_secs_f64(processing),
            Event::Package(job),
        );
    }

    fn package(&mut self, now: SimTime, job: JobId) {
        let Some(held) = self.pods.get(job as usize).and_then(|pod| pod.held) else {
            return;
        };
        let mut start = now;
        if self.kafka.accepts_writes() {
            start = self.replay_spool(start);
        }
        let visit = held.body.visit;
        let alerts = self.detector_alerts(held.body);
        let (done, _) = self.publish(start, visit, alerts);
        self.queue.schedule(done, Event::DetectorDone(job));
    }

    /// Publishes `alerts` alerts of `visit` from `start`; returns when the
    /// packager is done and how many alerts failed. Under the safe profile
    /// failed alerts go to the spool; under Rubin's they are lost.
    fn publish(&mut self, start: SimTime, visit: u32, alerts: u32) -> (SimTime, u32) {
        if alerts == 0 {
            return (start, 0);
        }
        let bytes = self.sizes.mean_of(alerts, &mut self.sizes_rng);
        let encode =
            SimDuration::from_secs_f64(bytes / self.p.packaging.encode_bytes_per_s.max(1.0));
        let batch = self.kafka.produce_batch(start, alerts, bytes, encode);
        let v = visit as usize;
        for k in 0..batch.delivered {
            self.rec.delivered(v, batch.outcome_at(k), bytes);
        }
        if batch.failed > 0 {
            self.rec.failed(v, u64::from(batch.failed));
            if self.p.kafka.profile == PublisherProfile::Safe {
                self.spool.push_back((visit, batch.failed));
            }
        }
        if batch.delivered > 0 && !self.consumers.is_empty() {
            let mut buffer = std::mem::take(&mut self.consumer_buffer);
            buffer.clear();
            self.consumers
                .receive_batch(&batch, bytes, |c, k, at| buffer.push((c, k, at)));
            for &(c, _, at) in &buffer {
                self.rec.received(c, v, at);
            }
            self.consumer_buffer = buffer;
        }
        (batch.done, batch.failed)
    }

    /// The safe profile re-publishes spooled alerts at the next opportunity
    /// (what fails again goes back to the spool).
    fn replay_spool(&mut self, mut at: SimTime) -> SimTime {
        let mut rounds = self.spool.len();
        while rounds > 0 {
            rounds -= 1;
            let Some((visit, alerts)) = self.spool.pop_front() else {
                break;
            };
            let (done, failed) = self.publish(at, visit, alerts);
            at = done;
            if failed > 0 {
                break;
            }
        }
        at
    }
}
