//! Jobs and their pods: the cluster model binds each new Job's pod when a
//! node has room, the pod starts (a time drawn from the scenario, times the
//! slow-start-up factor), gets its schema id from the registry, and its
//! worker runs; when the worker exits the Job finishes and the pod is gone
//! after the teardown time, freeing room for waiting pods. The faults that
//! act here: `node_loss` (pods that no longer fit are killed; the nodes come
//! back) and `slow_pod_startup`. Registry faults act through the registry's
//! timeline, which a starting pod consults.

use alertsim_core::scaler::JobCounts;
use alertsim_core::worker::Input;
use alertsim_plan::Plan;
use rand_chacha::ChaCha8Rng;

use super::{Engine, Event, unix};
use crate::model::kube::{Cluster, JobId, KedaView};
use crate::model::registry::RegistryTimeline;
use crate::rng::{Stream, stream};
use crate::time::{SimDuration, SimTime};

/// The node pool with the ScaledJob's Jobs, and how pods start.
pub(super) struct Pods {
    cluster: Cluster,
    startup_rng: ChaCha8Rng,
    /// Product of the `slow_pod_startup` factors under way.
    startup_factor: f64,
    registry: RegistryTimeline,
    /// Jobs whose worker exited with a non-zero code.
    failed: u64,
}

impl Pods {
    /// The scenario's empty node pool, its Jobs counted as the plan's
    /// ScaledJob counts them, through KEDA's informer cache.
    pub(super) fn new(plan: &Plan) -> Self {
        let s = &plan.scenario;
        Pods {
            cluster: Cluster::new(&s.cluster)
                .counted_by(KedaView::of(&plan.scaled_job), plan.cache_lag),
            startup_rng: stream(s.seed, Stream::PodStartup),
            startup_factor: 1.0,
            registry: RegistryTimeline::from_scenario(s),
            failed: 0,
        }
    }

    /// Jobs whose worker exited with a non-zero code so far.
    pub(super) fn failed(&self) -> u64 {
        self.failed
    }

    /// The cluster as the API shows it.
    pub(super) fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// R and P as KEDA's informer cache shows them at `now`.
    pub(super) fn seen_counts(&mut self, now: SimTime) -> JobCounts {
        self.cluster.seen_counts(now)
    }

    /// The API deletes the unfinished Job `job` in the foreground.
    pub(super) fn mark_deleting(&mut self, job: JobId) {
        self.cluster.mark_deleting(job);
    }

    /// `slow_pod_startup` begins: pods take `factor` times as long to start.
    pub(super) fn startup_slows(&mut self, factor: f64) {
        if factor > 0.0 {
            self.startup_factor *= factor;
        }
    }

    /// `slow_pod_startup` ends.
    pub(super) fn startup_recovers(&mut self, factor: f64) {
        if factor > 0.0 {
            self.startup_factor /= factor;
        }
    }
}

impl Engine<'_> {
    /// The API creates a Job; its pod starts at once if a node has room.
    pub(super) fn create_job(&mut self, now: SimTime) {
        let (job, bound) = self.pods.cluster.create_job(now);
        self.rec.job_created();
        self.workers.add(self.keda.generation(), now);
        if bound {
            self.start_pod(now, job);
        }
    }

    /// The pod of `job` is bound to a node: it runs after its start-up time.
    fn start_pod(&mut self, now: SimTime, job: JobId) {
        let startup = self
            .s
            .cluster
            .pod_startup_s
            .sample(&mut self.pods.startup_rng)
            * self.pods.startup_factor;
        self.queue.schedule(
            now + SimDuration::from_secs_f64(startup),
            Event::PodRunning(job),
        );
    }

    /// The pod finished starting: Running, and its worker starts (once it
    /// has a schema id).
    pub(super) fn pod_running(&mut self, now: SimTime, job: JobId) {
        if self
            .pods
            .cluster
            .job(job)
            .is_some_and(|j| j.finished_at.is_some())
        {
            return;
        }
        self.pods.cluster.pod_running(job, now);
        self.workers.listening_since(job, now);
        if !self.resolve_schema_id(now, job) {
            return;
        }
        self.feed(now, job, Input::Started { now: unix(now) });
    }

    /// A pod that has just started gets its schema id. With deterministic
    /// ids it computes it; otherwise it registers the schema, and while the
    /// registry is unreachable (outage, rebuild) or has no subjects (its
    /// sync job's window) it cannot and exits 1 (as
    /// `alertsim worker --registry` does) before reading anything. Returns
    /// whether the pod goes on.
    fn resolve_schema_id(&mut self, now: SimTime, job: JobId) -> bool {
        if self.pods.registry.deterministic() {
            return true;
        }
        if !self.pods.registry.has_subjects(now) {
            self.workers.mark_crashed(job);
            self.job_exited(now, job, 1);
            return false;
        }
        let generation = self.pods.registry.generation(now);
        self.workers.set_schema_id_generation(job, generation);
        true
    }

    /// The Job's pod ended with `code`: the Job finishes, its pod goes
    /// after the teardown time.
    pub(super) fn job_exited(&mut self, now: SimTime, job: JobId, code: i32) {
        if !self.pods.cluster.finish_job(job, code == 0, now) {
            return;
        }
        let Some(name) = self.pods.cluster.job(job).map(|j| j.name.clone()) else {
            return;
        };
        self.keda.job_finished(name, code, now);
        let teardown = SimDuration::from_secs_f64(self.s.cluster.pod_teardown_s);
        self.queue.schedule(now + teardown, Event::PodGone(job));
        if code != 0 {
            self.pods.failed += 1;
            self.reclaim_after_failure(now);
        }
    }

    /// The finished pod is gone: its room goes to waiting pods.
    pub(super) fn pod_gone(&mut self, now: SimTime, job: JobId) {
        for bound in self.pods.cluster.release(job, now) {
            self.start_pod(now, bound);
        }
    }

    /// `node_loss` begins: the pool shrinks and the pods that no longer fit
    /// are killed.
    pub(super) fn nodes_lost(&mut self, now: SimTime, nodes: u32) {
        for job in self.pods.cluster.lose_nodes(nodes) {
            self.kill(now, job);
        }
    }

    /// `node_loss` ends: the nodes come back and waiting pods start.
    pub(super) fn nodes_restored(&mut self, now: SimTime, nodes: u32) {
        for job in self.pods.cluster.restore_nodes(nodes, now) {
            self.start_pod(now, job);
        }
    }
}
