//! Kubernetes as KEDA sees it: Jobs created through a rate-limited API
//! client, their pods Pending until the node pool has room for their
//! requests, then starting for a while, Running, and finally Succeeded or
//! Failed. Each Job has a name (as the API server knows it) and an index
//! (the simulator's handle); the API's look-up goes from name to index.
//!
//! R (Jobs not finished) and P (those still pending) are kept as each Job
//! changes state, from what KEDA's listing shows of a Job in each state
//! ([`KedaView`]: the default rule, or the core's `pendingPodConditions`
//! rule on the pod's conditions), and the changes go through the core's
//! [`InformerCache`], so that KEDA's poll sees them late
//! ([`Cluster::seen_counts`]).
//!
//! Deletion with `propagationPolicy: foreground` (how KEDA's rollout deletes
//! Rubin's Jobs): the Job stays listed, neither Complete nor Failed, until
//! the garbage collector has removed its pod; so it still counts in R (and
//! in P once its pod has stopped running) until its pod is gone
//! ([`Cluster::mark_deleting`], [`Cluster::release`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use alertsim_core::scaler::{
    Counted, InformerCache, JobCounts, JobName, JobPhase, JobStatus, PodCondition, PodPhase,
    PodStatus, ScaledJobSettings, is_pending,
};

use alertsim_scenarios::Cluster as ClusterSpec;

use crate::time::SimTime;

/// Index of a Job (and of its single pod) in the cluster, in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u32);

impl JobId {
    /// The index into per-Job tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Rubin's ScaledJob is `prompt-proc`; KEDA names its Jobs after it. Here
/// the suffix is the Job's index (KEDA's is random) so that runs repeat.
pub const JOB_NAME_PREFIX: &str = "prompt-proc-";

/// Where a Job's pod is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Created, waiting for room on a node.
    Unschedulable,
    /// Bound to a node, containers starting.
    Starting,
    /// The worker runs.
    Running,
    /// The worker exited 0.
    Succeeded,
    /// The worker exited non-zero or was deleted.
    Failed,
}

impl Phase {
    /// The Job's phase as KEDA counts it: Pending until its pod runs.
    pub fn job_phase(self) -> JobPhase {
        match self {
            Phase::Unschedulable | Phase::Starting => JobPhase::Pending,
            Phase::Running => JobPhase::Running,
            Phase::Succeeded => JobPhase::Succeeded,
            Phase::Failed => JobPhase::Failed,
        }
    }
}

/// How KEDA counts a listed Job in each state its pod can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KedaView {
    /// Created, no node yet.
    pub unscheduled: Counted,
    /// Bound, containers starting.
    pub starting: Counted,
    /// The worker runs.
    pub running: Counted,
    /// Deleted in the foreground, its pod terminated but not yet removed.
    pub terminating: Counted,
}

impl Default for KedaView {
    /// KEDA's default rule: pending while no pod is Running or Succeeded.
    fn default() -> Self {
        Self {
            unscheduled: Counted::Pending,
            starting: Counted::Pending,
            running: Counted::Running,
            terminating: Counted::Pending,
        }
    }
}

impl KedaView {
    /// The counting of `settings` (its `pendingPodConditions` and release),
    /// asked of the core for the one pod a Job has in each state.
    pub fn of(settings: &ScaledJobSettings) -> Self {
        let ask = |scheduled: bool, running: bool| {
            let job = job_status(
                JobName::from("view"),
                scheduled,
                running,
                if running {
                    PodPhase::Running
                } else {
                    PodPhase::Pending
                },
            );
            if is_pending(settings, &job) {
                Counted::Pending
            } else {
                Counted::Running
            }
        };
        let terminated = job_status(JobName::from("view"), true, false, PodPhase::Failed);
        Self {
            unscheduled: ask(false, false),
            starting: ask(true, false),
            running: ask(true, true),
            terminating: if is_pending(settings, &terminated) {
                Counted::Pending
            } else {
                Counted::Running
            },
        }
    }
}

/// What KEDA's client sees of an unfinished Job with one pod: the
/// conditions Kubernetes sets as the pod is scheduled, initialised and
/// becomes ready.
fn job_status(name: JobName, scheduled: bool, running: bool, phase: PodPhase) -> JobStatus {
    let condition = |kind: &str, status: bool| PodCondition {
        kind: kind.to_owned(),
        status,
    };
    JobStatus {
        pods: vec![PodStatus {
            name: format!("{name}-pod"),
            phase,
            conditions: vec![
                condition("PodScheduled", scheduled),
                condition("Initialized", scheduled),
                condition("ContainersReady", running),
                condition("Ready", running),
            ],
        }],
        name,
        finished: None,
        finished_at_ms: None,
        exit_code: None,
    }
}

