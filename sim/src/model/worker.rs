//! The worker loop of one pod as a sans-IO state machine: it is told what
//! its last command returned and answers with what to do next. Rubin's
//! semantics: read one message (`COUNT 1`, no BLOCK), acknowledge before
//! processing (or after, at-least-once), skip messages older than the
//! maximum age, exit normally after `restart_freq` messages or after the
//! idle listen timeout.
//!
//! The engine drives this machine for every simulated pod; its inputs and
//! outputs mirror the core's worker machine so that one replaces the other.

use crate::model::redis::{EntryBody, EntryId};
use crate::params::{AckMode, WorkerParams};
use crate::time::{SimDuration, SimTime};

/// What the worker asks its driver to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `XREADGROUP ... COUNT 1 STREAMS s >`.
    Read,
    /// `XACK` the entry.
    Ack(EntryId),
    /// Process the detector of this entry, then report `processed`.
    Process(EntryId, EntryBody),
    /// The entry is older than the maximum age: dropped unprocessed.
    Skip(EntryId, EntryBody),
    /// Nothing to read: wait; `since` is when the idle period began and
    /// `new_period` says whether it began just now.
    Wait {
        /// Start of the idle period.
        since: SimTime,
        /// True if this read started the idle period.
        new_period: bool,
    },
    /// The worker process exits with this code.
    Exit(i32),
}

/// The worker loop's state.
#[derive(Debug, Clone)]
pub struct WorkerMachine {
    restart_freq: u32,
    idle_timeout: SimDuration,
    max_age: SimDuration,
    ack: AckMode,
    processed: u32,
    idle_since: Option<SimTime>,
    exited: bool,
}

impl WorkerMachine {
    /// A worker configured like the pod's environment.
    pub fn new(p: &WorkerParams) -> Self {
        WorkerMachine {
            restart_freq: p.restart_freq,
            idle_timeout: SimDuration::from_secs_f64(p.idle_timeout_s),
            max_age: SimDuration::from_secs_f64(p.max_message_age_s),
            ack: p.ack,
            processed: 0,
            idle_since: None,
            exited: false,
        }
    }

    /// Messages processed so far.
    pub fn processed(&self) -> u32 {
        self.processed
    }

    /// The container started.
    pub fn start(&mut self, _now: SimTime) -> Vec<Action> {
        vec![Action::Read]
    }

    /// The read returned `entry` (with the time it was added), or nothing.
    pub fn on_read(
        &mut self,
        now: SimTime,
        entry: Option<(EntryId, EntryBody, SimTime)>,
    ) -> Vec<Action> {
        if self.exited {
            return Vec::new();
        }
        match entry {
            Some((id, body, added)) => {
                self.idle_since = None;
                if now.saturating_since(added) > self.max_age {
                    return vec![Action::Ack(id), Action::Skip(id, body), Action::Read];
                }
                match self.ack {
                    AckMode::Before => vec![Action::Ack(id), Action::Process(id, body)],
                    AckMode::After => vec![Action::Process(id, body)],
                }
            }
            None => {
                let (since, new_period) = match self.idle_since {
                    Some(since) => (since, false),
                    None => {
                        self.idle_since = Some(now);
                        (now, true)
                    }
                };
                if now.saturating_since(since) >= self.idle_timeout {
                    self.exited = true;
                    return vec![Action::Exit(0)];
                }
                vec![Action::Wait { since, new_period }]
            }
        }
    }

    /// The idle timer of the period that began at `since` fired.
    pub fn on_idle_timer(&mut self, now: SimTime, since: SimTime) -> Vec<Action> {
        if self.exited || self.idle_since != Some(since) {
            return Vec::new();
        }
        if now.saturating_since(since) >= self.idle_timeout {
            self.exited = true;
            return vec![Action::Exit(0)];
        }
        Vec::new()
    }

    /// Processing (and publishing) of `id` finished.
    pub fn on_processed(&mut self, _now: SimTime, id: EntryId) -> Vec<Action> {
        if self.exited {
            return Vec::new();
        }
        let mut actions = Vec::with_capacity(2);
        if self.ack == AckMode::After {
            actions.push(Action::Ack(id));
        }
        self.processed += 1;
        if self.restart_freq > 0 && self.processed >= self.restart_freq {
            self.exited = true;
            actions.push(Action::Exit(0));
        } else {
            actions.push(Action::Read);
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SimParams;

    const BODY: EntryBody = EntryBody {
        visit: 0,
        detector: 0,
    };

    #[test]
    fn acks_before_processing_and_exits_after_restart_freq() {
        let mut p = SimParams::default().worker;
        p.restart_freq = 2;
        let mut w = WorkerMachine::new(&p);
        assert_eq!(w.start(SimTime(0)), vec![Action::Read]);
        let a = w.on_read(SimTime(1), Some((7, BODY, SimTime(0))));
        assert_eq!(a, vec![Action::Ack(7), Action::Process(7, BODY)]);
        assert_eq!(w.on_processed(SimTime(2), 7), vec![Action::Read]);
        w.on_read(SimTime(3), Some((8, BODY, SimTime(0))));
        assert_eq!(w.on_processed(SimTime(4), 8), vec![Action::Exit(0)]);
    }

    #[test]
    fn ack_after_mode_acks_when_done() {
        let mut p = SimParams::default().worker;
        p.ack = AckMode::After;
        let mut w = WorkerMachine::new(&p);
        let a = w.on_read(SimTime(1), Some((7, BODY, SimTime(0))));
        assert_eq!(a, vec![Action::Process(7, BODY)]);
        assert_eq!(
            w.on_processed(SimTime(2), 7),
            vec![Action::Ack(7), Action::Read]
        );
    }

    #[test]
    fn idle_timeout_counts_from_the_first_empty_read() {
        let p = SimParams::default().worker;
        let mut w = WorkerMachine::new(&p);
        let since = SimTime(1_000_000);
        assert_eq!(
            w.on_read(since, None),
            vec![Action::Wait {
                since,
                new_period: true
            }]
        );
        assert_eq!(
            w.on_read(SimTime(5_000_000), None),
            vec![Action::Wait {
                since,
                new_period: false
            }]
        );
        assert!(w.on_idle_timer(SimTime(900_999_999), since).is_empty());
        assert_eq!(
            w.on_idle_timer(SimTime(901_000_000), since),
            vec![Action::Exit(0)]
        );
    }

    #[test]
    fn old_messages_are_skipped() {
        let p = SimParams::default().worker;
        let mut w = WorkerMachine::new(&p);
        let a = w.on_read(SimTime::from_secs_f64(3601.0), Some((1, BODY, SimTime(0))));
        assert_eq!(a, vec![Action::Ack(1), Action::Skip(1, BODY), Action::Read]);
    }
}
