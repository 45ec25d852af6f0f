//! Tests of the worker state machine: each mode's action sequence, the exit
//! conditions, expiry, errors, and a property test that drives the machine
//! over an in-memory stream to completion.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::fanout::{Visit, fan_out};

const T0: u64 = 1_795_000_000;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn visit(snd_stamp: u64) -> Visit {
    Visit {
        sal_index: 1,
        script_sal_index: 2,
        instrument: "LSSTCam".into(),
        group_id: "g".into(),
        coordinate_system: 2,
        position: [1.0, 2.0],
        start_time: snd_stamp as f64 + 20.0,
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "s".into(),
        total_checkpoints: 0,
        private_snd_stamp: crate::fanout::tai::unix_tai(snd_stamp as f64),
    }
}

/// The entry ID `<ms>-<seq>`.
fn id(ms: u64, seq: u64) -> EntryId {
    EntryId::new(ms, seq)
}

fn entry(id: EntryId, snd_stamp: u64, detector: u32) -> Entry {
    let fields = fan_out(&visit(snd_stamp), &[detector])
        .into_iter()
        .next()
        .map(|e| e.fields)
        .unwrap_or_default();
    Entry::new(id, fields)
}

fn config(mode: AckMode, restart_after: u32) -> WorkerConfig {
    WorkerConfig {
        ack_mode: mode,
        restart_after,
        ..WorkerConfig::rubin()
    }
}

fn read_cycle() -> Vec<Action> {
    vec![Action::Ping, Action::ReadGroup { count: 1 }]
}

fn claim_cycle(start: EntryId) -> Vec<Action> {
    vec![
        Action::Ping,
        Action::AutoClaim {
            min_idle: secs(60),
            start,
        },
    ]
}

fn is_process(actions: &[Action], id: EntryId, reclaimed: bool) -> bool {
    matches!(actions, [Action::Process(d)] if d.id == id && d.reclaimed == reclaimed)
}

fn exit_reason(actions: &[Action]) -> Option<(i32, ExitReason)> {
    match actions {
        [Action::Exit { code, reason }] => Some((*code, reason.clone())),
        _ => None,
    }
}

#[test]
fn ack_before_processing_acks_then_processes() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 10));
    assert_eq!(w.handle(Input::Started { now: secs(T0) }), read_cycle());
    let e = entry(id(1, 0), T0, 5);
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 1),
        entry: Some(e),
    });
    assert_eq!(a, vec![Action::Ack(id(1, 0))]);
    let a = w.handle(Input::AckDone { now: secs(T0 + 1) });
    assert!(is_process(&a, id(1, 0), false), "{a:?}");
    if let [Action::Process(d)] = a.as_slice() {
        assert_eq!(d.event.detector, 5);
    }
    let a = w.handle(Input::ProcessingFinished { now: secs(T0 + 9) });
    assert_eq!(a, read_cycle());
    assert_eq!(w.stats().processed, 1);
    assert_eq!(w.stats().acked, 1);
}

#[test]
fn exits_normally_after_restart_frequency() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 2));
    w.handle(Input::Started { now: secs(T0) });
    let mut last = Vec::new();
    for n in 0..2 {
        w.handle(Input::ReadReply {
            now: secs(T0),
            entry: Some(entry(id(u64::from(n), 1), T0, n)),
        });
        w.handle(Input::AckDone { now: secs(T0) });
        last = w.handle(Input::ProcessingFinished { now: secs(T0) });
    }
    assert_eq!(exit_reason(&last), Some((0, ExitReason::RestartFrequency)));
    assert_eq!(w.exit_code(), Some(0));
    assert!(w.handle(Input::Tick { now: secs(T0) }).is_empty());
}

#[test]
fn unlimited_when_restart_frequency_is_zero() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 0));
    w.handle(Input::Started { now: secs(T0) });
    for n in 0..50 {
        w.handle(Input::ReadReply {
            now: secs(T0),
            entry: Some(entry(id(u64::from(n), 1), T0, n)),
        });
        w.handle(Input::AckDone { now: secs(T0) });
        let a = w.handle(Input::ProcessingFinished { now: secs(T0) });
        assert_eq!(a, read_cycle());
    }
}

