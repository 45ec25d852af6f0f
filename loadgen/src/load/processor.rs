//! The worker's "process one detector" step in a load run: find the visit
//! the event announces, spend the plan's stage times on it (preload, image
//! wait, pipelines, APDB write, on the run's scaled clock; a skipped or
//! imageless visit ends there, a timed-out detector fails), then generate
//! the detector's alerts and publish them with the production publisher,
//! stamping each stage for the latency budget. Every alert's outcome goes
//! to the run's recorder as it happens, timed from the visit's readout.
//! Alerts still in the producer's queue when a worker is killed (a crash,
//! or a deletion whose grace period ran out) are counted lost, as they are
//! when a real pod dies; a detector killed before any of its alerts was
//! handed to the producer counts as failed when its entry was acknowledged
//! before processing (nobody will read it again), as the simulator counts
//! it, and is left to be reclaimed when it was not. Not counted: a Job
//! killed between its `XACK` and the start of processing (one round trip)
//! loses that detector without a record.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use alertsim_core::alert::generate::AlertGenerator;
use alertsim_core::publish::Outcome;
use alertsim_core::worker::Delivery;
use alertsim_drivers::publish::kafka::AlertPublisher;
use alertsim_drivers::publish::spool::SpoolKey;
use alertsim_drivers::worker::Processor;
use alertsim_plan::stages::Ending;
use alertsim_reports::DetectorStamps;

use super::generator::Planned;
use super::state::{Counters, RunState};

/// Alerts handed to the producer and not yet settled, with how many times
/// each (a detector processed twice enqueues its alerts twice).
type Unsettled = Arc<Mutex<BTreeMap<SpoolKey, u32>>>;

fn lock(unsettled: &Unsettled) -> std::sync::MutexGuard<'_, BTreeMap<SpoolKey, u32>> {
    unsettled.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes one enqueueing of `key` off the unsettled list; false if there
/// was none (the publisher had already settled it).
fn take_one(unsettled: &Unsettled, key: &SpoolKey) -> bool {
    let mut map = lock(unsettled);
    match map.get_mut(key) {
        Some(times) => {
            *times -= 1;
            if *times == 0 {
                map.remove(key);
            }
            true
        }
        None => false,
    }
}

/// Generates and publishes the alerts of each detector a worker reads.
pub struct LoadProcessor {
    state: Arc<RunState>,
    job: String,
    generator: Arc<AlertGenerator>,
    publisher: AlertPublisher,
    unsettled: Unsettled,
    /// Alerts of this worker Kafka acknowledged so far.
    delivered: Arc<AtomicU64>,
    /// When the worker started (scenario seconds): its pod was running.
    started_s: f64,
    /// Scenario seconds spent processing (busy pod time).
    pub busy_s: f64,
    /// The visit of the detector being processed while none of its alerts
    /// has been handed to the producer yet.
    holding: Option<u32>,
}

impl LoadProcessor {
    /// A processor publishing with `publisher`, whose outcomes it reports
    /// to the run's recorder from now on.
    pub fn new(
        state: Arc<RunState>,
        job: String,
        generator: AlertGenerator,
        mut publisher: AlertPublisher,
    ) -> Self {
        let unsettled = Unsettled::default();
        let delivered = Arc::new(AtomicU64::new(0));
        publisher.set_observer(outcome_observer(
            state.clone(),
            unsettled.clone(),
            delivered.clone(),
        ));
        LoadProcessor {
            started_s: state.clock.now_s(),
            delivered,
            state,
            job,
            generator: Arc::new(generator),
            publisher,
            unsettled,
            busy_s: 0.0,
            holding: None,
        }
    }

    /// The publisher (to finish it when the worker exits).
    pub fn publisher_mut(&mut self) -> &mut AlertPublisher {
        &mut self.publisher
    }

