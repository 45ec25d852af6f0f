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
        private_snd_stamp: snd_stamp as f64,
    }
}

fn entry(id: &str, snd_stamp: u64, detector: u32) -> Entry {
    let fields = fan_out(&visit(snd_stamp), &[detector])
        .into_iter()
        .next()
        .map(|e| e.fields)
        .unwrap_or_default();
    Entry {
        id: id.into(),
        fields,
    }
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

fn claim_cycle(start: &str) -> Vec<Action> {
    vec![
        Action::Ping,
        Action::AutoClaim {
            min_idle: secs(60),
            start: start.into(),
        },
    ]
}

fn is_process(actions: &[Action], id: &str, reclaimed: bool) -> bool {
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
    let e = entry("1-0", T0, 5);
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 1),
        entry: Some(e),
    });
    assert_eq!(a, vec![Action::Ack("1-0".into())]);
    let a = w.handle(Input::AckDone { now: secs(T0 + 1) });
    assert!(is_process(&a, "1-0", false), "{a:?}");
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
            entry: Some(entry(&format!("{n}-1"), T0, n)),
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
            entry: Some(entry(&format!("{n}-1"), T0, n)),
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
        entry: Some(entry("1-0", T0, 1)),
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
fn expired_visits_are_acked_and_skipped_without_counting() {
    for mode in [AckMode::BeforeProcessing, AckMode::AfterProcessing] {
        let mut w = Worker::new(config(mode, 1));
        w.handle(Input::Started {
            now: secs(T0 + 3600),
        });
        if mode == AckMode::AfterProcessing {
            w.handle(Input::ClaimReply {
                now: secs(T0 + 3600),
                next_cursor: SCAN_START.into(),
                entries: vec![],
            });
        }
        let now = secs(T0 + 3601);
        let a = w.handle(Input::ReadReply {
            now,
            entry: Some(entry("1-0", T0, 1)),
        });
        assert_eq!(a, vec![Action::Ack("1-0".into())], "{mode:?}");
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
        entry: Some(entry("1-0", T0, 1)),
    });
    let a = w.handle(Input::AckDone {
        now: secs(T0 + 3600),
    });
    assert!(is_process(&a, "1-0", false));
}

#[test]
fn invalid_entries_are_acked_counted_and_reset_the_timer() {
    let mut w = Worker::new(config(AckMode::AfterProcessing, 10));
    w.handle(Input::Started { now: secs(T0) });
    w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: SCAN_START.into(),
        entries: vec![],
    });
    let bad = Entry {
        id: "9-0".into(),
        fields: vec![("detector".into(), "x".into())],
    };
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 800),
        entry: Some(bad),
    });
    assert_eq!(a, vec![Action::Ack("9-0".into())]);
    let a = w.handle(Input::AckDone {
        now: secs(T0 + 1000),
    });
    assert_eq!(a, claim_cycle(SCAN_START));
    assert_eq!(w.stats().invalid, 1);
}

#[test]
fn redis_errors_and_sigterm_exit_with_1() {
    let mut w = Worker::new(config(AckMode::BeforeProcessing, 10));
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
        claim_cycle("0-0")
    );
    // A stale entry of a dead consumer is reclaimed and processed.
    let a = w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: "7-0".into(),
        entries: vec![entry("3-0", T0, 3)],
    });
    assert!(is_process(&a, "3-0", true), "{a:?}");
    let a = w.handle(Input::ProcessingFinished { now: secs(T0 + 5) });
    assert_eq!(a, vec![Action::Ack("3-0".into())]);
    // The scan continues from the cursor returned.
    assert_eq!(
        w.handle(Input::AckDone { now: secs(T0 + 5) }),
        claim_cycle("7-0")
    );
    let a = w.handle(Input::ClaimReply {
        now: secs(T0 + 5),
        next_cursor: "0-0".into(),
        entries: vec![],
    });
    assert_eq!(a, vec![Action::ReadGroup { count: 1 }]);
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 5),
        entry: Some(entry("8-0", T0, 8)),
    });
    assert!(is_process(&a, "8-0", false), "{a:?}");
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
    pending: Vec<String>,
}

/// Runs one worker to completion against `MiniStream`; returns processed
/// ids, acked ids, and the exit.
fn run_to_end(
    cfg: WorkerConfig,
    entries: Vec<Entry>,
) -> (Vec<String>, Vec<String>, Option<i32>, usize) {
    let mut stream = MiniStream {
        undelivered: entries.into(),
        pending: Vec::new(),
    };
    let mut w = Worker::new(cfg);
    let mut now = secs(T0);
    let mut queue: std::collections::VecDeque<Action> = w.handle(Input::Started { now }).into();
    let (mut processed, mut acked) = (Vec::new(), Vec::new());
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
                    stream.pending.push(e.id.clone());
                }
                Input::ReadReply { now, entry }
            }
            Action::AutoClaim { .. } => Input::ClaimReply {
                now,
                next_cursor: SCAN_START.into(),
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
            Action::Wait { until } => {
                now = now.max(until);
                Input::Tick { now }
            }
            Action::Exit { .. } => break,
        };
        queue.extend(w.handle(input));
    }
    (processed, acked, w.exit_code(), stream.pending.len())
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
            .map(|(i, age)| entry(&format!("{}-0", i + 1), T0 - age, i as u32))
            .collect();
        let cfg = WorkerConfig { empty_read_pause: secs(1), ..config(mode, restart_after) };
        let (processed, acked, code, pending) = run_to_end(cfg, entries);
        prop_assert_eq!(code, Some(0));
        prop_assert_eq!(pending, 0, "nothing left unacknowledged");
        let mut unique = acked.clone();
        unique.dedup();
        prop_assert_eq!(&unique, &acked, "each entry acked once");
        prop_assert!(processed.iter().all(|p| acked.contains(p)));
        if restart_after > 0 {
            prop_assert!(processed.len() <= restart_after as usize);
        }
        // The model clock moves 100 ms per action, far from the 3600 s edge.
        let fresh = ages.iter().filter(|a| **a < 1000).count();
        if restart_after == 0 {
            prop_assert_eq!(processed.len(), fresh, "all fresh entries processed");
        }
    }
}