/// One Job of the ScaledJob.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its name in the API.
    pub name: JobName,
    /// Phase of its pod.
    pub phase: Phase,
    /// When the API created it.
    pub created_at: SimTime,
    /// When it was bound to a node.
    pub scheduled_at: Option<SimTime>,
    /// When its pod became Running.
    pub running_at: Option<SimTime>,
    /// When it finished.
    pub finished_at: Option<SimTime>,
    /// Deleted in the foreground: listed until its pod is gone.
    pub deleting: bool,
}

/// The node pool and the ScaledJob's Jobs.
#[derive(Debug)]
pub struct Cluster {
    pod_cpu_milli: i64,
    pod_memory_mib: i64,
    node_cpu_milli: i64,
    node_memory_mib: i64,
    free_cpu_milli: i64,
    free_memory_mib: i64,
    jobs: Vec<Job>,
    by_name: BTreeMap<JobName, JobId>,
    active: BTreeSet<JobId>,
    unschedulable: VecDeque<JobId>,
    /// Finished Jobs deleted in the foreground whose pod is not gone yet.
    terminating: BTreeSet<JobId>,
    view: KedaView,
    /// R and P as the API server has them.
    truth: JobCounts,
    /// R and P as KEDA's informer cache has them.
    cache: InformerCache,
}

impl Cluster {
    /// An empty pool with the scenario's capacity (CPU in millicores,
    /// memory in MiB, so that integer arithmetic keeps it exact).
    pub fn new(spec: &ClusterSpec) -> Self {
        let milli = |cpus: f64| (cpus.max(0.0) * 1000.0).round().min(1e15) as i64;
        let mib = |gib: f64| (gib.max(0.0) * 1024.0).round().min(1e15) as i64;
        let nodes = i64::from(spec.nodes);
        Cluster {
            pod_cpu_milli: milli(spec.pod_cpu),
            pod_memory_mib: mib(spec.pod_memory_gib),
            node_cpu_milli: milli(spec.cpus_per_node),
            node_memory_mib: mib(spec.memory_gib_per_node),
            free_cpu_milli: milli(spec.cpus_per_node).saturating_mul(nodes),
            free_memory_mib: mib(spec.memory_gib_per_node).saturating_mul(nodes),
            jobs: Vec::new(),
            by_name: BTreeMap::new(),
            active: BTreeSet::new(),
            unschedulable: VecDeque::new(),
            terminating: BTreeSet::new(),
            view: KedaView::default(),
            truth: JobCounts::default(),
            cache: InformerCache::new(Duration::ZERO),
        }
    }

    /// Counts as `view` says, seen through an informer cache `lag` late
    /// (set before the first Job is created).
    pub fn counted_by(mut self, view: KedaView, lag: Duration) -> Self {
        self.view = view;
        self.cache = InformerCache::new(lag);
        self
    }