#[test]
fn listen_timeout_counts_from_the_last_message() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 899),
        entry: None,
    });
    assert_eq!(a, read_cycle());
    w.handle(Input::ReadReply {
        now: secs(T0 + 899),
        entry: Some(entry(id(1, 0), T0, 1)),
    });
    w.handle(Input::AckDone {
        now: secs(T0 + 899),
    });
    w.handle(Input::ProcessingFinished {
        now: secs(T0 + 1000),
    });
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 1899),
        entry: None,
    });
    assert_eq!(a, read_cycle(), "timer restarted when the message finished");
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 1900),
        entry: None,
    });
    assert_eq!(exit_reason(&a), Some((0, ExitReason::ListenTimeout)));
}

#[test]
fn expired_visits_are_skipped_then_acked_without_counting() {
    for mode in [AckMode::BeforeProcessing, AckMode::AfterProcessing] {
        let mut w = Worker::new(config(mode, 1));
        w.handle(Input::Started {
            now: secs(T0 + 3600),
        });
        if mode == AckMode::AfterProcessing {
            w.handle(Input::ClaimReply {
                now: secs(T0 + 3600),
                next_cursor: SCAN_START,
                entries: vec![],
            });
        }
        let now = secs(T0 + 3601);
        let a = w.handle(Input::ReadReply {
            now,
            entry: Some(entry(id(1, 0), T0, 1)),
        });
        assert_eq!(
            a,
            vec![
                Action::Skip {
                    id: id(1, 0),
                    reason: SkipReason::Expired
                },
                Action::Ack(id(1, 0))
            ],
            "{mode:?}"
        );
        let a = w.handle(Input::AckDone { now });
        assert!(
            !a.iter().any(|x| matches!(x, Action::Process(_))),
            "{mode:?}"
        );
        assert!(
            !a.iter().any(|x| matches!(x, Action::Exit { .. })),
            "{mode:?}"
        );
        assert_eq!(w.stats().expired, 1);
        assert_eq!(w.stats().processed, 0);
    }
    // Exactly 3600 s old is still processed.
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 1));
    w.handle(Input::Started { now: secs(T0) });
    w.handle(Input::ReadReply {
        now: secs(T0 + 3600),
        entry: Some(entry(id(1, 0), T0, 1)),
    });
    let a = w.handle(Input::AckDone {
        now: secs(T0 + 3600),
    });
    assert!(is_process(&a, id(1, 0), false));
}

#[test]
fn invalid_entries_are_skipped_acked_counted_and_reset_the_timer() {
    let mut w = Worker::new(config(AckMode::AfterProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: SCAN_START,
        entries: vec![],
    });
    let bad = Entry::new(id(9, 0), vec![("detector".into(), "x".into())]);
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 800),
        entry: Some(bad),
    });
    assert!(
        matches!(
            a.as_slice(),
            [Action::Skip { id: skipped, reason: SkipReason::Malformed(why) }, Action::Ack(acked)]
                if *skipped == id(9, 0) && *acked == id(9, 0) && why.contains("missing")
        ),
        "{a:?}"
    );
    let a = w.handle(Input::AckDone {
        now: secs(T0 + 1000),
    });
    assert_eq!(a, claim_cycle(SCAN_START));
    assert_eq!(w.stats().invalid, 1);
}

#[test]
fn a_reclaimed_entry_deleted_while_pending_is_skipped_as_malformed() {
    // XAUTOCLAIM returns an entry deleted from the stream with no fields.
    let mut w = Worker::new(config(AckMode::AfterProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: SCAN_START,
        entries: vec![Entry::new(id(4, 2), vec![])],
    });
    assert!(
        matches!(
            a.as_slice(),
            [Action::Skip { id: skipped, reason: SkipReason::Malformed(_) }, Action::Ack(acked)]
                if *skipped == id(4, 2) && *acked == id(4, 2)
        ),
        "{a:?}"
    );
    assert_eq!(w.stats().reclaimed, 1);
    assert_eq!(w.stats().processed, 0);
}

