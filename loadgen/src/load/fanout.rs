//! The fan-out of a load run: at each visit's announcement time, whatever
//! state the system is in (an open model), write one event per detector of
//! this shard to the run's Redis stream. Each visit is written by a task of
//! its own, so a stalled Redis delays that visit's events but never the
//! next visit's announcement. A visit whose events cannot be written counts
//! its detectors as failed.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use alertsim_core::fanout::{self, StreamEvent, Visit};
use tokio::task::JoinSet;

use super::plan::PlannedVisit;
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

/// The `nextVisit` the fan-out announces for `visit`.
pub fn next_visit(visit: &PlannedVisit, exposure_in_s: f64) -> Visit {
    let now = unix_now_s();
    Visit {
        sal_index: 3,
        script_sal_index: 100_000 + i64::from(visit.index),
        instrument: "LSSTCam".into(),
        group_id: visit.group_id.clone(),
        coordinate_system: 2,
        position: [
            (visit.index as f64 * 3.5) % 360.0,
            -30.0 + (visit.index % 50) as f64 * 0.5,
        ],
        start_time: now + exposure_in_s.max(0.0),
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r_57".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "alertsim-load".into(),
        total_checkpoints: 0,
        private_snd_stamp: now,
    }
}

/// Announces every visit at its time; returns when all are written (or
/// failed) or the run stops.
pub async fn run_fanout(state: Arc<RunState>) {
    let mut writes = JoinSet::new();
    for visit in state.plan.visits() {
        tokio::select! {
            () = state.clock.sleep_until(visit.announced_s) => {}
            () = state.stopped() => break,
        }
        let detectors = state.plan.detectors(visit);
        state.recorder().visit_planned(
            visit.index,
            visit.readout_end_s,
            state.plan.planned_alerts(visit),
        );
        let lead = state.clock.wall(visit.exposure_start_s - visit.announced_s);
        let mut events = fanout::fan_out(&next_visit(visit, lead.as_secs_f64()), &detectors);
        for event in &mut events {
            event.stream.clone_from(&state.endpoints.stream);
        }
        writes.spawn(write_visit(state.clone(), visit.index, events));
    }
    while writes.join_next().await.is_some() {}
}

async fn write_visit(state: Arc<RunState>, index: u32, events: Vec<StreamEvent>) {
    let result = async {
        let mut conn = connect(&state.endpoints.redis)
            .await
            .map_err(|e| e.to_string())?;
        let e = &state.endpoints;
        fanout::create_group(&mut conn, &e.stream, &e.group)
            .await
            .map_err(|e| e.to_string())?;
        fanout::write_events(&mut conn, &events)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => Counters::bump(&state.counters.visits_fanned_out),
        Err(error) => {
            tracing::warn!(visit = index, %error, "fan-out failed: the visit's detectors are lost");
            let mut recorder = state.recorder();
            for _ in &events {
                recorder.detector_failed(index);
            }
        }
    }
}
