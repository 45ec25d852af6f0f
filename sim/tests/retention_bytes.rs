//! `kafka.retention_bytes` on the smoke night (5 visits of 1,000 alerts):
//! a reader of 10 alerts a second needs 500 s for the night's alerts and
//! falls far behind the producer, and a size limit of about 2,000 alerts'
//! worth of bytes in the whole topic (two visits) deletes some of what it
//! has not read yet; `retention_s` alone (7 days) deletes nothing. Every
//! alert is either read or lost, and the readers who keep up (a visit's
//! alerts fit in the topic) lose nothing.

use alertsim_reports::Report;
use alertsim_scenarios::{Consumer, Scenario};

fn smoke_with_a_slow_reader(retention_bytes: Option<i64>) -> Scenario {
    let mut s = Scenario::resolve("smoke", &[]).expect("smoke loads");
    s.consumers.push(Consumer {
        fetch_latency_ms: 0.0,
        ..Consumer::new("slow", 10.0)
    });
    s.kafka.partitions = 4;
    s.kafka.retention_bytes = retention_bytes;
    s
}

fn run(s: &Scenario) -> Report {
    alertsim_sim::run(s).expect("smoke runs").report
}

/// (received, lost) per reader, by name.
fn reads(r: &Report) -> Vec<(String, u64, u64)> {
    r.consumers
        .iter()
        .map(|c| {
            let lost = r.alerts.lost_to_readers.get(&c.name).copied().unwrap_or(0);
            (c.name.clone(), c.received, lost)
        })
        .collect()
}

#[test]
fn a_small_size_limit_loses_alerts_to_a_slow_reader_that_retention_s_alone_would_not() {
    let unlimited = run(&smoke_with_a_slow_reader(None));
    assert_eq!(unlimited.alerts.delivered, 5000);
    assert!(
        reads(&unlimited)
            .iter()
            .all(|(_, got, lost)| (*got, *lost) == (5000, 0)),
        "{:?}",
        reads(&unlimited)
    );

    // Room for about 2,000 alerts in the whole topic (500 per partition;
    // readers fetch them compressed, 0.9 of these bytes).
    let alert_bytes = unlimited.bytes.delivered as f64 / 5000.0;
    let per_partition = (500.0 * alert_bytes).round() as i64;
    let s = smoke_with_a_slow_reader(Some(per_partition));
    let limited = run(&s);
    let got = reads(&limited);
    assert_eq!(
        limited.alerts.delivered, 5000,
        "the producer is not affected"
    );
    for (name, received, lost) in &got {
        assert_eq!(received + lost, 5000, "{name}: every alert read or lost");
        if name == "slow" {
            // The last ~2,000 alerts are never pushed out.
            assert!(*lost > 0 && *lost <= 3000, "{got:?}");
        } else {
            assert_eq!(*lost, 0, "{name} keeps up: {got:?}");
        }
    }
    assert_eq!(limited.to_json(), run(&s).to_json(), "the same bytes again");
}
