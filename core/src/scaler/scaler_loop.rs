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

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::decision::{Decision, JobCounts, decide};
use super::history::{FinishedJob, jobs_to_clean_up};
use super::job_name::JobName;
use super::rate_limit::TokenBucket;
use super::rollout::{JobGeneration, jobs_to_delete_on_spec_change};
use super::settings::ScaledJobSettings;
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
    /// When the next poll is due.
    pub next_poll: Duration,
}

/// One ScaledJob's poll loop.
#[derive(Clone, Debug)]
pub struct ScalerLoop {
    settings: ScaledJobSettings,
    limiter: TokenBucket,
    next_poll: Duration,
    polls: u64,
}

impl ScalerLoop {
    /// A loop whose first poll is due at `start`, with KEDA's API rate limit.
    pub fn new(settings: ScaledJobSettings, start: Duration) -> Self {
        Self {
            settings,
            limiter: TokenBucket::default(),
            next_poll: start,
            polls: 0,
        }
    }

    /// Replaces the API rate limit.
    pub fn with_rate_limit(mut self, limiter: TokenBucket) -> Self {
        self.limiter = limiter;
        self
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
        let mut actions = Vec::new();
        let mut at = now;
        for _ in 0..decision.create {
            at = self.limiter.reserve(at);
            actions.push(TimedAction {
                at,
                action: JobAction::Create,
            });
        }
        for name in jobs_to_clean_up(&self.settings, input.finished) {
            at = self.limiter.reserve(at);
            actions.push(TimedAction {
                at,
                action: JobAction::Delete { name },
            });
        }
        self.next_poll = (now + self.settings.polling_interval()).max(at);
        PollOutput {
            decision,
            actions,
            next_poll: self.next_poll,
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
    use crate::scaler::settings::RolloutStrategy;

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
}
