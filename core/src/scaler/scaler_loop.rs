//! The ScaledJob poll loop as a sans-IO state machine: when to poll next, and
//! the decision of each poll turned into Job creations and deletions at the
//! times the API client's rate limit lets them go.
//!
//! Driving it (the simulator and the real driver alike):
//! 1. at [`ScalerLoop::next_poll`], read the triggers and count the Jobs;
//! 2. call [`ScalerLoop::poll`] with that time and what was read;
//! 3. carry out each [`TimedAction`] at its `at` time, in order;
//! 4. wait for the next poll.
//!
//! As in KEDA, the next poll is due `pollingInterval` after this one started,
//! but not before the poll's last API request has gone out: creating 1,000
//! Jobs at 20 requests/s holds the loop for about 48 s.
//!
//! Each poll also writes the ScaledJob's status as the release does
//! ([`super::status`]): the patches are API requests too, sent in their
//! place among the creations and deletions. controller-runtime (v0.19 to
//! v0.23, the versions KEDA 2.16 to 2.20.2 build with) gives each resource
//! type its own REST client, and client-go gives each REST client its own
//! token bucket when the configuration sets no shared `RateLimiter` (KEDA's
//! `cmd/operator/main.go` sets only `QPS` and `Burst`): so by default the
//! patches take their tokens from a bucket of their own, at the same rate
//! and burst, and delay the Job requests only through their order.
//! [`ScalerLoop::with_shared_status_limit`] makes them share the Jobs'
//! bucket instead.
//!
//! A poll whose decision panics (the custom strategy without a deduction,
//! [`super::release::KedaVersion::custom_without_deduction_panics`]) crashes
//! the operator: nothing is sent, and the next poll is due when the kubelet
//! has restarted it ([`super::crash_loop`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::crash_loop::CrashLoop;
use super::decision::{Branch, Decision, JobCounts, decide};
use super::history::{FinishedJob, jobs_to_clean_up};
use super::job_name::JobName;
use super::rate_limit::TokenBucket;
use super::rollout::{JobGeneration, jobs_to_delete_on_spec_change};
use super::settings::ScaledJobSettings;
use super::status::StatusTracker;
use super::triggers::TriggerMetric;

/// What the driver read just before a poll.
#[derive(Clone, Copy, Debug)]
pub struct PollInput<'a> {
    /// One reading per trigger (errored ones included, flagged).
    pub metrics: &'a [TriggerMetric],
    /// Running and pending Jobs.
    pub counts: JobCounts,
    /// Finished Jobs still present, for history cleanup.
    pub finished: &'a [FinishedJob],
}

/// An API request on Jobs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobAction {
    /// Create one Job from the ScaledJob's template.
    Create,
    /// Delete the named Job (history cleanup or rollout).
    Delete {
        /// The Job's name.
        name: JobName,
    },
}

/// An API request and when the rate limit lets it go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    /// When to send it.
    pub at: Duration,
    /// What to send.
    pub action: JobAction,
}

/// The result of one poll.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollOutput {
    /// The scaling decision.
    pub decision: Decision,
    /// Creations first, then history deletions, each at its send time.
    pub actions: Vec<TimedAction>,
    /// When each ScaledJob status patch of the poll is sent, in order.
    #[serde(default)]
    pub status_patches: Vec<Duration>,
    /// The decision panicked: the operator crashed at the poll and
    /// [`PollOutput::next_poll`] is when it runs again.
    #[serde(default)]
    pub operator_crashed: bool,
    /// When the next poll is due.
    pub next_poll: Duration,
}

/// One ScaledJob's poll loop.
#[derive(Clone, Debug)]
pub struct ScalerLoop {
    settings: ScaledJobSettings,
    /// The Job client's bucket (creations and deletions).
    limiter: TokenBucket,
    /// The ScaledJob client's bucket (status patches).
    status_limiter: TokenBucket,
    /// Status patches take the Jobs' tokens.
    shared_status_limit: bool,
    status: StatusTracker,
    crash_loop: CrashLoop,
    next_poll: Duration,
    polls: u64,
}

