//! KEDA: the core's ScaledJob poll loop reading the stream's lag as the
//! redis-streams trigger does (`INFO server`, then `XINFO GROUPS`, or
//! `XPENDING` with `lag_count = 0`: the poll decides when their replies are
//! back, each one Redis command latency), counting Jobs with the core's rules, and its
//! Job creations and deletions sent at the API rate limit; history cleanup
//! of finished Jobs; the rollout on a ScaledJob spec change; and the
//! operator being away (`keda_operator_restart`), when nobody polls. A
//! release that refuses the trigger (KEDA 2.16 with activation 0) never
//! polls at all.
//!
//! KEDA counts the Jobs through its informer cache: the counts a poll sees
//! are those of `scaler.cache_lag_s` earlier, and a finished Job enters the
//! history cleanup only once the cache shows it. The rollout deletes Jobs in
//! the foreground (Rubin's `rollout.propagationPolicy`), so they count until
//! their pod is gone. A poll whose decision panics crashes the operator
//! (counted as `jobs.keda_operator_crashes`): the core's loop holds the next
//! poll until the kubelet's restart back-off has passed.

use alertsim_core::scaler::lag::{StreamQuery, metric_from_snapshot};
use alertsim_core::scaler::{
    FinishedJob, FinishedOutcome, JobAction, JobGeneration, JobName, PollInput, ScalerLoop,
    TimedAction, TriggerMetric,
};
use alertsim_plan::Plan;
use alertsim_plan::redis_cpu::RedisCommand;

use super::{Engine, Event, from_duration, to_duration};
use crate::model::kube::JobId;
use crate::time::{SimDuration, SimTime};

/// The ScaledJob's poll loop and what KEDA knows of its Jobs.
pub(super) struct Keda {
    scaler: ScalerLoop,
    query: StreamQuery,
    /// Finished Jobs not deleted yet, for history cleanup.
    finished: Vec<FinishedJob>,
    /// The ScaledJob spec's generation (Jobs are stamped with it).
    generation: i64,
    /// `keda_operator_restart` faults under way.
    away: u32,
    /// The release builds the redis-streams trigger; when it does not, the
    /// ScaledJob has no scale loop (see `Plan::trigger_builds`).
    trigger_builds: bool,
}

impl Keda {
    /// The plan's ScaledJob at generation 1, first poll at time 0.
    pub(super) fn new(plan: &Plan) -> Self {
        let s = &plan.scenario;
        Keda {
            scaler: ScalerLoop::new(plan.scaled_job.clone(), std::time::Duration::ZERO)
                .with_rate_limit(plan.api_rate_limit.clone())
                .with_shared_status_limit(plan.shared_status_limit),
            query: plan.stream_query(&s.redis.stream, &s.redis.group),
            finished: Vec::new(),
            generation: 1,
            away: 0,
            trigger_builds: plan.trigger_builds,
        }
    }

    /// The generation new Jobs are stamped with.
    pub(super) fn generation(&self) -> i64 {
        self.generation
    }

    /// A Job finished with exit `code` at `now`: it counts for history
    /// cleanup until deleted.
    pub(super) fn job_finished(&mut self, name: JobName, code: i32, now: SimTime) {
        self.finished.push(FinishedJob {
            name,
            outcome: if code == 0 {
                FinishedOutcome::Succeeded
            } else {
                FinishedOutcome::Failed
            },
            finished_at: to_duration(now),
        });
    }

    /// `keda_operator_restart` begins: the operator is away.
    pub(super) fn operator_leaves(&mut self) {
        self.away += 1;
    }

    /// `keda_operator_restart` ends: the operator is back.
    pub(super) fn operator_returns(&mut self) {
        self.away = self.away.saturating_sub(1);
    }
}

