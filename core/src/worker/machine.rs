//! The worker's sans-IO state machine.
//!
//! # Protocol
//!
//! Time is a [`Duration`] since the Unix epoch (the event's
//! `private_sndStamp` is Unix seconds, so virtual time must use the same
//! origin). Every input carries `now`; the machine never reads a clock.
//!
//! [`Worker::handle`] returns the actions to carry out **in order**. Only
//! some actions are answered:
//!
//! | action | answer |
//! |---|---|
//! | [`Action::Ping`] | none; a failure is reported as [`Input::RedisError`] |
//! | [`Action::ReadGroup`] | [`Input::ReadReply`] |
//! | [`Action::AutoClaim`] | [`Input::ClaimReply`] |
//! | [`Action::Ack`] | [`Input::AckDone`] |
//! | [`Action::Process`] | [`Input::ProcessingFinished`] |
//! | [`Action::Wait`] | [`Input::Tick`] at or after `until` |
//! | [`Action::Exit`] | none: the worker is finished |
//!
//! Exactly one answer is outstanding at a time (a `Ping` always comes just
//! before the `ReadGroup` or `AutoClaim` it guards). Start with
//! [`Input::Started`]. [`Input::Terminate`] (SIGTERM) and
//! [`Input::RedisError`] are accepted in any state and end the worker with
//! exit code 1. A `Tick` that arrives while nothing waits is ignored; any
//! other input that does not answer the outstanding action is a driver bug
//! and ends the worker with code 1 ([`ExitReason::Protocol`]).
//!
//! # Cycle
//!
//! Before each read the worker checks, as Rubin's loop does, that it has not
//! handled `restart_after` messages yet and that `listen_timeout` has not
//! passed since it started or last finished a message; otherwise it exits 0.
//! Ack-before: `Ping, ReadGroup` -> entry -> `Ack` -> (skip if expired or
//! invalid) `Process` -> next cycle. Ack-after: `Ping, AutoClaim` (entries
//! idle for `claim_min_idle`, cursor carried between cycles) -> claimed
//! entry, or else `ReadGroup` -> entry -> `Process` -> `Ack` -> next cycle;
//! expired or invalid entries are acknowledged without processing so they
//! are not reclaimed forever. Expired entries do not count towards
//! `restart_after` and do not reset the listen timer (as in Rubin); invalid
//! ones reset the timer.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{AckMode, WorkerConfig};
use crate::fanout::DetectorEvent;

/// A stream entry as read: its ID and field/value pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry ID, `<ms>-<seq>`.
    pub id: String,
    /// Field/value pairs.
    pub fields: Vec<(String, String)>,
}

/// An entry handed to the processor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The entry ID.
    pub id: String,
    /// The decoded detector event.
    pub event: DetectorEvent,
    /// True when the entry was reclaimed from another consumer.
    pub reclaimed: bool,
}

/// What happened, fed to the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The worker process started.
    Started {
        /// Current time.
        now: Duration,
    },
    /// Reply to `ReadGroup`: an entry, or none (`nil`).
    ReadReply {
        /// Current time.
        now: Duration,
        /// The entry read, if any.
        entry: Option<Entry>,
    },
    /// Reply to `AutoClaim`.
    ClaimReply {
        /// Current time.
        now: Duration,
        /// The cursor to continue the scan from (`0-0`: scan complete).
        next_cursor: String,
        /// Entries now owned by this consumer (at most one).
        entries: Vec<Entry>,
    },
    /// `Ack` done.
    AckDone {
        /// Current time.
        now: Duration,
    },
    /// The processor returned.
    ProcessingFinished {
        /// Current time.
        now: Duration,
    },
    /// A Redis command failed.
    RedisError {
        /// Current time.
        now: Duration,
        /// The error text.
        error: String,
    },
    /// Time passed (answers `Wait`).
    Tick {
        /// Current time.
        now: Duration,
    },
    /// SIGTERM.
    Terminate {
        /// Current time.
        now: Duration,
    },
}

/// Why the worker exited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// `restart_after` messages handled (code 0).
    RestartFrequency,
    /// No message for `listen_timeout` (code 0).
    ListenTimeout,
    /// A Redis command failed (code 1).
    Redis(String),
    /// SIGTERM (code 1).
    Terminated,
    /// The driver fed an input that answers nothing outstanding (code 1).
    Protocol(String),
}

