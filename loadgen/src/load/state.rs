//! What every task of a load run shares: the scenario and its plan, the
//! clock, the metrics recorder and a few live counters for progress and
//! for deciding when the run has drained.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alertsim_reports::Recorder;

use super::rates::{StageTracker, WallRates};
use alertsim_scenarios::Scenario;
use tokio::sync::watch;

use super::clock::LoadClock;
use super::generator::{GeneratorLag, Planned};
use super::plan::LoadPlan;

/// Where the run's services are and what it names in them.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Redis URL.
    pub redis: String,
    /// Kafka bootstrap servers.
    pub kafka: String,
    /// Schema registry base URL.
    pub registry: String,
    /// The alert topic.
    pub topic: String,
    /// The registry subject of the alert schema.
    pub subject: String,
    /// The Redis stream of detector events.
    pub stream: String,
    /// The workers' consumer group.
    pub group: String,
    /// Where publishers spool alerts they could not deliver.
    pub spool_dir: PathBuf,
}

/// Live counters (progress lines, drain detection).
#[derive(Debug, Default)]
pub struct Counters {
    /// Visits whose events the fan-out has written.
    pub visits_fanned_out: AtomicU64,
    /// Detectors being processed right now.
    pub pods_busy: AtomicU64,
    /// Alerts handed to a producer (cumulative).
    pub alerts_handed: AtomicU64,
    /// Alerts whose outcome is known (delivered, spooled or lost).
    pub alerts_settled: AtomicU64,
    /// Alerts acknowledged by Kafka.
    pub alerts_delivered: AtomicU64,
    /// Alerts spooled (held for the replay at the end of the run).
    pub alerts_spooled: AtomicU64,
    /// Alerts read by the first consumer (distinct).
    pub alerts_consumed: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads `counter`.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Alerts whose delivery failed for good: settled, neither delivered
    /// nor spooled. Read settled first: delivered and spooled are counted
    /// before settled, so a concurrent outcome can make this figure late,
    /// never too high.
    pub fn alerts_lost(&self) -> u64 {
        let settled = Self::get(&self.alerts_settled);
        let delivered = Self::get(&self.alerts_delivered);
        let spooled = Self::get(&self.alerts_spooled);
        settled.saturating_sub(delivered).saturating_sub(spooled)
    }

    /// Alerts handed to a producer and not yet settled.
    pub fn alerts_in_flight(&self) -> u64 {
        // Settled first: an alert is handed over before it settles, so the
        // difference never goes below what is really in flight.
        let settled = Self::get(&self.alerts_settled);
        Self::get(&self.alerts_handed).saturating_sub(settled)
    }
}

/// The state shared by the fan-out, the scaler, the Jobs, the consumers,
/// the sampler and the faults.
pub struct RunState {
    /// The scenario being run.
    pub scenario: Scenario,
    /// Its visits and this process's shard.
    pub plan: LoadPlan,
    /// Scenario time.
    pub clock: LoadClock,
    /// The services.
    pub endpoints: Endpoints,
    /// Live counters.
    pub counters: Counters,
    /// How far behind its plan the generator itself ran.
    pub generator: GeneratorLag,
    recorder: Mutex<Recorder>,
    stopping: watch::Sender<bool>,
    interrupted: AtomicBool,
    scaler_paused_until_bits: AtomicU64,
    busy_jobs: Mutex<BTreeSet<String>>,
    crashed_jobs: watch::Sender<BTreeSet<String>>,
    rates: Mutex<[StageTracker; 3]>,
}

impl RunState {
    /// The state of a run that starts now.
    pub fn new(
        scenario: Scenario,
        plan: LoadPlan,
        clock: LoadClock,
        endpoints: Endpoints,
    ) -> Arc<Self> {
        let recorder = Recorder::new(&scenario);
        Arc::new(RunState {
            scenario,
            plan,
            clock,
            endpoints,
            counters: Counters::default(),
            generator: GeneratorLag::default(),
            recorder: Mutex::new(recorder),
            stopping: watch::channel(false).0,
            interrupted: AtomicBool::new(false),
            scaler_paused_until_bits: AtomicU64::new(0.0f64.to_bits()),
            busy_jobs: Mutex::new(BTreeSet::new()),
            crashed_jobs: watch::channel(BTreeSet::new()).0,
            rates: Mutex::new([StageTracker::default(); 3]),
        })
    }

