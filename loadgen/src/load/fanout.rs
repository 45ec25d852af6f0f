//! The fan-out of a load run: at each visit's announcement time, whatever
//! state the system is in (an open model), write one event per detector of
//! this shard to the run's Redis stream. Each visit is written by a task of
//! its own, so a stalled Redis delays that visit's events but never the
//! next visit's announcement. As Rubin's fan-out: each detector is written
//! by a task of its own and retried as the plan's `WriteRetry` says (its
//! waits scaled to the run's clock); a detector whose writes all fail is
//! dropped and counted (`detectors_dropped`) while the others are written;
//! a visit handled later than `fanout.message_expiration_s` after its
//! announcement (a generator that fell that far behind) is dropped whole.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use alertsim_core::fanout::{self, StreamEvent};
use alertsim_drivers::fanout::per_detector::{with_retry, write_detectors};
use alertsim_plan::Clock;
use tokio::task::JoinSet;

use super::generator::Planned;
use super::redis_link::connect;
use super::state::{Counters, RunState};

/// Unix seconds of scenario second 0 is the wall time of the run's start;
/// `startTime` of visit `v` is that plus its exposure start (scaled).
fn unix_now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Announces every visit at its time; returns when all are written (or
/// failed) or the run stops.
pub async fn run_fanout(state: Arc<RunState>) {
    let mut writes = JoinSet::new();
    for visit in state.plan.visits() {
        tokio::select! {
            () = state.wait_until(visit.announced_s, Planned::Fanout) => {}
            () = state.stopped() => break,
        }
        let detectors = state.plan.detectors(visit);
        state.recorder().visit_planned(
            visit.index,
            visit.readout_end_s,
            state.plan.planned_alerts(visit),
        );
        let expiration = state.plan.plan().fanout_expiration(Clock::Virtual);
        if fanout::expiry::expired(visit.announced_s, state.clock.now_s(), expiration) {
            tracing::warn!(
                visit = visit.index,
                "fan-out: nextVisit expired, its detectors are dropped"
            );
            let mut recorder = state.recorder();
            for _ in &detectors {
                recorder.detector_dropped(visit.index);
            }
            continue;
        }
        let now = unix_now_s();
        let lead = state.clock.wall(visit.exposure_start_s - visit.announced_s);
        let plan = state.plan.plan();
        let Some(planned) = plan.visits.get(visit.index as usize) else {
            continue;
        };
        let next = plan.next_visit(planned, now, now + lead.as_secs_f64());
        let mut events = fanout::fan_out(&next, &detectors);
        for event in &mut events {
            event.stream.clone_from(&state.endpoints.stream);
        }
        writes.spawn(write_visit(state.clone(), visit.index, events));
    }
    while writes.join_next().await.is_some() {}
}

async fn write_visit(state: Arc<RunState>, index: u32, events: Vec<StreamEvent>) {
    let retry = state.plan.plan().fanout_retry(Clock::Wall {
        time_scale: state.clock.scale(),
    });
    let url = state.endpoints.redis.clone();
    // The client connects as redis-py does, under the same retry.
    let conn = match with_retry(&retry, || connect(&url)).await {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(visit = index, %error, "fan-out: no connection, the visit's detectors are dropped");
            let mut recorder = state.recorder();
            for _ in &events {
                recorder.detector_dropped(index);
            }
            return;
        }
    };
    // The run made the group; after a fault that deleted the stream it is
    // made again here (Rubin's operators do it by hand).
    let e = &state.endpoints;
    if let Err(error) =
        alertsim_drivers::fanout::create_group(&mut conn.clone(), &e.stream, &e.group).await
    {
        tracing::warn!(visit = index, %error, "fan-out: creating the group failed");
    }
    let detectors = events.len();
    let written = write_detectors(&conn, events, retry).await;
    let dropped = written.iter().filter(|w| w.is_err()).count();
    if dropped == 0 {
        Counters::bump(&state.counters.visits_fanned_out);
        return;
    }
    if let Some(Err(error)) = written.iter().find(|w| w.is_err()) {
        tracing::warn!(visit = index, dropped, detectors, %error, "fan-out: detectors dropped");
    }
    let mut recorder = state.recorder();
    for _ in 0..dropped {
        recorder.detector_dropped(index);
    }
}