impl ScalerLoop {
    /// A loop whose first poll is due at `start`, with KEDA's API rate limit.
    pub fn new(settings: ScaledJobSettings, start: Duration) -> Self {
        Self {
            settings,
            limiter: TokenBucket::default(),
            status_limiter: TokenBucket::default(),
            shared_status_limit: false,
            status: StatusTracker::new(),
            crash_loop: CrashLoop::new(),
            next_poll: start,
            polls: 0,
        }
    }

    /// Replaces the API rate limit (the same rate and burst for the Job
    /// client and the ScaledJob client, as KEDA's `--kube-api-qps` and
    /// `--kube-api-burst` set both).
    pub fn with_rate_limit(mut self, limiter: TokenBucket) -> Self {
        self.status_limiter = limiter.clone();
        self.limiter = limiter;
        self
    }

    /// Whether the status patches take their tokens from the Jobs' bucket
    /// (`true`) or from a bucket of their own (`false`, as KEDA runs).
    pub fn with_shared_status_limit(mut self, shared: bool) -> Self {
        self.shared_status_limit = shared;
        self
    }

    /// How often the operator has crashed so far.
    pub fn operator_crashes(&self) -> u64 {
        self.crash_loop.crashes()
    }

    /// The settings in force.
    pub fn settings(&self) -> &ScaledJobSettings {
        &self.settings
    }

    /// When the next poll is due.
    pub fn next_poll(&self) -> Duration {
        self.next_poll
    }

    /// Whether a poll is due at `now`.
    pub fn is_due(&self, now: Duration) -> bool {
        now >= self.next_poll
    }

    /// Polls made so far.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Holds the next poll until `at` at least (a driver whose requests took
    /// longer than their send times, for example).
    pub fn delay_next_poll_until(&mut self, at: Duration) {
        self.next_poll = self.next_poll.max(at);
    }

    /// Runs one poll at `now` (normally [`Self::next_poll`]).
    pub fn poll(&mut self, now: Duration, input: PollInput<'_>) -> PollOutput {
        self.polls += 1;
        let decision = decide(&self.settings, input.metrics, input.counts);
        if decision.branch == Branch::KedaPanics {
            self.next_poll = self.crash_loop.crash(now);
            return PollOutput {
                decision,
                actions: Vec::new(),
                status_patches: Vec::new(),
                operator_crashed: true,
                next_poll: self.next_poll,
            };
        }
        let triggers_active: Vec<bool> = input.metrics.iter().map(|m| m.is_active()).collect();
        let patches = self.status.poll(
            self.settings.keda_version,
            decision.is_active,
            decision.any_trigger_errored,
            &triggers_active,
        );
        let mut actions = Vec::new();
        let mut status_patches = Vec::new();
        let mut at = now;
        for _ in 0..patches.before_creations {
            at = self.reserve_status(at);
            status_patches.push(at);
        }
        for _ in 0..decision.create {
            at = self.limiter.reserve(at);
            actions.push(TimedAction {
                at,
                action: JobAction::Create,
            });
        }
        for _ in 0..patches.after_creations {
            at = self.reserve_status(at);
            status_patches.push(at);
        }
        for name in jobs_to_clean_up(&self.settings, input.finished) {
            at = self.limiter.reserve(at);
            actions.push(TimedAction {
                at,
                action: JobAction::Delete { name },
            });
        }
        for _ in 0..patches.after_cleanup {
            at = self.reserve_status(at);
            status_patches.push(at);
        }
        self.next_poll = (now + self.settings.polling_interval()).max(at);
        PollOutput {
            decision,
            actions,
            status_patches,
            operator_crashed: false,
            next_poll: self.next_poll,
        }
    }