#[test]
fn entries_that_are_processed_are_never_skipped() {
    for mode in [AckMode::BeforeProcessing, AckMode::AfterProcessing] {
        let mut w = Worker::new(config(mode, 10));
        w.handle(Input::Started { now: secs(T0) });
        if mode == AckMode::AfterProcessing {
            w.handle(Input::ClaimReply {
                now: secs(T0),
                next_cursor: SCAN_START,
                entries: vec![],
            });
        }
        let mut actions = w.handle(Input::ReadReply {
            now: secs(T0 + 5),
            entry: Some(entry(id(2, 0), T0, 2)),
        });
        if mode == AckMode::BeforeProcessing {
            actions.extend(w.handle(Input::AckDone { now: secs(T0 + 5) }));
        }
        assert!(
            !actions.iter().any(|a| matches!(a, Action::Skip { .. })),
            "{mode:?}: {actions:?}"
        );
        assert!(
            actions.iter().any(|a| matches!(a, Action::Process(_))),
            "{mode:?}"
        );
    }
}

#[test]
fn redis_errors_and_sigterm_exit_with_1() {
    let mut w = Worker::new(WorkerConfig {
        redis_retries: 0,
        ..config(AckMode::BeforeProcessing, 10)
    });
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::RedisError {
        now: secs(T0),
        error: "connection refused".into(),
    });
    assert_eq!(
        exit_reason(&a),
        Some((1, ExitReason::Redis("connection refused".into())))
    );
    let mut w = Worker::new(config(AckMode::AfterProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::Terminate { now: secs(T0) });
    assert_eq!(exit_reason(&a), Some((1, ExitReason::Terminated)));
}

#[test]
fn ack_after_processing_claims_first_and_acks_last() {
    let mut w = Worker::new(config(AckMode::AfterProcessing, 10));
    assert_eq!(
        w.handle(Input::Started { now: secs(T0) }),
        claim_cycle(id(0, 0))
    );
    // A stale entry of a dead consumer is reclaimed and processed.
    let a = w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: id(7, 0),
        entries: vec![entry(id(3, 0), T0, 3)],
    });
    assert!(is_process(&a, id(3, 0), true), "{a:?}");
    let a = w.handle(Input::ProcessingFinished { now: secs(T0 + 5) });
    assert_eq!(a, vec![Action::Ack(id(3, 0))]);
    // The scan continues from the cursor returned.
    assert_eq!(
        w.handle(Input::AckDone { now: secs(T0 + 5) }),
        claim_cycle(id(7, 0))
    );
    let a = w.handle(Input::ClaimReply {
        now: secs(T0 + 5),
        next_cursor: id(0, 0),
        entries: vec![],
    });
    assert_eq!(a, vec![Action::ReadGroup { count: 1 }]);
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 5),
        entry: Some(entry(id(8, 0), T0, 8)),
    });
    assert!(is_process(&a, id(8, 0), false), "{a:?}");
    assert_eq!(w.stats().reclaimed, 1);
    assert_eq!(w.stats().read, 1);
}

#[test]
fn answers_out_of_turn_end_the_worker() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::AckDone { now: secs(T0) });
    assert!(matches!(
        exit_reason(&a),
        Some((1, ExitReason::Protocol(_)))
    ));
}

#[test]
fn a_pause_after_empty_reads_lets_virtual_time_pass() {
    let mut w = Worker::new(WorkerConfig {
        empty_read_pause: secs(2),
        ..config(AckMode::BeforeProcessing, 10)
    });
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 1),
        entry: None,
    });
    assert_eq!(
        a,
        vec![Action::Wait {
            until: secs(T0 + 3)
        }]
    );
    assert!(w.handle(Input::Tick { now: secs(T0 + 2) }).is_empty());
    assert_eq!(w.handle(Input::Tick { now: secs(T0 + 3) }), read_cycle());
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 900),
        entry: None,
    });
    assert_eq!(exit_reason(&a), Some((0, ExitReason::ListenTimeout)));
}

/// A minimal single-consumer stream: entries not yet delivered, and
/// delivered-but-unacked ones.
struct MiniStream {
    undelivered: std::collections::VecDeque<Entry>,
    pending: Vec<EntryId>,
}

