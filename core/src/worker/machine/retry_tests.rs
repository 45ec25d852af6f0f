//! Tests of the worker's answer to Redis errors (one retry after
//! `redis_retry`, then exit 1; no command while processing) and of entries
//! that are not UTF-8 (left unacknowledged under ack-before) and of the
//! TAI stamp of a message's age.

use std::time::Duration;

use super::*;
use crate::fanout::{Visit, fan_out};

const T0: u64 = 1_795_000_000;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn rubin() -> WorkerConfig {
    WorkerConfig::rubin()
}

fn refused(now: Duration) -> Input {
    Input::RedisError {
        now,
        error: "Connection refused".into(),
    }
}

fn entry(id: EntryId) -> Entry {
    let visit = Visit {
        sal_index: 1,
        script_sal_index: 2,
        instrument: "LSSTCam".into(),
        group_id: "g".into(),
        coordinate_system: 2,
        position: [1.0, 2.0],
        start_time: T0 as f64 + 20.0,
        rotation_system: 2,
        camera_angle: 0.0,
        filters: "r".into(),
        dome: 2,
        duration: 30.0,
        nimages: 1,
        survey: "s".into(),
        total_checkpoints: 0,
        private_snd_stamp: T0 as f64,
    };
    let fields = fan_out(&visit, &[4])
        .into_iter()
        .next()
        .map(|e| e.fields)
        .unwrap_or_default();
    Entry::new(id, fields)
}

fn read_cycle() -> Vec<Action> {
    vec![Action::Ping, Action::ReadGroup { count: 1 }]
}

#[test]
fn a_failed_read_is_sent_again_after_the_retry_delay() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    let a = w.handle(refused(secs(T0 + 1)));
    assert_eq!(
        a,
        vec![Action::Backoff {
            until: secs(T0 + 31)
        }]
    );
    // An early tick changes nothing; the one at the deadline reads again.
    assert!(w.handle(Input::Tick { now: secs(T0 + 20) }).is_empty());
    assert_eq!(w.handle(Input::Tick { now: secs(T0 + 31) }), read_cycle());
    assert_eq!(w.stats().redis_retries, 1);
    assert_eq!(w.exit_code(), None);
}

#[test]
fn the_worker_exits_1_when_the_retry_fails_too() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    w.handle(refused(secs(T0)));
    w.handle(Input::Tick { now: secs(T0 + 30) });
    let a = w.handle(refused(secs(T0 + 30)));
    assert!(
        matches!(
            a.as_slice(),
            [Action::Exit {
                code: 1,
                reason: ExitReason::Redis(_)
            }]
        ),
        "{a:?}"
    );
    assert_eq!(w.exit_code(), Some(1));
}

#[test]
fn an_answer_restores_the_retry() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    w.handle(refused(secs(T0)));
    w.handle(Input::Tick { now: secs(T0 + 30) });
    // Redis is back: the read answers; a later failure has its retry again.
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 30),
        entry: None,
    });
    assert_eq!(a, read_cycle());
    let a = w.handle(refused(secs(T0 + 31)));
    assert_eq!(
        a,
        vec![Action::Backoff {
            until: secs(T0 + 61)
        }]
    );
}

#[test]
fn a_failed_ack_is_sent_again_then_the_detector_is_processed() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    let e = entry(EntryId::new(7, 0));
    assert_eq!(
        w.handle(Input::ReadReply {
            now: secs(T0 + 1),
            entry: Some(e.clone()),
        }),
        vec![Action::Ack(e.id)]
    );
    w.handle(refused(secs(T0 + 1)));
    assert_eq!(
        w.handle(Input::Tick { now: secs(T0 + 31) }),
        vec![Action::Ack(e.id)]
    );
    let a = w.handle(Input::AckDone { now: secs(T0 + 31) });
    assert!(
        matches!(a.as_slice(), [Action::Process(d)] if d.id == e.id && d.event.detector == 4),
        "{a:?}"
    );
}

