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
//! | [`Action::Skip`] | none: it reports an entry dropped unprocessed |
//! | [`Action::Wait`] | [`Input::Tick`] at or after `until` |
//! | [`Action::Backoff`] | [`Input::Tick`] at or after `until` |
//! | [`Action::Exit`] | none: the worker is finished |
//!
//! Exactly one answer is outstanding at a time (a `Ping` always comes just
//! before the `ReadGroup` or `AutoClaim` it guards, a `Skip` just before the
//! `Ack` that drops its entry or, for an entry that is not UTF-8, just
//! before the next cycle). Start with [`Input::Started`].
//! [`Input::Terminate`] (SIGTERM) is accepted in any state and ends the
//! worker with exit code 1. A `Tick` that arrives while nothing waits is
//! ignored; any other input that does not answer the outstanding action is
//! a driver bug and ends the worker with code 1 ([`ExitReason::Protocol`]).
//!
//! # Redis errors
//!
//! As Rubin's redis-py client does (`Retry(ConstantBackoff(REDIS_RETRY_DELAY),
//! 1)` in `driver_keda.py`): an [`Input::RedisError`] that answers a
//! command (`Ping`/`ReadGroup`, `Ping`/`AutoClaim`, `Ack`) is answered with
//! [`Action::Backoff`] for `redis_retry`, after which the same command is
//! sent again; the worker exits 1 ([`ExitReason::Redis`]) when a command has
//! failed `redis_retries + 1` times in a row. An answer resets the count.
//! The retried pair `Ping, ReadGroup` counts as one command: redis-py would
//! give a `XREADGROUP` that fails right after a retried `PING` succeeded a
//! retry of its own (a race of a millisecond, not modelled). The worker
//! sends no command while it processes a detector (Rubin closes its
//! connection first), so a `RedisError` outside a command ends it at once.
//!
//! # Cycle
//!
//! Before each read the worker checks, as Rubin's loop does, that it has not
//! handled `restart_after` messages yet and that `listen_timeout` has not
//! passed since it started or last finished a message; otherwise it exits 0.
//! Ack-before: `Ping, ReadGroup` -> entry -> `Ack` -> `Process` -> next
//! cycle. Ack-after: `Ping, AutoClaim` (entries idle for `claim_min_idle`,
//! cursor carried between cycles) -> claimed entry, or else `ReadGroup` ->
//! entry -> `Process` -> `Ack` -> next cycle. In both modes an entry whose
//! visit has expired or whose fields do not decode is never processed: the
//! machine says so with `Skip` (its [`SkipReason`]) and then acknowledges it
//! (`Skip, Ack` -> next cycle), so that nobody reclaims it forever. Expired entries do not count towards
//! `restart_after` and do not reset the listen timer (as in Rubin); invalid
//! ones reset the timer. An entry whose bytes are not UTF-8
//! ([`Entry::utf8`] false) fails Rubin's decoding before its ack: under
//! ack-before it is skipped and left unacknowledged (pending with this
//! consumer for ever), `Skip` -> next cycle; under ack-after it is acked as
//! any other invalid entry, lest it be reclaimed for ever.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::entry_id::EntryId;
use super::{AckMode, WorkerConfig};
use crate::fanout::DetectorEvent;

/// A stream entry as read: its ID and field/value pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry ID.
    pub id: EntryId,
    /// Field/value pairs (decoded lossily when not UTF-8).
    pub fields: Vec<(String, String)>,
    /// Whether the ID and every field and value were valid UTF-8.
    #[serde(default = "utf8_by_default")]
    pub utf8: bool,
}

fn utf8_by_default() -> bool {
    true
}

impl Entry {
    /// An entry whose bytes were all valid UTF-8.
    pub fn new(id: EntryId, fields: Vec<(String, String)>) -> Self {
        Self {
            id,
            fields,
            utf8: true,
        }
    }
}

/// An entry handed to the processor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The entry ID.
    pub id: EntryId,
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
        next_cursor: EntryId,
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

/// Why an entry was dropped without being processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its visit was sent longer than `message_expiration` ago (judged from
    /// `private_sndStamp`).
    Expired,
    /// Its fields do not decode as a detector event (the decoder's message).
    Malformed(String),
    /// Its bytes are not UTF-8: Rubin's decoding raises before the ack.
    NotUtf8,
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
        start: EntryId,
    },
    /// `XACK <stream> <group> <id>`.
    Ack(EntryId),
    /// Process one detector.
    Process(Delivery),
    /// The entry just received is dropped unprocessed (its detector is
    /// never processed); the `Ack` that drops it follows. Not answered.
    Skip {
        /// The entry.
        id: EntryId,
        /// Why.
        reason: SkipReason,
    },
    /// Feed [`Input::Tick`] at or after this time.
    Wait {
        /// When to wake up.
        until: Duration,
    },
    /// A Redis command failed: feed [`Input::Tick`] at or after this time,
    /// when the worker sends it again (redis-py's retry delay).
    Backoff {
        /// When to send the failed command again.
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
    /// Entries that did not decode (UTF-8 or fields).
    pub invalid: u64,
    /// Entries left unacknowledged because they were not UTF-8.
    pub left_unacked: u64,
    /// Redis commands sent again after a failure.
    pub redis_retries: u64,
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
    /// Ack of `id` sent; `then` is the delivery to process after it
    /// (ack-before).
    AwaitAck {
        id: EntryId,
        then: Option<Box<Delivery>>,
    },
    Processing {
        id: EntryId,
    },
    Waiting {
        until: Duration,
    },
    /// A command failed; it is sent again at `until`.
    RedisBackoff {
        until: Duration,
        resume: Resume,
    },
    Finished(i32),
}

