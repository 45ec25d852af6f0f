//! Fault effects that need the engine's pods and scaler: worker pods
//! crashing mid-detector, the KEDA operator being away, and pods that
//! cannot get a schema id from the registry at start-up. The simple
//! switches (brokers down, Redis down, slow brokers) stay in the engine's
//! `fault` hook and the models.

use super::{Engine, Event, Held};
use crate::time::{SimDuration, SimTime};
use alertsim_core::worker::AckMode;

impl Engine<'_> {
    /// `pods` busy worker pods crash at once, lowest Job number first: no
    /// SIGTERM handling, exit 1. What each held follows the ack mode: lost
    /// under ack-before-processing, reclaimed later under ack-after.
    pub(super) fn crash_busy_workers(&mut self, now: SimTime, pods: u32) {
        let busy: Vec<u32> = self
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.held.is_some() && !p.crashed && p.worker.exit_code().is_none())
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .take(pods as usize)
            .collect();
        for job in busy {
            let Some(pod) = self.pods.get_mut(job as usize) else {
                continue;
            };
            pod.crashed = true;
            pod.command = None;
            pod.parked_until = None;
            let held: Option<Held> = pod.held.take();
            if let Some(held) = held {
                pod.busy = pod.busy + now.saturating_since(held.taken);
                self.busy_pods -= 1;
                if self.worker_config.ack_mode == AckMode::BeforeProcessing {
                    self.fail_entry(held.id, held.body.visit);
                }
            }
            self.job_exited(now, job, 1);
        }
    }

    /// While the KEDA operator is away nobody polls: the next poll is one
    /// polling interval later and no Job is created or deleted. Returns
    /// whether the poll was skipped.
    pub(super) fn skip_poll_while_keda_away(&mut self, now: SimTime) -> bool {
        if self.keda_away == 0 {
            return false;
        }
        let interval = SimDuration::from_secs_f64(self.s.scaler.polling_interval_s);
        self.queue.schedule(now + interval, Event::Poll);
        true
    }
}

impl Engine<'_> {
    /// A pod that has just started gets its schema id. With deterministic
    /// ids it computes it; otherwise it registers the schema, and while the
    /// registry is unreachable (outage, rebuild) it cannot and exits 1 (as
    /// `alertsim worker --registry` does) before reading anything. Returns
    /// whether the pod goes on.
    pub(super) fn resolve_schema_id(&mut self, now: SimTime, job: u32) -> bool {
        if self.registry.deterministic() {
            return true;
        }
        if !self.registry.reachable(now) {
            if let Some(pod) = self.pods.get_mut(job as usize) {
                pod.crashed = true;
            }
            self.job_exited(now, job, 1);
            return false;
        }
        let generation = self.registry.generation(now);
        if let Some(pod) = self.pods.get_mut(job as usize) {
            pod.id_generation = generation;
        }
        true
    }
}
