//! The lint on the reference manifests: both known defects on the
//! defective set, nothing on the corrected one, and for every rule a
//! change of the corrected set that only that rule reports (so each test
//! fails without its rule).

mod common;

use std::path::Path;

use alertsim_scenarios::lint::values::load_values;
use alertsim_scenarios::lint::{KedaVersion, LintInput, LintReport, NodePool, Severity, lint};
use alertsim_scenarios::manifests::InputFile;
use common::{fixtures, load, set_files};

struct Options {
    keda: KedaVersion,
    pool: NodePool,
    largest: u64,
    values: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keda: KedaVersion::RUBIN,
            pool: NodePool {
                nodes: 64,
                cpus_per_node: 32.0,
                memory_gib_per_node: 128.0,
                source: "test".into(),
            },
            largest: 100_000,
            values: true,
        }
    }
}

fn run(dir: &Path, set: &str, files: &[InputFile], o: &Options) -> LintReport {
    let manifests = load(files);
    let values = if o.values {
        let v = dir.join(set).join("values").display().to_string();
        load_values(&[v]).unwrap_or_else(|e| panic!("{e}"))
    } else {
        Vec::new()
    };
    lint(&LintInput {
        manifests: &manifests,
        values: &values,
        keda: o.keda,
        pool: o.pool.clone(),
        largest_alert: Some((o.largest, "test".into())),
        detectors_per_visit: Some((189, "test".into())),
    })
}

/// The corrected set with `from` replaced by `to` in `file` (exactly once
/// after the first occurrence of `after`).
fn changed(dir: &Path, file: &str, after: &str, from: &str, to: &str) -> Vec<InputFile> {
    let mut files = set_files(dir, "corrected");
    let f = files
        .iter_mut()
        .find(|f| f.name == file)
        .unwrap_or_else(|| panic!("{file}"));
    let start = f
        .text
        .find(after)
        .unwrap_or_else(|| panic!("`{after}` not in {file}"));
    let at = f.text[start..]
        .find(from)
        .map(|i| start + i)
        .unwrap_or_else(|| panic!("`{from}` not after `{after}` in {file}"));
    f.text.replace_range(at..at + from.len(), to);
    files
}

fn only_rule(report: &LintReport, rule: &str) {
    assert!(!report.findings.is_empty(), "{rule}: nothing found");
    let others: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule != rule)
        .map(ToString::to_string)
        .collect();
    assert!(others.is_empty(), "other rules fired: {others:?}");
}

#[test]
fn both_known_defects_on_the_defective_set() {
    let Some(dir) = fixtures() else { return };
    let report = run(
        &dir,
        "defective",
        &set_files(&dir, "defective"),
        &Options::default(),
    );
    let text: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    let retention = report.findings.iter().find(|f| {
        f.rule == "topic-retention"
            && f.severity == Severity::Error
            && f.object == "KafkaTopic/lsst-alerts-v11"
            && f.field == "spec.config[retention.ms]"
    });
    let reason = retention.map(|f| f.reason.clone()).unwrap_or_default();
    assert!(reason.contains("2629740000 ms (30.4 days)"), "{text:#?}");
    assert!(reason.contains("7.0 days"), "{reason}");
    assert!(reason.contains("millisecondsRetained"), "{reason}");
    let user = report.findings.iter().find(|f| {
        f.rule == "producer-user"
            && f.severity == Severity::Error
            && f.object == "KafkaUser/prompt-alert"
    });
    let reason = user.map(|f| f.reason.clone()).unwrap_or_default();
    assert!(
        reason.contains("alert-brokers.serviceAccounts[0].username"),
        "{text:#?}"
    );
    assert_eq!(report.errors(), 3, "{text:#?}");
}

