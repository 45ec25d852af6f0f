//! Saving, loading and merging recorders: the shards of a load test combine
//! into the report a single recorder would have written.

mod common;

use std::path::Path;

use alertsim_reports::{Gauges, MergeError, Recorder};
use alertsim_scenarios::Scenario;
use common::{Shard, smoke, synthetic_recorder};
use proptest::prelude::*;

fn report_json(rec: Recorder, scenario: &Scenario, t: f64) -> String {
    rec.finish(scenario, t).to_json()
}

fn save(rec: &Recorder, path: &Path) {
    rec.save(path).unwrap_or_else(|e| panic!("{e}"));
}

fn load(path: &Path) -> Recorder {
    Recorder::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// The shards of a run, each saved to a file, loaded and merged in order.
fn merged_shards(scenario: &Scenario, lost: u64, of: u64, dir: &Path) -> (Recorder, f64) {
    let mut merged: Option<Recorder> = None;
    let mut end = 0.0f64;
    for index in 0..of {
        let (rec, t) = synthetic_recorder(scenario, 1.0, lost, Shard { index, of });
        let path = dir.join(format!("shard-{index}.json"));
        save(&rec, &path);
        let rec = load(&path);
        end = end.max(t);
        match &mut merged {
            Some(m) => m.merge(&rec).unwrap_or_else(|e| panic!("{e}")),
            None => merged = Some(rec),
        }
    }
    (merged.unwrap_or_else(|| panic!("no shards")), end)
}

#[test]
fn save_and_load_give_the_same_report_and_the_same_file() {
    let s = smoke();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (mut rec, t) = synthetic_recorder(&s, 1.0, 2, Shard::WHOLE);
    // Figures that JSON numbers cannot hold, or hold only when read exactly.
    rec.visit_planned(1, f64::NAN, 100);
    rec.pod_time(0.1 + 0.2, f64::INFINITY);
    rec.sample(t + 1.0 / 3.0, Gauges::default());
    rec.detector_failed(2);
    let path = dir.path().join("recorder.json");
    save(&rec, &path);
    let back = load(&path);
    let again = dir.path().join("again.json");
    save(&back, &again);
    let bytes = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes(&path), bytes(&again));
    let text = String::from_utf8(bytes(&path)).unwrap_or_default();
    assert!(
        text.starts_with(r#"{"format":"alertsim-recorder","version":1,"#),
        "{}",
        &text[..80.min(text.len())]
    );
    assert_eq!(report_json(back, &s, t), report_json(rec, &s, t));
}

#[test]
fn shards_merge_into_the_report_of_one_recorder() {
    let mut s = smoke();
    // A limit that some alerts of every visit miss: whether a visit is late
    // depends on all its alerts, not on one shard's.
    s.gates.p98_latency_s = 9.0;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (whole, t) = synthetic_recorder(&s, 1.0, 3, Shard::WHOLE);
    let whole = whole.finish(&s, t);
    assert!(
        whole.late_visits > 0 && whole.failed_visits == 1,
        "{whole:?}"
    );
    for of in [2, 3] {
        let (merged, end) = merged_shards(&s, 3, of, dir.path());
        assert_eq!(end, t);
        let merged = merged.finish(&s, end);
        assert_eq!(merged.alerts, whole.alerts, "{of} shards");
        assert_eq!(merged.bytes, whole.bytes, "{of} shards");
        assert_eq!(merged.latency_s, whole.latency_s, "{of} shards");
        assert_eq!(merged.jobs, whole.jobs, "{of} shards");
        assert_eq!(merged.late_visits, whole.late_visits, "{of} shards");
        assert_eq!(merged.failed_visits, whole.failed_visits, "{of} shards");
        assert_eq!(merged.per_visit, whole.per_visit, "{of} shards");
        assert_eq!(merged.series, whole.series, "{of} shards");
        assert_eq!(merged.consumers, whole.consumers, "{of} shards");
        assert_eq!(merged.to_json(), whole.to_json(), "{of} shards");
    }
    // One shard alone is not the whole run.
    let (half, t) = synthetic_recorder(&s, 1.0, 3, Shard { index: 1, of: 2 });
    let half = half.finish(&s, t);
    assert_eq!(half.alerts.produced * 2, whole.alerts.produced);
    assert_ne!(half.to_json(), whole.to_json());
}

#[test]
fn merging_is_symmetric_and_pads_the_shorter_series() {
    let s = smoke();
    let (a, t) = synthetic_recorder(&s, 1.0, 0, Shard { index: 0, of: 2 });
    let mut b = synthetic_recorder(&s, 2.0, 0, Shard { index: 1, of: 2 }).0;
    // Shard b keeps going a little longer.
    b.sample(
        t,
        Gauges {
            lag: 7,
            ..Gauges::default()
        },
    );
    let mut ab = a.clone();
    ab.merge(&b).unwrap_or_else(|e| panic!("{e}"));
    let mut ba = b.clone();
    ba.merge(&a).unwrap_or_else(|e| panic!("{e}"));
    let ab = ab.finish(&s, t);
    assert_eq!(ab.to_json(), report_json(ba, &s, t));
    let a = a.finish(&s, t);
    assert_eq!(ab.series.lag.len(), a.series.lag.len() + 1);
    assert_eq!(ab.series.lag.last(), Some(&7));
}

#[test]
fn consumers_merge_by_name() {
    let s = smoke();
    assert!(s.consumers.len() >= 2, "smoke has two consumers");
    let mut other = s.clone();
    other.consumers.swap(0, 1);
    other.consumers[0].name = "newcomer".to_owned();
    let mut a = Recorder::new(&s);
    a.alert_received(0, 1.0);
    a.alert_received(1, 2.0);
    let mut b = Recorder::new(&other);
    b.alert_received(0, 3.0); // newcomer
    b.alert_received(1, 4.0); // s.consumers[0], listed second in `other`
    a.merge(&b).unwrap_or_else(|e| panic!("{e}"));
    let r = a.finish(&s, 10.0);
    let names: Vec<_> = r.consumers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            s.consumers[0].name.as_str(),
            &s.consumers[1].name,
            "newcomer"
        ]
    );
    let received: Vec<_> = r.consumers.iter().map(|c| c.received).collect();
    assert_eq!(received, [2, 1, 1]);
    // 3 significant digits: the largest value reads back within 0.1%.
    let max = r.consumers[0].latency_s.max;
    assert!((max - 4.0).abs() < 4e-3, "{max}");
}