    /// Takes a token for one status patch wanted at `at`.
    fn reserve_status(&mut self, at: Duration) -> Duration {
        if self.shared_status_limit {
            self.limiter.reserve(at)
        } else {
            self.status_limiter.reserve(at)
        }
    }

    /// Applies a spec change at `now`: new settings at `generation`; returns
    /// the rollout's deletions of existing Jobs, rate limited. As KEDA
    /// restarts a ScaledJob's scale loop after reconciling it, the next poll
    /// is due as soon as the last deletion has gone out.
    pub fn change_spec(
        &mut self,
        now: Duration,
        settings: ScaledJobSettings,
        generation: i64,
        jobs: &[JobGeneration],
    ) -> Vec<TimedAction> {
        self.settings = settings;
        let mut at = now;
        let deletions: Vec<TimedAction> =
            jobs_to_delete_on_spec_change(self.settings.rollout, generation, jobs)
                .into_iter()
                .map(|name| {
                    at = self.limiter.reserve(at);
                    TimedAction {
                        at,
                        action: JobAction::Delete { name },
                    }
                })
                .collect();
        self.next_poll = at;
        deletions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::history::FinishedOutcome;
    use crate::scaler::settings::{KedaVersion, RolloutStrategy};

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn polls_every_interval_when_idle() {
        let mut lp = ScalerLoop::new(ScaledJobSettings::rubin_production(), secs(10));
        assert!(!lp.is_due(secs(9)));
        let metrics = [TriggerMetric::new(0.0, 1.0, 1.0)];
        let out = lp.poll(
            secs(10),
            PollInput {
                metrics: &metrics,
                counts: JobCounts::new(3, 0),
                finished: &[],
            },
        );
        assert_eq!(out.decision.create, 0);
        assert!(out.actions.is_empty());
        assert_eq!(out.next_poll, secs(12));
        assert_eq!(lp.polls(), 1);
    }

    #[test]
    fn a_big_scale_up_is_rate_limited_and_holds_the_next_poll() {
        let mut lp = ScalerLoop::new(ScaledJobSettings::rubin_production(), secs(0));
        let metrics = [TriggerMetric::new(189.0, 1.0, 1.0)];
        let finished = [FinishedJob {
            name: "done".into(),
            outcome: FinishedOutcome::Succeeded,
            finished_at: secs(0),
        }];
        let out = lp.poll(
            secs(0),
            PollInput {
                metrics: &metrics,
                counts: JobCounts::new(3, 0),
                finished: &finished,
            },
        );
        assert_eq!(out.decision.create, 189);
        let creates = out
            .actions
            .iter()
            .filter(|a| a.action == JobAction::Create)
            .count();
        assert_eq!(creates, 189);
        // 30 at once, 159 more at 20/s: the last at 159 * 50 ms = 7.95 s.
        let last = out.actions.last().map(|a| a.at);
        assert_eq!(out.actions[188].at, Duration::from_millis(7950));
        // Under the history limit of 5: nothing deleted.
        assert_eq!(last, Some(Duration::from_millis(7950)));
        assert_eq!(out.next_poll, Duration::from_millis(7950));
    }

    #[test]
    fn spec_change_deletes_old_jobs_unless_gradual() {
        let jobs = [JobGeneration {
            name: "j1".into(),
            generation: Some(1),
        }];
        let mut lp = ScalerLoop::new(ScaledJobSettings::rubin_production(), secs(0));
        let deleted = lp.change_spec(secs(5), ScaledJobSettings::rubin_production(), 2, &jobs);
        assert_eq!(
            deleted,
            [TimedAction {
                at: secs(5),
                action: JobAction::Delete { name: "j1".into() }
            }]
        );
        let gradual = ScaledJobSettings {
            rollout: RolloutStrategy::Gradual,
            ..ScaledJobSettings::rubin_production()
        };
        assert!(lp.change_spec(secs(6), gradual, 3, &jobs).is_empty());
        assert_eq!(lp.next_poll(), secs(6));
    }

    fn busy_poll(version: KedaVersion, shared: bool) -> PollOutput {
        let settings = ScaledJobSettings {
            keda_version: version,
            ..ScaledJobSettings::rubin_production()
        };
        let mut lp = ScalerLoop::new(settings, secs(0)).with_shared_status_limit(shared);
        let metrics = [TriggerMetric::new(100.0, 1.0, 1.0)];
        let input = PollInput {
            metrics: &metrics,
            counts: JobCounts::new(3, 0),
            finished: &[],
        };
        lp.poll(secs(0), input);
        // The second poll: the burst is spent, steady state. Times are
        // returned from its start.
        let start = lp.next_poll();
        let mut out = lp.poll(start, input);
        for a in &mut out.actions {
            a.at -= start;
        }
        for p in &mut out.status_patches {
            *p -= start;
        }
        out.next_poll -= start;
        out
    }

    fn creations(out: &PollOutput) -> Vec<Duration> {
        out.actions
            .iter()
            .filter(|a| a.action == JobAction::Create)
            .map(|a| a.at)
            .collect()
    }

    #[test]
    fn status_patches_go_before_the_creations_to_2_19_and_after_from_2_20() {
        let old = busy_poll(KedaVersion::V2_16, true);
        let first_create = creations(&old)[0];
        assert_eq!(old.status_patches.len(), 1);
        assert!(old.status_patches[0] < first_create);
        let new = busy_poll(KedaVersion::V2_20_2, true);
        let last_create = *creations(&new).last().unwrap_or(&Duration::ZERO);
        assert_eq!(new.status_patches.len(), 1);
        assert!(new.status_patches[0] > last_create);
        assert_eq!(new.next_poll, new.status_patches[0]);
    }

    #[test]
    fn a_shared_bucket_delays_the_creations_by_the_patch_token() {
        let shared = creations(&busy_poll(KedaVersion::V2_16, true));
        let own = creations(&busy_poll(KedaVersion::V2_16, false));
        assert_eq!(shared.len(), 100);
        assert_eq!(own.len(), 100);
        // The steady-state poll has no burst left: every Job waits one
        // more 50 ms token when the patch took one of the Jobs' tokens.
        assert_eq!(shared[0], own[0] + Duration::from_millis(50));
        assert_eq!(
            shared.last().copied(),
            own.last().map(|t| *t + Duration::from_millis(50))
        );
    }

    #[test]
    fn custom_without_deduction_crashes_the_operator_until_2_20_2() {
        let mut settings = ScaledJobSettings::rubin_production();
        settings.scaling_strategy.strategy = crate::scaler::settings::Strategy::Custom;
        settings
            .scaling_strategy
            .custom_scaling_queue_length_deduction = None;
        settings
            .scaling_strategy
            .custom_scaling_running_job_percentage = Some(0.5);
        let metrics = [TriggerMetric::new(10.0, 1.0, 1.0)];
        let input = PollInput {
            metrics: &metrics,
            counts: JobCounts::new(3, 0),
            finished: &[],
        };
        let mut lp = ScalerLoop::new(settings.clone(), secs(0));
        let out = lp.poll(secs(0), input);
        assert!(out.operator_crashed);
        assert!(out.actions.is_empty() && out.status_patches.is_empty());
        assert_eq!(out.next_poll, secs(10));
        let out = lp.poll(secs(10), input);
        assert_eq!(out.next_poll, secs(30), "the back-off doubles");
        assert_eq!(lp.operator_crashes(), 2);
        settings.keda_version = KedaVersion::V2_20_2;
        let mut fixed = ScalerLoop::new(settings, secs(0));
        let out = fixed.poll(secs(0), input);
        assert!(!out.operator_crashed);
        assert_eq!(creations(&out).len(), 10);
        assert_eq!(fixed.operator_crashes(), 0);
    }
}