#[test]
fn nothing_on_the_corrected_set() {
    let Some(dir) = fixtures() else { return };
    let report = run(
        &dir,
        "corrected",
        &set_files(&dir, "corrected"),
        &Options::default(),
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
}

#[test]
fn topic_retention_differs_from_values() {
    let Some(dir) = fixtures() else { return };
    let files = changed(
        &dir,
        "alert-brokers.yaml",
        "name: lsst-alerts-v11",
        "retention.ms: 2629740000",
        "retention.ms: 604800000",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "topic-retention");
    assert!(
        report.findings[0]
            .reason
            .contains("has 604800000 ms (7.0 days)"),
        "{}",
        report.findings[0]
    );
    // Without the values there is nothing to compare with.
    let report = run(
        &dir,
        "corrected",
        &files,
        &Options {
            values: false,
            ..Options::default()
        },
    );
    assert!(report.findings.is_empty());
    assert_eq!(report.skipped.len(), 1);
}

#[test]
fn producer_without_write_or_with_the_wrong_authentication() {
    let Some(dir) = fixtures() else { return };
    let no_write = changed(
        &dir,
        "alert-brokers.yaml",
        "name: \"prompt-alert\"",
        "name: \"lsst-alerts-v11\"",
        "name: \"lsst-alerts-v10\"",
    );
    let report = run(&dir, "corrected", &no_write, &Options::default());
    only_rule(&report, "producer-user");
    assert!(
        report.findings[0]
            .reason
            .contains("no ACL of `prompt-alert` allows Write on `lsst-alerts-v11`")
    );
    let tls = changed(
        &dir,
        "alert-brokers.yaml",
        "name: \"prompt-alert\"",
        "type: scram-sha-512",
        "type: tls",
    );
    let report = run(&dir, "corrected", &tls, &Options::default());
    only_rule(&report, "producer-user");
    assert!(
        report.findings[0].reason.contains("listener `plain`"),
        "{}",
        report.findings[0]
    );
}

#[test]
fn reader_that_cannot_read_the_current_topic() {
    let Some(dir) = fixtures() else { return };
    let files = changed(
        &dir,
        "alert-brokers.yaml",
        "name: \"fink-usdf\"",
        "name: \"lsst-alerts-v11\"",
        "name: \"lsst-alerts-v10\"",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "reader-access");
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].object, "KafkaUser/fink-usdf");
}

#[test]
fn rollout_strategy_rejected_by_keda_2_20() {
    let Some(dir) = fixtures() else { return };
    let files = set_files(&dir, "corrected");
    let keda = |v: &str| KedaVersion::parse(v).unwrap_or(KedaVersion::RUBIN);
    let report = run(
        &dir,
        "corrected",
        &files,
        &Options {
            keda: keda("2.20.2"),
            ..Options::default()
        },
    );
    only_rule(&report, "keda-release");
    assert_eq!(report.findings[0].field, "spec.rollout.strategy");
    for v in ["2.17", "2.18", "2.19"] {
        assert!(
            run(
                &dir,
                "corrected",
                &files,
                &Options {
                    keda: keda(v),
                    ..Options::default()
                }
            )
            .findings
            .is_empty()
        );
    }
    let gradual = changed(
        &dir,
        "prompt-keda.yaml",
        "rollout:",
        "strategy: default",
        "strategy: gradual",
    );
    assert!(
        run(
            &dir,
            "corrected",
            &gradual,
            &Options {
                keda: keda("2.20.2"),
                ..Options::default()
            }
        )
        .findings
        .is_empty()
    );
}

#[test]
fn activation_lag_count_zero_on_2_16() {
    let Some(dir) = fixtures() else { return };
    let files = changed(
        &dir,
        "prompt-keda.yaml",
        "kind: ScaledJob",
        "activationLagCount: \"1\"",
        "activationLagCount: \"0\"",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "keda-release");
    assert!(report.findings[0].field.ends_with("activationLagCount"));
    let v217 = KedaVersion::parse("2.17").unwrap_or(KedaVersion::RUBIN);
    assert!(
        run(
            &dir,
            "corrected",
            &files,
            &Options {
                keda: v217,
                ..Options::default()
            }
        )
        .findings
        .is_empty()
    );
}