#[test]
fn the_retry_delay_and_count_come_from_the_config() {
    let config = WorkerConfig {
        redis_retry: secs(5),
        redis_retries: 3,
        ..rubin()
    };
    let mut w = Worker::new(config);
    w.handle(Input::Started { now: secs(T0) });
    let mut now = T0;
    for _ in 0..3 {
        assert_eq!(
            w.handle(refused(secs(now))),
            vec![Action::Backoff {
                until: secs(now + 5)
            }]
        );
        now += 5;
        assert_eq!(w.handle(Input::Tick { now: secs(now) }), read_cycle());
    }
    assert_eq!(w.handle(refused(secs(now))).len(), 1);
    assert_eq!(w.exit_code(), Some(1));
}

#[test]
fn a_redis_error_while_processing_ends_the_worker() {
    // No command is outstanding while a detector is processed: an error
    // then is not a command's answer.
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    let e = entry(EntryId::new(7, 0));
    w.handle(Input::ReadReply {
        now: secs(T0),
        entry: Some(e),
    });
    w.handle(Input::AckDone { now: secs(T0) });
    let a = w.handle(refused(secs(T0 + 1)));
    assert!(
        matches!(a.as_slice(), [Action::Exit { code: 1, .. }]),
        "{a:?}"
    );
}

#[test]
fn sigterm_during_the_backoff_exits_1() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    w.handle(refused(secs(T0)));
    let a = w.handle(Input::Terminate { now: secs(T0 + 2) });
    assert!(
        matches!(
            a.as_slice(),
            [Action::Exit {
                code: 1,
                reason: ExitReason::Terminated
            }]
        ),
        "{a:?}"
    );
}

#[test]
fn an_entry_that_is_not_utf8_is_left_unacked_under_ack_before() {
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    let mut bad = entry(EntryId::new(3, 0));
    bad.utf8 = false;
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 600),
        entry: Some(bad),
    });
    let mut expected = vec![Action::Skip {
        id: EntryId::new(3, 0),
        reason: SkipReason::NotUtf8,
    }];
    expected.extend(read_cycle());
    assert_eq!(a, expected);
    assert_eq!(w.stats().left_unacked, 1);
    assert_eq!(w.stats().acked, 0);
    // The listen timer restarted at the bad entry: 899 s later it still reads.
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 600 + 899),
        entry: None,
    });
    assert_eq!(a, read_cycle());
}

#[test]
fn an_entry_that_is_not_utf8_is_acked_under_ack_after() {
    let mut w = Worker::new(WorkerConfig {
        ack_mode: AckMode::AfterProcessing,
        ..rubin()
    });
    w.handle(Input::Started { now: secs(T0) });
    let mut bad = entry(EntryId::new(3, 0));
    bad.utf8 = false;
    let a = w.handle(Input::ClaimReply {
        now: secs(T0),
        next_cursor: SCAN_START,
        entries: vec![bad],
    });
    assert_eq!(
        a,
        vec![
            Action::Skip {
                id: EntryId::new(3, 0),
                reason: SkipReason::NotUtf8
            },
            Action::Ack(EntryId::new(3, 0))
        ]
    );
}

#[test]
fn the_age_of_a_message_reads_its_stamp_as_tai() {
    // Sent at T0 UTC: its stamp reads T0 + 37 s. 3,620 s later (UTC) it is
    // expired; read as UTC the stamp would make it 3,583 s old, still fresh.
    let mut w = Worker::new(rubin());
    w.handle(Input::Started { now: secs(T0) });
    let mut e = entry(EntryId::new(1, 0));
    let stamp = crate::fanout::tai::unix_tai(T0 as f64);
    for (field, value) in &mut e.fields {
        if field == "private_sndStamp" {
            *value = format!("{stamp:.1}");
        }
    }
    let a = w.handle(Input::ReadReply {
        now: secs(T0 + 3620),
        entry: Some(e),
    });
    assert!(
        matches!(
            a.first(),
            Some(Action::Skip {
                reason: SkipReason::Expired,
                ..
            })
        ),
        "{a:?}"
    );
}