    async fn package(&mut self, delivery: &Delivery) -> Result<(), String> {
        let state = self.state.clone();
        let group = &delivery.event.visit.group_id;
        let visit = state
            .plan
            .by_group(group)
            .ok_or_else(|| format!("groupId {group:?} is not a visit of this run"))?;
        let detector = delivery.event.detector;
        let alerts = visit
            .detector_alerts
            .get(detector as usize)
            .copied()
            .ok_or_else(|| format!("detector {detector} is not active in visit {}", visit.index))?;
        // The plan's stages for this detector from the read (the same the
        // simulator schedules): each is waited for on the run's clock and
        // stamped when it really ended.
        let read_s = state.clock.now_s();
        let timeline = state
            .plan
            .detector_timeline(visit, detector, read_s)
            .ok_or_else(|| format!("visit {} is not planned", visit.index))?;
        let mut stamps = DetectorStamps {
            announced_s: visit.announced_s,
            pod_running_s: self.started_s,
            read_s,
            ..DetectorStamps::default()
        };
        state
            .wait_until(timeline.preload_end_s, Planned::Preload)
            .await;
        stamps.preload_end_s = state.clock.now_s();
        state
            .wait_until(timeline.images_end_s, Planned::ImageWait)
            .await;
        stamps.images_end_s = state.clock.now_s();
        state
            .wait_until(timeline.pipeline_end_s, Planned::Pipeline)
            .await;
        stamps.pipeline_end_s = state.clock.now_s();
        state
            .wait_until(timeline.apdb_end_s, Planned::ApdbWrite)
            .await;
        stamps.apdb_end_s = state.clock.now_s();
        match timeline.ending {
            Ending::Publish => {}
            Ending::Skipped | Ending::NoImages => return Ok(()),
            Ending::TimedOut => return Err("WORKER_TIMEOUT: the detector timed out".to_owned()),
        }
        // The span the latency measures: from the end of the visit's
        // readout (or the read, when the detector was read after it).
        let latency_start_s = read_s.max(visit.readout_end_s);
        let generating_since = state.clock.now_s();
        let detector = i32::try_from(detector).map_err(|e| e.to_string())?;
        // Generating a detector's alerts is CPU work: off the async
        // threads, which also carry the broker, the consumers and the timers.
        let generator = self.generator.clone();
        let number = visit.number;
        let generated = tokio::task::spawn_blocking(move || {
            generator.detector_alerts(number, detector, alerts as usize)
        })
        .await
        .map_err(|e| format!("alert generation stopped: {e}"))?
        .map_err(|e| e.to_string())?;
        let publishing_since = state.clock.now_s();
        let generating_s = publishing_since - generating_since;
        let delivered_before = self.delivered.load(Ordering::Relaxed);
        // From here a kill loses the handed alerts (counted by `Drop`).
        self.holding = None;
        for alert in &generated {
            let key = SpoolKey {
                visit: visit.number,
                detector,
                dia_source_id: alert.dia_source.dia_source_id,
            };
            *lock(&self.unsettled).entry(key).or_default() += 1;
            Counters::bump(&state.counters.alerts_handed);
            if let Err(error) = self.publisher.publish(alert, visit.number, detector).await {
                // The publisher gave up without settling this alert: it is lost.
                if take_one(&self.unsettled, &key) {
                    record_outcome(&state, &key, Outcome::Lost(KILLED), 0);
                }
                return Err(error.to_string());
            }
        }
        // A detector is done when Kafka has answered for all its alerts
        // (the `rubin` profile waits after every alert anyway; `safe`
        // batches, and would otherwise settle them only at the next
        // detector, timing their delivery late).
        stamps.produced_s = state.clock.now_s();
        self.publisher.finish().await.map_err(|e| e.to_string())?;
        stamps.acked_s = state.clock.now_s();
        let delivered = self.delivered.load(Ordering::Relaxed) - delivered_before;
        stamps.delivered = u32::try_from(delivered).unwrap_or(u32::MAX);
        state.recorder().detector_stages(visit.index, &stamps);
        state.generator.detector(
            generating_s,
            stamps.acked_s - publishing_since,
            stamps.acked_s - latency_start_s,
        );
        Ok(())
    }
}

impl Processor for &mut LoadProcessor {
    async fn process(&mut self, delivery: Delivery) {
        let state = self.state.clone();
        state.set_busy(&self.job, true);
        let started = state.clock.now_s();
        self.holding = state
            .plan
            .by_group(&delivery.event.visit.group_id)
            .map(|visit| visit.index);
        let result = self.package(&delivery).await;
        self.holding = None;
        state.set_busy(&self.job, false);
        self.busy_s += state.clock.now_s() - started;
        if let Err(error) = result {
            tracing::error!(entry = %delivery.id, %error, "detector not packaged");
            if let Some(visit) = state.plan.by_group(&delivery.event.visit.group_id) {
                state.recorder().detector_failed(visit.index);
            }
        }
    }
}

impl Drop for LoadProcessor {
    /// A worker killed before its publisher settled: what it still held is
    /// lost with the pod, and a detector it had read but handed no alert of
    /// yet failed (acknowledged before processing, nobody reads it again).
    fn drop(&mut self) {
        let acked_before =
            self.state.scenario.workers.ack_mode == alertsim_scenarios::AckMode::BeforeProcessing;
        if let (Some(visit), true) = (self.holding.take(), acked_before) {
            self.state.recorder().detector_failed(visit);
        }
        // A Job aborted mid-detector (a deletion whose grace period ran
        // out) never reaches `process`'s end: it is not busy any more.
        self.state.set_busy(&self.job, false);
        let left = std::mem::take(&mut *lock(&self.unsettled));
        for (key, times) in left {
            for _ in 0..times {
                record_outcome(&self.state, &key, Outcome::Lost(KILLED), 0);
            }
        }
    }
}

/// The failure an alert lost with its killed pod is put down to.
const KILLED: alertsim_core::publish::Failure = alertsim_core::publish::Failure::Other;

/// Reports each alert's outcome to the recorder: produced, then delivered
/// (with its latency from the visit's readout) or lost. Spooled alerts
/// count as produced; a replay delivers them later.
fn outcome_observer(
    state: Arc<RunState>,
    unsettled: Unsettled,
    delivered: Arc<AtomicU64>,
) -> alertsim_drivers::publish::kafka::OutcomeObserver {
    Box::new(move |key: &SpoolKey, outcome: Outcome, bytes: usize| {
        take_one(&unsettled, key);
        if matches!(outcome, Outcome::Delivered { .. }) {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
        record_outcome(&state, key, outcome, bytes);
    })
}

fn record_outcome(state: &RunState, key: &SpoolKey, outcome: Outcome, bytes: usize) {
    let Some(visit) = state.plan.by_number(key.visit) else {
        tracing::warn!(alert = %key, "an alert of an unknown visit ended");
        return;
    };
    let latency_s = state.clock.now_s() - visit.readout_end_s;
    let bytes = bytes as u64;
    let mut recorder = state.recorder();
    recorder.alert_produced(visit.index, bytes);
    match outcome {
        Outcome::Delivered { .. } => {
            recorder.alert_delivered(visit.index, bytes, latency_s);
            Counters::bump(&state.counters.alerts_delivered);
        }
        Outcome::Lost(_) => recorder.alert_lost(visit.index),
        Outcome::Spooled(_) => Counters::bump(&state.counters.alerts_spooled),
    }
    Counters::bump(&state.counters.alerts_settled);
}