#[test]
fn max_replicas_above_the_node_pool() {
    let Some(dir) = fixtures() else { return };
    let small = NodePool {
        nodes: 10,
        cpus_per_node: 32.0,
        memory_gib_per_node: 128.0,
        source: "test".into(),
    };
    let report = run(
        &dir,
        "corrected",
        &set_files(&dir, "corrected"),
        &Options {
            pool: small,
            ..Options::default()
        },
    );
    only_rule(&report, "node-pool");
    assert!(
        report.findings[0]
            .reason
            .contains("at most 320 worker pods"),
        "{}",
        report.findings[0]
    );
    assert_eq!(report.errors(), 0);
}

#[test]
fn alerts_larger_than_the_topic_takes() {
    let Some(dir) = fixtures() else { return };
    let report = run(
        &dir,
        "corrected",
        &set_files(&dir, "corrected"),
        &Options {
            largest: 11_000_000,
            ..Options::default()
        },
    );
    only_rule(&report, "message-size");
    // Both topics the producer writes.
    assert_eq!(report.findings.len(), 2);
    let files = changed(
        &dir,
        "alert-brokers.yaml",
        "name: lsst-alerts-v11",
        "retention.bytes: 300000000000",
        "retention.bytes: 300000000000\n    max.message.bytes: 50000",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "message-size");
    assert!(report.findings[0].reason.contains("at most 50000 bytes"));
}

#[test]
fn registry_compatibility_does_not_stop_the_sync_job() {
    // The sync imports in IMPORT mode, which skips compatibility checks, so
    // no level is a finding (an earlier rule claimed otherwise).
    let Some(dir) = fixtures() else { return };
    let clean = run(
        &dir,
        "corrected",
        &set_files(&dir, "corrected"),
        &Options::default(),
    );
    for (from, to) in [
        (
            "compatibilityLevel: \"none\"",
            "compatibilityLevel: \"backward\"",
        ),
        ("  compatibilityLevel: \"none\"\n", ""),
    ] {
        let files = changed(
            &dir,
            "schema-registry.yaml",
            "kind: StrimziSchemaRegistry",
            from,
            to,
        );
        let report = run(&dir, "corrected", &files, &Options::default());
        assert_eq!(report.findings, clean.findings, "{to:?}");
    }
}

#[test]
fn min_replicas_counting_against_max() {
    let Some(dir) = fixtures() else { return };
    let files = changed(
        &dir,
        "prompt-keda.yaml",
        "kind: ScaledJob",
        "maxReplicaCount: 1700",
        "maxReplicaCount: 174",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "min-replicas");
    let reason = &report.findings[0].reason;
    assert!(reason.contains("at most 171 Jobs"), "{reason}");
    assert!(reason.contains("172 active detectors"), "{reason}");
    assert!(reason.contains("72 CPU-hours a day"), "{reason}");
    let stuck = changed(
        &dir,
        "prompt-keda.yaml",
        "kind: ScaledJob",
        "maxReplicaCount: 1700",
        "maxReplicaCount: 3",
    );
    let report = run(&dir, "corrected", &stuck, &Options::default());
    assert!(
        report
            .of_rule("min-replicas")
            .iter()
            .any(|f| f.severity == Severity::Error)
    );
}

#[test]
fn repeated_key_with_different_values() {
    let Some(dir) = fixtures() else { return };
    let files = changed(
        &dir,
        "sasquatch-kafka.yaml",
        "message.max.bytes",
        "min.insync.replicas: 2",
        "min.insync.replicas: 3",
    );
    let report = run(&dir, "corrected", &files, &Options::default());
    only_rule(&report, "duplicate-keys");
    assert!(
        report.findings[0]
            .reason
            .contains("2 at line 272 and 3 at line 275"),
        "{}",
        report.findings[0]
    );
}