impl ExitReason {
    /// The process exit code: 0 for a normal end, 1 otherwise.
    pub fn code(&self) -> i32 {
        match self {
            Self::RestartFrequency | Self::ListenTimeout => 0,
            Self::Redis(_) | Self::Terminated | Self::Protocol(_) => 1,
        }
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `PING`.
    Ping,
    /// `XREADGROUP GROUP <group> <consumer> COUNT <count> STREAMS <stream> >`
    /// (no BLOCK).
    ReadGroup {
        /// Entries to read (always 1).
        count: u32,
    },
    /// `XAUTOCLAIM <stream> <group> <consumer> <min_idle ms> <start> COUNT 1`.
    AutoClaim {
        /// Minimum idle time of the entries to claim.
        min_idle: Duration,
        /// Scan cursor.
        start: String,
    },
    /// `XACK <stream> <group> <id>`.
    Ack(String),
    /// Process one detector.
    Process(Delivery),
    /// Feed [`Input::Tick`] at or after this time.
    Wait {
        /// When to wake up.
        until: Duration,
    },
    /// Exit the process.
    Exit {
        /// Exit code (0 or 1).
        code: i32,
        /// Why.
        reason: ExitReason,
    },
}

/// Counters of what the worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerStats {
    /// Entries received by reads.
    pub read: u64,
    /// Entries received by claims.
    pub reclaimed: u64,
    /// Entries handed to the processor (counts towards `restart_after`).
    pub processed: u64,
    /// Entries skipped because their visit had expired.
    pub expired: u64,
    /// Entries that did not decode.
    pub invalid: u64,
    /// Reads that returned nothing.
    pub empty_reads: u64,
    /// Acknowledgements sent.
    pub acked: u64,
}

/// What the machine is waiting for.
#[derive(Debug, Clone, PartialEq)]
enum State {
    NotStarted,
    AwaitRead,
    AwaitClaim,
    /// Ack sent; `then` is the delivery to process after it (ack-before).
    AwaitAck {
        then: Option<Box<Delivery>>,
    },
    Processing {
        id: String,
    },
    Waiting {
        until: Duration,
    },
    Finished(i32),
}

/// One worker (one Job's pod).
#[derive(Debug, Clone)]
pub struct Worker {
    config: WorkerConfig,
    state: State,
    listen_start: Duration,
    claim_cursor: String,
    stats: WorkerStats,
}

/// The cursor that starts (and ends) an `XAUTOCLAIM` scan.
pub const SCAN_START: &str = "0-0";

impl Worker {
    /// A worker that has not started yet.
    pub fn new(config: WorkerConfig) -> Self {
        Self {
            config,
            state: State::NotStarted,
            listen_start: Duration::ZERO,
            claim_cursor: SCAN_START.to_owned(),
            stats: WorkerStats::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> &WorkerStats {
        &self.stats
    }

    /// The exit code once the worker has exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self.state {
            State::Finished(code) => Some(code),
            _ => None,
        }
    }