    /// Waits until scenario second `s` and records how late the wait
    /// ended as the lateness of `action`.
    pub async fn wait_until(&self, s: f64, action: Planned) {
        self.clock.sleep_until(s).await;
        self.generator.late(action, self.clock.now_s() - s);
    }

    /// The recorder, locked (a poisoned lock still holds valid counts).
    pub fn recorder(&self) -> MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks every task to wind down.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Marks the run as cut short by the user, and stops it.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.stop();
    }

    /// Resolves once the user cuts the run short; never for a run that
    /// ends on its own (its winding down is [`RunState::stopped`]).
    pub async fn interrupted(&self) {
        self.stopped().await;
        if !self.was_interrupted() {
            std::future::pending::<()>().await;
        }
    }

    /// Whether the user cut the run short.
    pub fn was_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// Holds the scaler (no poll, no Job created or deleted) until scenario
    /// second `until_s`: the KEDA operator is restarting.
    pub fn pause_scaler_until(&self, until_s: f64) {
        self.scaler_paused_until_bits
            .store(until_s.to_bits(), Ordering::SeqCst);
    }

    /// Until when the scaler is held, scenario seconds (0: not held).
    pub fn scaler_paused_until(&self) -> f64 {
        f64::from_bits(self.scaler_paused_until_bits.load(Ordering::SeqCst))
    }

    /// Marks Job `name` as processing a detector (`busy`) or not.
    pub fn set_busy(&self, name: &str, busy: bool) {
        self.change_busy_jobs(|jobs| {
            if busy {
                jobs.insert(name.to_owned());
            } else {
                jobs.remove(name);
            }
        });
    }

    /// Replaces the busy Jobs with `names`: for Jobs in processes of their
    /// own, which report their business through Redis.
    pub fn replace_busy_jobs(&self, names: BTreeSet<String>) {
        self.change_busy_jobs(|jobs| *jobs = names);
    }

    /// Changes the set of busy Jobs and keeps `pods_busy` its size.
    fn change_busy_jobs(&self, change: impl FnOnce(&mut BTreeSet<String>)) {
        let mut jobs = self
            .busy_jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut jobs);
        self.counters
            .pods_busy
            .store(jobs.len() as u64, Ordering::Relaxed);
    }

    /// The Jobs processing a detector right now, by name.
    pub fn busy_jobs(&self) -> Vec<String> {
        self.busy_jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Whether the run is winding down.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Takes the stage counters (handed to producers, acknowledged,
    /// consumed) into the wall-clock rates.
    pub fn observe_rates(&self) {
        let wall_s = self.clock.now_s() / self.clock.scale();
        let c = &self.counters;
        let counters = [&c.alerts_handed, &c.alerts_delivered, &c.alerts_consumed];
        let mut stages = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        for (stage, counter) in stages.iter_mut().zip(counters) {
            stage.observe(wall_s, Counters::get(counter));
        }
    }

    /// The wall-clock rates so far.
    pub fn wall_rates(&self) -> WallRates {
        let stages = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        WallRates {
            handed_to_producer: stages[0].rate(),
            acknowledged: stages[1].rate(),
            consumed: stages[2].rate(),
        }
    }

    /// Makes the named Job's worker die at once, as a crashed pod does: no
    /// SIGTERM handling, nothing acknowledged or flushed.
    pub fn crash(&self, name: &str) {
        self.crashed_jobs.send_modify(|set| {
            set.insert(name.to_owned());
        });
    }

    /// The Jobs faults have crashed so far, by name.
    pub fn crashed_jobs(&self) -> Vec<String> {
        self.crashed_jobs.borrow().iter().cloned().collect()
    }

    /// Resolves when the named Job is crashed by a fault.
    pub async fn crashed(&self, name: &str) {
        let mut rx = self.crashed_jobs.subscribe();
        // The sender lives as long as `self`: the error cannot happen here.
        let _ = rx.wait_for(|set| set.contains(name)).await;
    }

    /// Resolves once the run is winding down.
    pub async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        // The sender lives as long as `self`: the error cannot happen here.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}