impl Engine<'_> {
    /// The trigger's lag read: `XPENDING` with `lag_count = 0`, else
    /// `XINFO GROUPS`.
    fn lag_command(&self) -> RedisCommand {
        if self.s.scaler.lag_count == 0 {
            RedisCommand::Xpending
        } else {
            RedisCommand::XinfoGroups
        }
    }

    /// KEDA polls: it sends `INFO server` and the lag read, one after the
    /// other; it decides when the second reply is back.
    pub(super) fn poll(&mut self, now: SimTime) {
        if !self.keda.trigger_builds {
            // The ScaledJob's reconcile failed before its scale loop
            // started: no poll, now or later.
            return;
        }
        if self.keda.away > 0 {
            // Nobody polls: the next poll is one polling interval later and
            // no Job is created or deleted.
            let interval = SimDuration::from_secs_f64(self.s.scaler.polling_interval_s);
            self.queue.schedule(now + interval, Event::Poll);
            return;
        }
        let info = self.redis_latency(now, RedisCommand::Info);
        let lag = self.redis_latency(now, self.lag_command());
        self.queue.schedule(now + info + lag, Event::PollReply);
    }

    /// KEDA's Redis replies are back: it reads the lag (or an error while
    /// Redis is down), counts the Jobs, and sends the poll's creations and
    /// deletions at their times; the next poll is due an interval later
    /// (KEDA resets its timer after each check).
    pub(super) fn poll_reply(&mut self, now: SimTime) {
        self.charge_redis(RedisCommand::Info);
        self.charge_redis(self.lag_command());
        let consumers = self.workers.len() as u64;
        let snapshot = self.redis.snapshot(&self.s.redis.group, consumers);
        let metric = metric_from_snapshot(&self.keda.query, Some(&snapshot))
            .map(|reading| reading.value)
            .unwrap_or(0);
        let target = self.s.scaler.lag_count as f64;
        let activation = self.s.scaler.activation_lag_count as f64;
        let metrics = if self.redis.is_down() {
            [TriggerMetric::errored(target, activation)]
        } else {
            [TriggerMetric::new(metric as f64, target, activation)]
        };
        // The report keeps the true counts; KEDA decides on what its cache
        // shows (the same when `cache_lag_s` is 0).
        let truth = self.pods.cluster().counts();
        self.rec
            .observe_jobs(u64::from(truth.running), u64::from(truth.pending));
        let counts = self.pods.seen_counts(now);
        let cluster = self.pods.cluster();
        let finished: Vec<FinishedJob> = self
            .keda
            .finished
            .iter()
            .filter(|f| cluster.cache_shows(from_duration(f.finished_at), now))
            .cloned()
            .collect();
        let out = self.keda.scaler.poll(
            to_duration(now),
            PollInput {
                metrics: &metrics,
                counts,
                finished: &finished,
            },
        );
        if out.operator_crashed {
            self.rec.keda_operator_crashed();
        }
        for action in out.actions {
            self.send_job_request(action);
        }
        self.queue
            .schedule(from_duration(out.next_poll), Event::Poll);
    }

    /// Schedules one API request at its send time.
    fn send_job_request(&mut self, action: TimedAction) {
        let at = from_duration(action.at);
        match action.action {
            JobAction::Create => self.queue.schedule(at, Event::CreateJob),
            JobAction::Delete { name } => {
                if let Some(job) = self.pods.cluster().job_named(&name) {
                    self.queue.schedule(at, Event::DeleteJob(job));
                }
            }
        }
    }

    /// The API deletes a Job: an unfinished one (rollout) is deleted in the
    /// foreground: its pod is killed and it stays listed until the pod is
    /// gone; it leaves KEDA's history.
    pub(super) fn delete_job(&mut self, now: SimTime, job: JobId) {
        let Some((name, finished)) = self
            .pods
            .cluster()
            .job(job)
            .map(|j| (j.name.clone(), j.finished_at.is_some()))
        else {
            return;
        };
        if !finished {
            self.pods.mark_deleting(job);
            self.kill(now, job);
        }
        self.keda.finished.retain(|f| f.name != name);
    }

    /// `scaled_job_spec_change`: the ScaledJob's spec changes; the core's
    /// rollout decides which Jobs are deleted (KEDA 2.16's default rollout:
    /// every unfinished one).
    pub(super) fn scaled_job_spec_changes(&mut self, now: SimTime) {
        self.keda.generation += 1;
        let cluster = self.pods.cluster();
        let jobs: Vec<JobGeneration> = cluster
            .unfinished()
            .filter_map(|id| {
                Some(JobGeneration {
                    name: cluster.job(id)?.name.clone(),
                    generation: self.workers.spec_generation(id),
                })
            })
            .collect();
        let settings = self.plan.scaled_job.clone();
        let deletions =
            self.keda
                .scaler
                .change_spec(to_duration(now), settings, self.keda.generation, &jobs);
        for action in deletions {
            if matches!(action.action, JobAction::Delete { .. }) {
                self.send_job_request(action);
            }
        }
    }
}