    /// The phases of the unfinished Jobs, by index.
    pub fn unfinished_phases(&self) -> impl Iterator<Item = JobPhase> + '_ {
        self.active
            .iter()
            .filter_map(|id| self.jobs.get(id.index()))
            .map(|job| job.phase.job_phase())
    }

    /// R and P as the API server has them now (Jobs deleted in the
    /// foreground included until their pod is gone).
    pub fn counts(&self) -> JobCounts {
        self.truth
    }

    /// R and P as KEDA's informer cache shows them at `now`: as they were
    /// the cache's lag earlier.
    pub fn seen_counts(&mut self, now: SimTime) -> JobCounts {
        self.cache.seen(Duration::from_micros(now.0), self.truth)
    }

    /// Whether something that happened at `at` is in KEDA's cache at `now`.
    pub fn cache_shows(&self, at: SimTime, now: SimTime) -> bool {
        self.cache
            .shows(Duration::from_micros(at.0), Duration::from_micros(now.0))
    }

    /// How the view counts a Job whose pod is in `phase` (a finished one
    /// only while it is deleted in the foreground).
    fn counted(&self, phase: Phase, terminating: bool) -> Counted {
        match phase {
            Phase::Unschedulable => self.view.unscheduled,
            Phase::Starting => self.view.starting,
            Phase::Running => self.view.running,
            Phase::Succeeded | Phase::Failed if terminating => self.view.terminating,
            Phase::Succeeded | Phase::Failed => Counted::No,
        }
    }

    /// One Job's count changes at `now`.
    fn change(&mut self, now: SimTime, from: Counted, to: Counted) {
        if from == to {
            return;
        }
        let pair = |c: Counted| match c {
            Counted::No => (0u32, 0u32),
            Counted::Running => (1, 0),
            Counted::Pending => (1, 1),
        };
        let ((r0, p0), (r1, p1)) = (pair(from), pair(to));
        self.truth.running = (self.truth.running + r1).saturating_sub(r0);
        self.truth.pending = (self.truth.pending + p1).saturating_sub(p0);
        self.cache.record(Duration::from_micros(now.0), from, to);
    }

    /// The unfinished Jobs, by index.
    pub fn unfinished(&self) -> impl Iterator<Item = JobId> + '_ {
        self.active.iter().copied()
    }

    /// Jobs created so far.
    pub fn created(&self) -> u32 {
        u32::try_from(self.jobs.len()).unwrap_or(u32::MAX)
    }

    /// Pods waiting for room on a node.
    pub fn unschedulable(&self) -> u32 {
        u32::try_from(self.unschedulable.len()).unwrap_or(u32::MAX)
    }

    /// A Job by id.
    pub fn job(&self, id: JobId) -> Option<&Job> {
        self.jobs.get(id.index())
    }

    /// The Job the API knows by `name`.
    pub fn job_named(&self, name: &JobName) -> Option<JobId> {
        self.by_name.get(name).copied()
    }

    /// What KEDA's client sees of the unfinished Jobs: one pod each, with
    /// the conditions Kubernetes sets as the pod is scheduled, initialised
    /// and becomes ready (for `pendingPodConditions`).
    pub fn job_views(&self) -> Vec<JobStatus> {
        self.active
            .iter()
            .filter_map(|id| self.jobs.get(id.index()))
            .map(|job| {
                let running = job.phase == Phase::Running;
                job_status(
                    job.name.clone(),
                    job.scheduled_at.is_some(),
                    running,
                    if running {
                        PodPhase::Running
                    } else {
                        PodPhase::Pending
                    },
                )
            })
            .collect()
    }

    fn fits(&self) -> bool {
        self.free_cpu_milli >= self.pod_cpu_milli && self.free_memory_mib >= self.pod_memory_mib
    }

    fn bind(&mut self, id: JobId, now: SimTime) {
        self.free_cpu_milli -= self.pod_cpu_milli;
        self.free_memory_mib -= self.pod_memory_mib;
        if let Some(job) = self.jobs.get_mut(id.index()) {
            let from = job.phase;
            job.phase = Phase::Starting;
            job.scheduled_at = Some(now);
            let (from, to) = (
                self.counted(from, false),
                self.counted(Phase::Starting, false),
            );
            self.change(now, from, to);
        }
    }

    /// Creates a Job; returns its id and whether its pod was bound at once
    /// (the caller then schedules the end of its start-up).
    pub fn create_job(&mut self, now: SimTime) -> (JobId, bool) {
        let id = JobId(self.created());
        let name = JobName::new(format!("{JOB_NAME_PREFIX}{id}"));
        self.by_name.insert(name.clone(), id);
        self.jobs.push(Job {
            name,
            phase: Phase::Unschedulable,
            created_at: now,
            scheduled_at: None,
            running_at: None,
            finished_at: None,
            deleting: false,
        });
        self.active.insert(id);
        let counted = self.counted(Phase::Unschedulable, false);
        self.change(now, Counted::No, counted);
        let bound = self.unschedulable.is_empty() && self.fits();
        if bound {
            self.bind(id, now);
        } else {
            self.unschedulable.push_back(id);
        }
        (id, bound)
    }

    /// The pod finished starting: Running.
    pub fn pod_running(&mut self, id: JobId, now: SimTime) {
        if let Some(job) = self.jobs.get_mut(id.index())
            && job.phase == Phase::Starting
        {
            job.phase = Phase::Running;
            job.running_at = Some(now);
            let (from, to) = (
                self.counted(Phase::Starting, false),
                self.counted(Phase::Running, false),
            );
            self.change(now, from, to);
        }
    }

    /// The API deletes the unfinished Job `id` in the foreground: once it
    /// finishes it stays listed until its pod is gone.
    pub fn mark_deleting(&mut self, id: JobId) {
        if let Some(job) = self.jobs.get_mut(id.index())
            && job.finished_at.is_none()
        {
            job.deleting = true;
        }
    }

    /// The pod's worker exited: the Job is Complete (or Failed) and leaves
    /// R and P at once; its node room is freed by [`Cluster::release`] once
    /// the pod is gone. Returns false if the Job had already finished.
    pub fn finish_job(&mut self, id: JobId, succeeded: bool, now: SimTime) -> bool {
        let Some(job) = self.jobs.get_mut(id.index()) else {
            return false;
        };
        let previous = job.phase;
        if matches!(previous, Phase::Succeeded | Phase::Failed) {
            return false;
        }
        job.phase = if succeeded {
            Phase::Succeeded
        } else {
            Phase::Failed
        };
        job.finished_at = Some(now);
        let (phase, deleting) = (job.phase, job.deleting);
        self.active.remove(&id);
        if deleting {
            self.terminating.insert(id);
        }
        if previous == Phase::Unschedulable {
            self.unschedulable.retain(|&j| j != id);
        }
        let (from, to) = (self.counted(previous, false), self.counted(phase, deleting));
        self.change(now, from, to);
        true
    }

    /// `nodes` nodes are lost: the pool shrinks, and the pods that no
    /// longer fit (the most recently bound first) are returned; the caller
    /// kills them (their room comes back with [`Cluster::release`]).
    pub fn lose_nodes(&mut self, nodes: u32) -> Vec<JobId> {
        let n = i64::from(nodes);
        self.free_cpu_milli -= self.node_cpu_milli.saturating_mul(n);
        self.free_memory_mib -= self.node_memory_mib.saturating_mul(n);
        let mut cpu = self.free_cpu_milli;
        let mut mem = self.free_memory_mib;
        let mut victims = Vec::new();
        for (id, job) in self.jobs.iter().enumerate().rev() {
            if cpu >= 0 && mem >= 0 {
                break;
            }
            if matches!(job.phase, Phase::Starting | Phase::Running) {
                cpu += self.pod_cpu_milli;
                mem += self.pod_memory_mib;
                victims.push(JobId(u32::try_from(id).unwrap_or(u32::MAX)));
            }
        }
        victims
    }

    /// `nodes` nodes come back; returns the waiting pods now bound.
    pub fn restore_nodes(&mut self, nodes: u32, now: SimTime) -> Vec<JobId> {
        let n = i64::from(nodes);
        self.free_cpu_milli += self.node_cpu_milli.saturating_mul(n);
        self.free_memory_mib += self.node_memory_mib.saturating_mul(n);
        self.bind_waiting(now)
    }

    fn bind_waiting(&mut self, now: SimTime) -> Vec<JobId> {
        let mut bound = Vec::new();
        while self.fits() {
            let Some(next) = self.unschedulable.pop_front() else {
                break;
            };
            self.bind(next, now);
            bound.push(next);
        }
        bound
    }

    /// The finished pod is gone from its node: frees its room and binds
    /// waiting pods, returning them (the caller schedules their start-up).
    pub fn release(&mut self, id: JobId, now: SimTime) -> Vec<JobId> {
        if self.terminating.remove(&id)
            && let Some(phase) = self.jobs.get(id.index()).map(|j| j.phase)
        {
            let from = self.counted(phase, true);
            self.change(now, from, Counted::No);
        }
        let bound_before = self
            .jobs
            .get(id.index())
            .is_some_and(|j| j.scheduled_at.is_some());
        if !bound_before {
            return Vec::new();
        }
        self.free_cpu_milli += self.pod_cpu_milli;
        self.free_memory_mib += self.pod_memory_mib;
        self.bind_waiting(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_pool(pods: u32) -> Cluster {
        Cluster::new(&ClusterSpec {
            nodes: 1,
            cpus_per_node: f64::from(pods),
            memory_gib_per_node: 1024.0,
            pod_cpu: 1.0,
            pod_memory_gib: 2.0,
            ..ClusterSpec::default()
        })
    }

    #[test]
    fn pods_wait_for_room_and_keda_counts_follow() {
        let mut c = small_pool(2);
        let t = SimTime(0);
        let (a, bound_a) = c.create_job(t);
        let (b, bound_b) = c.create_job(t);
        let (d, bound_d) = c.create_job(t);
        assert!(bound_a && bound_b && !bound_d);
        assert_eq!(c.counts(), JobCounts::new(3, 3));
        c.pod_running(a, SimTime(5));
        assert_eq!(c.counts(), JobCounts::new(3, 2));
        assert!(c.finish_job(a, true, SimTime(9)));
        assert!(!c.finish_job(a, true, SimTime(9)), "finishes once");
        assert_eq!(c.counts(), JobCounts::new(2, 2));
        assert_eq!(
            c.unschedulable(),
            1,
            "room is freed only when the pod is gone"
        );
        assert_eq!(c.release(a, SimTime(10)), vec![d]);
        assert!(c.finish_job(b, false, SimTime(9)));
        assert_eq!(c.release(b, SimTime(10)), Vec::<JobId>::new());
        let views = c.job_views();
        assert_eq!(views.len(), 1, "only d is unfinished");
        assert_eq!(views[0].name, "prompt-proc-2");
        assert_eq!(views[0].pods[0].phase, PodPhase::Pending);
        assert_eq!(c.job(d).map(|j| j.phase), Some(Phase::Starting));
        assert_eq!(c.job_named(&JobName::from("prompt-proc-2")), Some(d));
        assert_eq!(c.job_named(&JobName::from("prompt-proc-7")), None);
    }

    #[test]
    fn losing_nodes_evicts_the_newest_pods_and_restoring_binds_waiters() {
        let mut c = Cluster::new(&ClusterSpec {
            nodes: 2,
            cpus_per_node: 2.0,
            memory_gib_per_node: 1024.0,
            pod_cpu: 1.0,
            pod_memory_gib: 2.0,
            ..ClusterSpec::default()
        });
        for _ in 0..5 {
            c.create_job(SimTime(0));
        }
        assert_eq!(c.unschedulable(), 1);
        assert_eq!(c.lose_nodes(1), vec![JobId(3), JobId(2)]);
        for id in [JobId(3), JobId(2)] {
            c.finish_job(id, false, SimTime(1));
            assert!(c.release(id, SimTime(2)).is_empty());
        }
        assert_eq!(c.restore_nodes(1, SimTime(3)), vec![JobId(4)]);
    }

    #[test]
    fn capacity_is_never_exceeded() {
        let mut c = small_pool(3);
        for _ in 0..10 {
            c.create_job(SimTime(0));
        }
        assert_eq!(c.unschedulable(), 7);
        for id in 0..3 {
            c.pod_running(JobId(id), SimTime(1));
        }
        assert_eq!(c.counts(), JobCounts::new(10, 7), "three pods run");
    }

    #[test]
    fn a_job_deleted_in_the_foreground_counts_until_its_pod_is_gone() {
        let mut c = small_pool(4);
        let (a, _) = c.create_job(SimTime(0));
        let (b, _) = c.create_job(SimTime(0));
        c.pod_running(a, SimTime(1));
        c.pod_running(b, SimTime(1));
        assert_eq!(c.counts(), JobCounts::new(2, 0));
        c.mark_deleting(a);
        assert!(c.finish_job(a, false, SimTime(2)));
        assert!(c.finish_job(b, false, SimTime(2)));
        // b left at once; a is still listed, its pod no longer running.
        assert_eq!(c.counts(), JobCounts::new(1, 1));
        c.release(a, SimTime(3));
        c.release(b, SimTime(3));
        assert_eq!(c.counts(), JobCounts::default());
    }

    #[test]
    fn keda_sees_the_counts_a_lag_late() {
        let mut c = small_pool(4).counted_by(KedaView::default(), Duration::from_millis(500));
        let (a, _) = c.create_job(SimTime(0));
        assert_eq!(c.seen_counts(SimTime(499_999)), JobCounts::default());
        assert_eq!(c.seen_counts(SimTime(500_000)), JobCounts::new(1, 1));
        c.pod_running(a, SimTime(1_000_000));
        assert_eq!(c.seen_counts(SimTime(1_200_000)), JobCounts::new(1, 1));
        assert_eq!(c.seen_counts(SimTime(1_500_000)), JobCounts::new(1, 0));
        assert!(c.cache_shows(SimTime(1_000_000), SimTime(1_500_000)));
    }

    #[test]
    fn the_view_follows_pending_pod_conditions() {
        let mut settings = ScaledJobSettings::rubin_production();
        assert_eq!(KedaView::of(&settings), KedaView::default());
        settings.scaling_strategy.pending_pod_conditions = vec!["PodScheduled".into()];
        let view = KedaView::of(&settings);
        assert_eq!(view.unscheduled, Counted::Pending);
        assert_eq!(view.starting, Counted::Running);
        assert_eq!(view.terminating, Counted::Running);
    }
}
