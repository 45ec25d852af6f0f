//! The recorder's side of the run: its gauges sampled at its interval (and
//! at the end) with Redis's busy time from the CPU model, and the end-of-run accounting of pod time, pod start-ups,
//! detectors never processed and alerts left in the spool.

use alertsim_reports::Gauges;

use super::{Engine, Event};
use crate::model::kube::JobId;
use crate::time::{SimDuration, SimTime};

impl Engine<'_> {
    /// The recorder samples its gauges now.
    pub(super) fn sample(&mut self, now: SimTime) {
        let counts = self.pods.cluster().counts();
        let gauges = Gauges {
            lag: self.redis.stream().group_info().lag.unwrap_or(0),
            jobs_running: u64::from(counts.running),
            jobs_pending: u64::from(counts.pending),
            pods_busy: u64::from(self.workers.busy()),
            publisher_backlog: self.publishing.spooled_alerts(),
        };
        let busy_us = self.redis_busy_since_last_sample(now);
        self.rec.redis_busy(busy_us);
        self.rec.sample(now.as_secs_f64(), gauges);
    }

    /// A sample, and the next one an interval later.
    pub(super) fn sample_and_schedule_next(&mut self, now: SimTime) {
        self.sample(now);
        let every = SimDuration::from_secs_f64(self.rec.sample_interval_s());
        self.queue.schedule(now + every, Event::Sample);
    }

    /// End of the run: pod time, start-ups, and what never got out.
    pub(super) fn settle(&mut self, end: SimTime) {
        self.settle_pod_time(end);
        // Detectors never processed (drain limit) and alerts left in the spool.
        for held in self.workers.unpublished() {
            self.outcomes.fail(held.id, held.body.visit, &mut self.rec);
        }
        let abandoned: Vec<_> = self
            .redis
            .stream()
            .pending_entries()
            .filter_map(|(id, _, body)| body.map(|b| (id, b)))
            .collect();
        for (id, body) in abandoned {
            self.outcomes.fail(id, body.visit, &mut self.rec);
        }
        while let Some((id, body)) = self.redis.stream_mut().xreadgroup(u32::MAX, end) {
            self.outcomes.fail(id, body.visit, &mut self.rec);
        }
        for (visit, alerts) in self.publishing.drain_spool() {
            for _ in 0..alerts {
                self.rec.alert_lost(visit);
            }
        }
    }

    /// Each pod's start-up, and its time busy and idle until it finished
    /// (or the end): a pod that never ran was idle from its scheduling.
    fn settle_pod_time(&mut self, end: SimTime) {
        for i in 0..self.workers.len() {
            let id = JobId(u32::try_from(i).unwrap_or(u32::MAX));
            let Some(job) = self.pods.cluster().job(id) else {
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
            let busy = self.workers.busy_time(id).min(span);
            let idle = SimDuration(span.0 - busy.0) + starting;
            self.rec.pod_time(busy.as_secs_f64(), idle.as_secs_f64());
        }
    }
}