/// The command a worker in [`State::RedisBackoff`] sends again.
#[derive(Debug, Clone, PartialEq)]
enum Resume {
    Read,
    Claim,
    Ack(EntryId, Option<Box<Delivery>>),
}

/// One worker (one Job's pod).
#[derive(Debug, Clone)]
pub struct Worker {
    config: WorkerConfig,
    state: State,
    listen_start: Duration,
    claim_cursor: EntryId,
    /// Failures in a row of the command outstanding.
    redis_failures: u32,
    stats: WorkerStats,
}

/// The cursor that starts (and ends) an `XAUTOCLAIM` scan.
pub const SCAN_START: EntryId = EntryId::ZERO;

impl Worker {
    /// A worker that has not started yet.
    pub fn new(config: WorkerConfig) -> Self {
        Self {
            config,
            state: State::NotStarted,
            listen_start: Duration::ZERO,
            claim_cursor: SCAN_START,
            redis_failures: 0,
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
        if matches!(
            input,
            Input::ReadReply { .. } | Input::ClaimReply { .. } | Input::AckDone { .. }
        ) {
            self.redis_failures = 0;
        }
        match (state, input) {
            (_, Input::Terminate { .. }) => self.exit(ExitReason::Terminated),
            (state, Input::RedisError { now, error }) => self.redis_failed(state, now, error),
            (State::RedisBackoff { until, resume }, Input::Tick { now }) => {
                if now >= until {
                    self.stats.redis_retries += 1;
                    self.resume(resume)
                } else {
                    self.state = State::RedisBackoff { until, resume };
                    Vec::new()
                }
            }
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
            (State::AwaitAck { then, .. }, Input::AckDone { now }) => {
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

    /// A command failed: wait and send it again, or exit once its retries
    /// are spent (or when no command was outstanding).
    fn redis_failed(&mut self, state: State, now: Duration, error: String) -> Vec<Action> {
        let resume = match state {
            State::AwaitRead => Resume::Read,
            State::AwaitClaim => Resume::Claim,
            State::AwaitAck { id, then } => Resume::Ack(id, then),
            _ => return self.exit(ExitReason::Redis(error)),
        };
        self.redis_failures += 1;
        if self.redis_failures > self.config.redis_retries {
            return self.exit(ExitReason::Redis(error));
        }
        let until = now + self.config.redis_retry;
        self.state = State::RedisBackoff { until, resume };
        vec![Action::Backoff { until }]
    }

    /// Sends the failed command again.
    fn resume(&mut self, resume: Resume) -> Vec<Action> {
        match resume {
            Resume::Read => {
                self.state = State::AwaitRead;
                vec![Action::Ping, Action::ReadGroup { count: 1 }]
            }
            Resume::Claim => {
                self.state = State::AwaitClaim;
                vec![
                    Action::Ping,
                    Action::AutoClaim {
                        min_idle: self.config.claim_min_idle,
                        start: self.claim_cursor,
                    },
                ]
            }
            Resume::Ack(id, then) => self.ack(id, then),
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
                        start: self.claim_cursor,
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
        let id = entry.id;
        if !entry.utf8 && self.config.ack_mode == AckMode::BeforeProcessing {
            // Rubin's decoding raises before the ack: the entry stays
            // pending with this consumer, and the listen timer restarts.
            self.stats.invalid += 1;
            self.stats.left_unacked += 1;
            self.listen_start = now;
            let mut actions = vec![Action::Skip {
                id,
                reason: SkipReason::NotUtf8,
            }];
            actions.extend(self.next_cycle(now));
            return actions;
        }
        let event = match judge(&self.config, now, &entry) {
            Ok(event) => event,
            Err(reason) => {
                match reason {
                    SkipReason::Expired => self.stats.expired += 1,
                    SkipReason::Malformed(_) | SkipReason::NotUtf8 => {
                        self.stats.invalid += 1;
                        self.listen_start = now;
                    }
                }
                // Rubin acks whatever the entry holds; under ack-after the
                // ack drops it so that no one reclaims it.
                let mut actions = vec![Action::Skip { id, reason }];
                actions.extend(self.ack(id, None));
                return actions;
            }
        };
        let delivery = Box::new(Delivery {
            id,
            event: *event,
            reclaimed,
        });
        match self.config.ack_mode {
            // Rubin acks first, then processes.
            AckMode::BeforeProcessing => self.ack(id, Some(delivery)),
            AckMode::AfterProcessing => self.process(*delivery),
        }
    }

    fn ack(&mut self, id: EntryId, then: Option<Box<Delivery>>) -> Vec<Action> {
        self.state = State::AwaitAck { id, then };
        vec![Action::Ack(id)]
    }

    fn process(&mut self, delivery: Delivery) -> Vec<Action> {
        self.stats.processed += 1;
        self.state = State::Processing { id: delivery.id };
        vec![Action::Process(delivery)]
    }
}

/// The event to process, or why the entry is dropped.
fn judge(
    config: &WorkerConfig,
    now: Duration,
    entry: &Entry,
) -> Result<Box<DetectorEvent>, SkipReason> {
    if !entry.utf8 {
        return Err(SkipReason::NotUtf8);
    }
    let event = DetectorEvent::from_fields(&entry.fields)
        .map_err(|error| SkipReason::Malformed(error.to_string()))?;
    // The stamp is TAI: Rubin converts it to UTC before taking the age.
    let age =
        now.as_secs_f64() - crate::fanout::tai::utc_from_unix_tai(event.visit.private_snd_stamp);
    // NaN stamps never compare greater: they are processed.
    if age > config.message_expiration.as_secs_f64() {
        Err(SkipReason::Expired)
    } else {
        Ok(Box::new(event))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod retry_tests;