#[test]
fn recorders_of_other_intervals_or_visit_counts_do_not_merge() {
    let s = smoke();
    let mut a = Recorder::with_sample_interval(&s, 5.0);
    a.alert_delivered(0, 10, 1.0);
    let before = a.clone().finish(&s, 10.0).to_json();

    let mut b = Recorder::with_sample_interval(&s, 10.0);
    b.alert_delivered(0, 10, 1.0);
    let err = a.merge(&b).err();
    assert!(
        matches!(err, Some(MergeError::IntervalMismatch { ours, theirs }) if ours == 5.0 && theirs == 10.0),
        "{err:?}"
    );

    let mut longer = s.clone();
    longer.night.visits += 1;
    let mut c = Recorder::with_sample_interval(&longer, 5.0);
    c.alert_delivered(0, 10, 1.0);
    let err = a.merge(&c).err();
    assert!(
        matches!(err, Some(MergeError::VisitCountMismatch { .. })),
        "{err:?}"
    );
    assert!(err.is_some_and(|e| e.to_string().contains("visits")));
    // A refused merge leaves the recorder as it was.
    assert_eq!(a.finish(&s, 10.0).to_json(), before);
}

#[test]
fn files_of_another_format_or_version_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = smoke();
    let report = dir.path().join("report.json");
    std::fs::write(&report, common::synthetic_report(&s, 1.0, 0).to_json())
        .unwrap_or_else(|e| panic!("{e}"));
    let err = Recorder::load(&report).err();
    assert!(matches!(err, Some(MergeError::Format { .. })), "{err:?}");
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("report.json") && msg.contains("alertsim-recorder"),
        "{msg}"
    );

    let saved = dir.path().join("future.json");
    save(&Recorder::new(&s), &saved);
    let text = std::fs::read_to_string(&saved).unwrap_or_default();
    std::fs::write(&saved, text.replacen("\"version\":1", "\"version\":2", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = Recorder::load(&saved).err();
    assert!(matches!(err, Some(MergeError::Version { .. })), "{err:?}");
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("future.json") && msg.contains("version 2"),
        "{msg}"
    );

    let cases = [
        ("garbage.json", "not json at all"),
        ("array.json", "[1, 2, 3]"),
        (
            "bad-interval.json",
            &text.replacen("\"sample_interval_s\":10.0", "\"sample_interval_s\":0.0", 1),
        ),
        (
            "extra-field.json",
            &text.replacen("{", "{\"surprise\":1,", 1),
        ),
    ];
    for (name, content) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
        let msg = Recorder::load(&path).err().map(|e| e.to_string());
        assert!(
            msg.as_ref().is_some_and(|m| m.contains(name)),
            "{name}: {msg:?}"
        );
    }
    let missing = dir.path().join("missing.json");
    let err = Recorder::load(&missing).err();
    assert!(
        matches!(&err, Some(MergeError::Io { path, .. }) if *path == missing),
        "{err:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever floats were recorded, a saved recorder reads back to one
    /// that saves to the same text.
    #[test]
    fn any_recorder_survives_the_json_trip(
        latencies in proptest::collection::vec(any::<f64>(), 0..40),
        times in proptest::collection::vec(any::<f64>(), 0..10),
        pod in (any::<f64>(), any::<f64>(), any::<f64>()),
    ) {
        let s = smoke();
        let mut rec = Recorder::new(&s);
        for (i, &x) in latencies.iter().enumerate() {
            let visit = (i % 4) as u32;
            rec.alert_produced(visit, i as u64);
            rec.alert_delivered(visit, i as u64, x);
            rec.alert_received(i % 3, x);
        }
        for (i, &t) in times.iter().enumerate() {
            rec.visit_planned(i as u32, t, 1);
            rec.sample(t, Gauges { lag: i as u64, ..Gauges::default() });
        }
        rec.pod_time(pod.0, pod.1);
        rec.pod_started(pod.2);
        let text = serde_json::to_string(&rec).unwrap_or_else(|e| panic!("{e}"));
        let back: Recorder = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(serde_json::to_string(&back).unwrap_or_default(), text);
    }
}