/// What a worker did over a whole run against `MiniStream`.
struct RunEnd {
    processed: Vec<EntryId>,
    skipped: Vec<EntryId>,
    acked: Vec<EntryId>,
    code: Option<i32>,
    pending: usize,
}

/// Runs one worker to completion against `MiniStream`.
fn run_to_end(cfg: WorkerConfig, entries: Vec<Entry>) -> RunEnd {
    let mut stream = MiniStream {
        undelivered: entries.into(),
        pending: Vec::new(),
    };
    let mut w = Worker::new(cfg);
    let mut now = secs(T0);
    let mut queue: std::collections::VecDeque<Action> = w.handle(Input::Started { now }).into();
    let (mut processed, mut skipped, mut acked) = (Vec::new(), Vec::new(), Vec::new());
    let mut steps = 0;
    while let Some(action) = queue.pop_front() {
        steps += 1;
        if steps > 10_000 {
            break;
        }
        now += Duration::from_millis(100);
        let input = match action {
            Action::Ping => continue,
            Action::ReadGroup { .. } => {
                let entry = stream.undelivered.pop_front();
                if let Some(e) = &entry {
                    stream.pending.push(e.id);
                }
                Input::ReadReply { now, entry }
            }
            Action::AutoClaim { .. } => Input::ClaimReply {
                now,
                next_cursor: SCAN_START,
                entries: vec![],
            },
            Action::Ack(id) => {
                stream.pending.retain(|p| p != &id);
                acked.push(id);
                Input::AckDone { now }
            }
            Action::Process(d) => {
                processed.push(d.id);
                Input::ProcessingFinished { now }
            }
            Action::Skip { id, .. } => {
                skipped.push(id);
                continue;
            }
            Action::Wait { until } | Action::Backoff { until } => {
                now = now.max(until);
                Input::Tick { now }
            }
            Action::Exit { .. } => break,
        };
        queue.extend(w.handle(input));
    }
    RunEnd {
        processed,
        skipped,
        acked,
        code: w.exit_code(),
        pending: stream.pending.len(),
    }
}

proptest! {
    #[test]
    fn every_entry_read_is_acked_once_and_limits_hold(
        after in any::<bool>(),
        restart_after in 0u32..6,
        ages in proptest::collection::vec(prop_oneof![0u64..1000, 4000u64..7200], 0..15),
    ) {
        let mode = if after { AckMode::AfterProcessing } else { AckMode::BeforeProcessing };
        let entries: Vec<Entry> = ages
            .iter()
            .enumerate()
            .map(|(i, age)| entry(id(i as u64 + 1, 0), T0 - age, i as u32))
            .collect();
        let cfg = WorkerConfig { empty_read_pause: secs(1), ..config(mode, restart_after) };
        let RunEnd { processed, skipped, acked, code, pending } = run_to_end(cfg, entries);
        prop_assert_eq!(code, Some(0));
        prop_assert_eq!(pending, 0, "nothing left unacknowledged");
        let mut unique = acked.clone();
        unique.dedup();
        prop_assert_eq!(&unique, &acked, "each entry acked once");
        // Every entry acked was either processed or skipped, never both.
        let mut handled: Vec<EntryId> = processed.iter().chain(&skipped).copied().collect();
        handled.sort();
        let mut acked_sorted = acked.clone();
        acked_sorted.sort();
        prop_assert_eq!(handled, acked_sorted, "processed + skipped = acked");
        if restart_after > 0 {
            prop_assert!(processed.len() <= restart_after as usize);
        }
        // The model clock moves 100 ms per action, far from the 3600 s edge:
        // the skipped entries are exactly the stale ones read.
        let stale = |e: &EntryId| ages[(e.ms - 1) as usize] >= 1000;
        prop_assert!(skipped.iter().all(stale), "only stale entries skipped");
        prop_assert!(!processed.iter().any(stale), "no stale entry processed");
        let fresh = ages.iter().filter(|a| **a < 1000).count();
        if restart_after == 0 {
            prop_assert_eq!(processed.len(), fresh, "all fresh entries processed");
            prop_assert_eq!(skipped.len(), ages.len() - fresh, "every stale entry skipped");
        }
    }
}
