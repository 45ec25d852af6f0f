//! A detector's stages in the simulator: when a worker reads an event, the
//! plan's timeline for that detector (`alertsim_plan::stages`: preload,
//! image wait, pipelines and APDB write under the worker timeout; visits
//! without pipelines skipped, visits without images waited out) decides
//! when the worker packages its alerts or is free again; once the alerts
//! are out, the detector's stamps go to the recorder for the latency
//! budget (`alertsim_reports::metrics::budget`).

use alertsim_core::worker::EntryId;
use alertsim_plan::stages::{Ending, Timeline};
use alertsim_reports::DetectorStamps;

use super::{Engine, Event};
use crate::model::kafka::BatchOutcome;
use crate::model::kube::JobId;
use crate::model::redis::EntryBody;
use crate::time::{SimDuration, SimTime};

/// What the packager's publication of one detector's fresh alerts left for
/// the budget: alerts acknowledged, the last acknowledgement and the
/// produce round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Acks {
    pub(super) delivered: u32,
    pub(super) last: SimTime,
    pub(super) round_trip: SimDuration,
}

impl Acks {
    /// The acknowledgements of a detector's batches.
    pub(super) fn of(batches: &[BatchOutcome], round_trip: SimDuration) -> Option<Acks> {
        let delivered: u32 = batches.iter().map(|b| b.delivered).sum();
        let last = batches
            .iter()
            .filter(|b| b.delivered > 0)
            .map(|b| b.outcome_at(b.delivered - 1))
            .max()?;
        Some(Acks {
            delivered,
            last,
            round_trip,
        })
    }
}

fn at(secs: f64) -> SimTime {
    SimTime::from_secs_f64(secs)
}

impl Engine<'_> {
    /// The worker of `job` read entry `id` (detector `body`) at `now`: its
    /// timeline, and the event that ends its processing scheduled. A
    /// detector the worker timeout will fail is counted failed now (once,
    /// whatever happens to the worker later).
    pub(super) fn begin_detector(
        &mut self,
        now: SimTime,
        job: JobId,
        id: EntryId,
        body: EntryBody,
    ) -> Option<Timeline> {
        let visit = self.plan.visits.get(body.visit as usize)?;
        let timeline = self
            .plan
            .detector_timeline(visit, body.detector, now.as_secs_f64());
        let end = at(timeline.end_s()).max(now);
        let event = match timeline.ending {
            Ending::Publish => Event::Package(job),
            Ending::Skipped | Ending::NoImages => Event::DetectorDone(job),
            Ending::TimedOut => {
                self.outcomes.fail(id, body.visit, &mut self.rec);
                Event::DetectorDone(job)
            }
        };
        self.queue.schedule(end, event);
        Some(timeline)
    }

    /// The detector `body` read by `job` with `timeline` was published
    /// with `acks`: its stamps go to the recorder.
    pub(super) fn record_stages(
        &mut self,
        job: JobId,
        body: EntryBody,
        timeline: &Timeline,
        acks: Acks,
    ) {
        let Some(visit) = self.plan.visits.get(body.visit as usize) else {
            return;
        };
        let pod_running = self
            .pods
            .cluster()
            .job(job)
            .and_then(|j| j.running_at)
            .unwrap_or(SimTime::ZERO);
        let acked = acks.last;
        let produced = SimTime(acked.0.saturating_sub(acks.round_trip.0));
        self.rec.detector_stages(
            body.visit,
            &DetectorStamps {
                delivered: acks.delivered,
                announced_s: visit.announced.as_secs_f64(),
                pod_running_s: pod_running.as_secs_f64(),
                read_s: timeline.read_s,
                preload_end_s: timeline.preload_end_s,
                images_end_s: timeline.images_end_s,
                pipeline_end_s: timeline.pipeline_end_s,
                apdb_end_s: timeline.apdb_end_s,
                produced_s: produced.as_secs_f64(),
                acked_s: acked.as_secs_f64(),
            },
        );
    }
}