    /// Feeds one input; returns the actions to carry out in order.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        if matches!(self.state, State::Finished(_)) {
            return Vec::new();
        }
        let state = std::mem::replace(&mut self.state, State::NotStarted);
        match (state, input) {
            (_, Input::RedisError { error, .. }) => self.exit(ExitReason::Redis(error)),
            (_, Input::Terminate { .. }) => self.exit(ExitReason::Terminated),
            (State::NotStarted, Input::Started { now }) => {
                self.listen_start = now;
                self.next_cycle(now)
            }
            (State::AwaitRead, Input::ReadReply { now, entry }) => match entry {
                None => {
                    self.stats.empty_reads += 1;
                    self.after_empty_read(now)
                }
                Some(entry) => {
                    self.stats.read += 1;
                    self.received(now, entry, false)
                }
            },
            (
                State::AwaitClaim,
                Input::ClaimReply {
                    now,
                    next_cursor,
                    entries,
                },
            ) => {
                self.claim_cursor = next_cursor;
                match entries.into_iter().next() {
                    Some(entry) => {
                        self.stats.reclaimed += 1;
                        self.received(now, entry, true)
                    }
                    None => {
                        self.state = State::AwaitRead;
                        vec![Action::ReadGroup { count: 1 }]
                    }
                }
            }
            (State::AwaitAck { then }, Input::AckDone { now }) => {
                self.stats.acked += 1;
                match then {
                    Some(delivery) => self.process(*delivery),
                    None => self.next_cycle(now),
                }
            }
            (State::Processing { id }, Input::ProcessingFinished { now }) => {
                self.listen_start = now;
                match self.config.ack_mode {
                    AckMode::AfterProcessing => self.ack(id, None),
                    AckMode::BeforeProcessing => self.next_cycle(now),
                }
            }
            (State::Waiting { until }, Input::Tick { now }) => {
                if now >= until {
                    self.next_cycle(now)
                } else {
                    self.state = State::Waiting { until };
                    Vec::new()
                }
            }
            (state, Input::Tick { .. }) => {
                self.state = state;
                Vec::new()
            }
            (state, input) => self.exit(ExitReason::Protocol(format!(
                "input {input:?} does not answer state {state:?}"
            ))),
        }
    }

    fn exit(&mut self, reason: ExitReason) -> Vec<Action> {
        let code = reason.code();
        self.state = State::Finished(code);
        vec![Action::Exit { code, reason }]
    }

    /// Rubin's loop condition, then the reads of one cycle.
    fn next_cycle(&mut self, now: Duration) -> Vec<Action> {
        let limit = self.config.restart_after;
        if limit > 0 && self.stats.processed >= u64::from(limit) {
            return self.exit(ExitReason::RestartFrequency);
        }
        if now.saturating_sub(self.listen_start) >= self.config.listen_timeout {
            return self.exit(ExitReason::ListenTimeout);
        }
        match self.config.ack_mode {
            AckMode::BeforeProcessing => {
                self.state = State::AwaitRead;
                vec![Action::Ping, Action::ReadGroup { count: 1 }]
            }
            AckMode::AfterProcessing => {
                self.state = State::AwaitClaim;
                vec![
                    Action::Ping,
                    Action::AutoClaim {
                        min_idle: self.config.claim_min_idle,
                        start: self.claim_cursor.clone(),
                    },
                ]
            }
        }
    }

    fn after_empty_read(&mut self, now: Duration) -> Vec<Action> {
        if self.config.empty_read_pause.is_zero() {
            return self.next_cycle(now);
        }
        // Exit now rather than after the pause if the timeout has passed.
        if now.saturating_sub(self.listen_start) >= self.config.listen_timeout {
            return self.exit(ExitReason::ListenTimeout);
        }
        let until = now + self.config.empty_read_pause;
        self.state = State::Waiting { until };
        vec![Action::Wait { until }]
    }

    fn received(&mut self, now: Duration, entry: Entry, reclaimed: bool) -> Vec<Action> {
        let verdict = judge(&self.config, now, &entry);
        if let Verdict::Invalid = verdict {
            self.stats.invalid += 1;
            self.listen_start = now;
        }
        if let Verdict::Expired = verdict {
            self.stats.expired += 1;
        }
        let delivery = match verdict {
            Verdict::Process(event) => Some(Box::new(Delivery {
                id: entry.id.clone(),
                event: *event,
                reclaimed,
            })),
            Verdict::Expired | Verdict::Invalid => None,
        };
        match (self.config.ack_mode, delivery) {
            // Rubin acks first whatever the entry holds.
            (AckMode::BeforeProcessing, then) => self.ack(entry.id, then),
            (AckMode::AfterProcessing, Some(delivery)) => self.process(*delivery),
            // Drop what will never be processed, so no one reclaims it.
            (AckMode::AfterProcessing, None) => self.ack(entry.id, None),
        }
    }

    fn ack(&mut self, id: String, then: Option<Box<Delivery>>) -> Vec<Action> {
        self.state = State::AwaitAck { then };
        vec![Action::Ack(id)]
    }

    fn process(&mut self, delivery: Delivery) -> Vec<Action> {
        self.stats.processed += 1;
        self.state = State::Processing {
            id: delivery.id.clone(),
        };
        vec![Action::Process(delivery)]
    }
}

enum Verdict {
    Process(Box<DetectorEvent>),
    Expired,
    Invalid,
}

fn judge(config: &WorkerConfig, now: Duration, entry: &Entry) -> Verdict {
    match DetectorEvent::from_fields(&entry.fields) {
        Err(_) => Verdict::Invalid,
        Ok(event) => {
            let age = now.as_secs_f64() - event.visit.private_snd_stamp;
            // NaN stamps never compare greater: they are processed.
            if age > config.message_expiration.as_secs_f64() {
                Verdict::Expired
            } else {
                Verdict::Process(Box::new(event))
            }
        }
    }
}

#[cfg(test)]
mod tests;