/// The placement's bytes per broker survive a recorder file and add up
/// broker by broker when shards merge; the report's `capacity.per_broker`
/// carries the sums.
#[test]
fn broker_bytes_are_saved_and_merge_by_broker() {
    use alertsim_reports::metrics::capacity::BrokerBytes;
    let scenario = smoke();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bytes = |ingress| BrokerBytes {
        ingress,
        replication_in: 2 * ingress,
        replication_out: 3 * ingress,
    };
    let mut a = Recorder::new(&scenario);
    a.set_broker_bytes(vec![bytes(10), bytes(20)]);
    let mut b = Recorder::new(&scenario);
    b.set_broker_bytes(vec![bytes(1), bytes(2), bytes(4)]);
    let path = dir.path().join("b.json");
    save(&b, &path);
    a.merge(&load(&path)).unwrap_or_else(|e| panic!("{e}"));
    let report = a.finish(&scenario, 10.0);
    let per_broker: Vec<_> = report
        .capacity
        .per_broker
        .iter()
        .map(|p| {
            (
                p.ingress_bytes,
                p.replication_in_bytes,
                p.replication_out_bytes,
            )
        })
        .collect();
    assert_eq!(
        &per_broker[..3],
        &[(11, 22, 33), (22, 44, 66), (4, 8, 12)],
        "{per_broker:?}"
    );
}
