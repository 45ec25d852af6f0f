//! The fan-out: at each visit's nextVisit it writes one event per detector
//! to the Redis stream (the real fan-out's fields, encoded once per visit
//! by the core's `fan_out`; the entries land one `XADD` latency later, as
//! the idle workers' load on Redis makes it), and idle workers wake to read
//! them. Each
//! detector's `XADD` is retried as the core's `WriteRetry` says (Rubin: 2,
//! 4, 5 s later); a detector whose last attempt fails is dropped (counted
//! as `detectors_dropped`) while the others are written. Every detector of
//! a visit sees the same Redis, so one retry event stands for all of them.
//! The fan-out handles each nextVisit when it is announced, so none is
//! ever older than `fanout.message_expiration_s` here.

use alertsim_core::fanout::fan_out;
use alertsim_core::fanout::retry::WriteRetry;
use alertsim_core::worker::{Entry, EntryId};
use alertsim_plan::Plan;
use alertsim_plan::redis_cpu::RedisCommand;

use super::{Engine, Event, unix};
use crate::model::night::Visit;
use crate::model::redis::EntryBody;
use crate::time::{SimDuration, SimTime};

/// The night's visits and how far the fan-out has got.
pub(super) struct Fanout {
    visits: Vec<Visit>,
    /// Each visit's event fields without the trailing detector field.
    fields: Vec<Vec<(String, String)>>,
    announced: u32,
    retry: WriteRetry,
    /// Visits whose writes are under way or wait for a retry.
    retrying: u32,
}

impl Fanout {
    /// The plan's visits, none announced yet.
    pub(super) fn new(plan: &Plan) -> Self {
        let visits = plan.visits.clone();
        Fanout {
            fields: visits.iter().map(|v| visit_fields(plan, v)).collect(),
            visits,
            announced: 0,
            retry: plan.fanout_retry(alertsim_plan::Clock::Virtual),
            retrying: 0,
        }
    }

    /// The night's visits.
    pub(super) fn visits(&self) -> &[Visit] {
        &self.visits
    }

    /// When the first visit is announced.
    pub(super) fn first_announcement(&self) -> Option<SimTime> {
        self.visits.first().map(|v| v.announced)
    }

    /// The end of the last readout (the start of the night without visits).
    pub(super) fn last_readout(&self) -> SimTime {
        self.visits
            .last()
            .map(|v| v.readout_end)
            .unwrap_or(SimTime::ZERO)
    }

    /// Visits announced so far.
    pub(super) fn announced(&self) -> u32 {
        self.announced
    }

    /// Whether every visit has been announced and written (or dropped).
    pub(super) fn all_announced(&self) -> bool {
        self.announced as usize == self.visits.len() && self.retrying == 0
    }

    /// When the images of `visit` are read out (the origin of its alerts'
    /// latency).
    pub(super) fn readout_end(&self, visit: u32) -> Option<SimTime> {
        self.visits.get(visit as usize).map(|v| v.readout_end)
    }

    /// Alerts of the detector an entry names.
    pub(super) fn detector_alerts(&self, body: EntryBody) -> u32 {
        self.visits
            .get(body.visit as usize)
            .and_then(|v| v.detector_alerts.get(body.detector as usize))
            .copied()
            .unwrap_or(0)
    }

    /// A stream entry as Redis returns it: the fan-out's fields.
    pub(super) fn entry(&self, id: EntryId, body: EntryBody) -> Entry {
        let mut fields = self
            .fields
            .get(body.visit as usize)
            .cloned()
            .unwrap_or_default();
        fields.push(("detector".to_owned(), body.detector.to_string()));
        Entry::new(id, fields)
    }
}

impl Engine<'_> {
    /// nextVisit for visit `v`: the next announcement is scheduled, and the
    /// visit's detector events are sent; they reach Redis one `XADD`
    /// latency later.
    pub(super) fn announce(&mut self, now: SimTime, v: u32) {
        if let Some(next) = self.fanout.visits.get(v as usize + 1) {
            self.queue.schedule(next.announced, Event::Announce(v + 1));
        }
        self.fanout.announced = v + 1;
        let at = now + self.redis_latency(now, RedisCommand::Xadd);
        self.queue.schedule(at, Event::FanoutWrite(v, 0));
        self.fanout.retrying += 1;
    }

    /// The fan-out's `XADD`s of visit `v`'s detectors reach Redis after
    /// `failures` failed attempts: written (and as many idle workers wake),
    /// retried later, or (retries spent) dropped.
    pub(super) fn write_visit(&mut self, now: SimTime, v: u32, failures: u32) {
        self.fanout.retrying = self.fanout.retrying.saturating_sub(1);
        let detectors = self
            .fanout
            .visits
            .get(v as usize)
            .map(|visit| visit.detector_alerts.len())
            .unwrap_or(0);
        if self.redis.is_down() {
            let failures = failures + 1;
            match self.fanout.retry.delay_after(failures) {
                Some(delay) => {
                    let sent = now + SimDuration::from_secs_f64(delay.as_secs_f64());
                    let at = sent + self.redis_latency(now, RedisCommand::Xadd);
                    self.queue.schedule(at, Event::FanoutWrite(v, failures));
                    self.fanout.retrying += 1;
                }
                None => {
                    // Each task's exception is never awaited: the detectors
                    // are silently missing.
                    for _ in 0..detectors {
                        self.rec.detector_dropped(v);
                    }
                }
            }
            return;
        }
        for detector in 0..detectors {
            self.redis.stream_mut().xadd(EntryBody {
                visit: v,
                detector: u32::try_from(detector).unwrap_or(u32::MAX),
            });
            self.charge_redis(RedisCommand::Xadd);
        }
        // Idle workers poll the stream in a loop; wake as many as there are
        // new entries, after one command latency.
        self.wake_parked(now, detectors);
    }
}

/// The fan-out's fields for a visit, without the trailing detector field
/// (the real fan-out encodes them; the engine appends the detector).
fn visit_fields(plan: &Plan, visit: &Visit) -> Vec<(String, String)> {
    let v = plan.next_visit(
        visit,
        unix(visit.announced).as_secs_f64(),
        unix(visit.exposure_start).as_secs_f64(),
    );
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use alertsim_scenarios::Scenario;

    use super::*;
    use crate::engine::from_unix;

    #[test]
    fn visit_fields_decode_as_a_detector_event() {
        let scenario = Scenario::resolve("smoke", &[]).unwrap_or_default();
        let plan = Plan::new(&scenario).expect("smoke has a plan");
        let visits = &plan.visits;
        let mut fields = visit_fields(&plan, &visits[2]);
        fields.push(("detector".to_owned(), "7".to_owned()));
        let event = alertsim_core::fanout::DetectorEvent::from_fields(&fields);
        let event = event.ok();
        assert_eq!(event.as_ref().map(|e| e.detector), Some(7));
        let stamp = event.map(|e| e.visit.private_snd_stamp).unwrap_or_default();
        // private_sndStamp is TAI, 37 s ahead of the UTC announcement.
        let stamp = alertsim_core::fanout::tai::utc_from_unix_tai(stamp);
        assert_eq!(
            from_unix(Duration::from_secs_f64(stamp)),
            visits[2].announced
        );
    }

    #[test]
    fn an_entry_carries_its_id_and_the_visits_fields_with_its_detector() {
        let scenario = Scenario::resolve("smoke", &[]).unwrap_or_default();
        let plan = Plan::new(&scenario).expect("smoke has a plan");
        let fanout = Fanout::new(&plan);
        let id = EntryId::new(12, 0);
        let entry = fanout.entry(
            id,
            EntryBody {
                visit: 1,
                detector: 3,
            },
        );
        assert_eq!(entry.id, id);
        let event = alertsim_core::fanout::DetectorEvent::from_fields(&entry.fields);
        assert_eq!(event.ok().map(|e| e.detector), Some(3));
    }
}
