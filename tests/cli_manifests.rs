//! `alertsim scenarios import | lint` and `alertsim sim --from-manifests`
//! through the binary, on the reference manifests
//! (`../shared/reference/manifests/`, read in place; under `CI=true` their
//! absence fails the tests): the import checks and simulates, malformed YAML
//! exits 2 with file and line, the lint exits 1 on the defective set and 0
//! on the corrected one, and the imported night equals the catalogue's
//! `rubin-night` once the stated differences are applied to the latter.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

fn fixtures() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/manifests");
    let machine = PathBuf::from("/work/shared/reference/manifests");
    let found = [beside, machine]
        .into_iter()
        .find(|d| d.join("facts.tsv").is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "the reference manifests (../shared/reference/manifests) are missing"
        );
        eprintln!("skipped: the reference manifests are not beside the repository");
    }
    found
}

fn alertsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run alertsim: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &std::path::Path) -> String {
    p.display().to_string()
}

#[test]
fn import_writes_a_scenario_that_checks() {
    let Some(dir) = fixtures() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("prod.toml");
    let o = alertsim(&[
        "scenarios",
        "import",
        &path(&dir.join("defective")),
        "--out",
        &path(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let toml = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        toml.contains(
            "max_replicas = 1700  # ScaledJob/prompt-keda-lsstcam spec.maxReplicaCount ("
        ),
        "{toml}"
    );
    assert!(toml.contains("active_detectors = 172"), "{toml}");
    assert!(toml.contains("# ---- not modelled yet"), "{toml}");
    let o = alertsim(&["scenarios", "check", &path(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("172/189 detectors"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn import_reads_standard_input() {
    let Some(dir) = fixtures() else { return };
    let manifest = std::fs::read(dir.join("defective/prompt-keda.yaml")).unwrap_or_default();
    let mut child = Command::new(BIN)
        .args(["scenarios", "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("alertsim runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&manifest).expect("written");
    }
    let o = child.wait_with_output().expect("alertsim ends");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("name = \"imported\""), "{out}");
    assert!(out.contains("strategy = \"eager\"  # ScaledJob/prompt-keda-lsstcam spec.scalingStrategy.strategy (-:"), "{out}");
    assert!(
        out.contains("# kafka.brokers: no Strimzi Kafka resource in the input"),
        "{out}"
    );
}

#[test]
fn malformed_yaml_exits_2_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "---\nkind: ScaledJob\nmetadata:\n  name: x\nspec:\n  triggers: [1, 2\n  maxReplicaCount: 3\n")
        .expect("written");
    for command in ["import", "lint"] {
        let o = alertsim(&["scenarios", command, &path(&bad)]);
        assert_eq!(o.status.code(), Some(2), "{command}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("{}:7:", path(&bad))),
            "{command}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = alertsim(&[
        "scenarios",
        "import",
        &path(&tmp.path().join("missing.yaml")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = alertsim(&["scenarios", "lint", &path(&bad), "--keda-version", "2.9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--keda-version"));
}

#[test]
fn lint_exits_1_on_the_defects_and_0_on_the_corrected_set() {
    let Some(dir) = fixtures() else { return };
    let d = path(&dir.join("defective"));
    let o = alertsim(&["scenarios", "lint", &d, "--values", &format!("{d}/values")]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("error: KafkaTopic/lsst-alerts-v11 spec.config[retention.ms]"),
        "{out}"
    );
    assert!(
        out.contains("error: KafkaUser/prompt-alert (absent)"),
        "{out}"
    );
    let c = path(&dir.join("corrected"));
    let o = alertsim(&["scenarios", "lint", &c, "--values", &format!("{c}/values")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains("0 error(s), 0 warning(s)"),
        "{}",
        text(&o.stdout)
    );
    let o = alertsim(&[
        "scenarios",
        "lint",
        &c,
        "--keda-version",
        "2.20.2",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(report["findings"][0]["rule"], "keda-release");
    assert_eq!(report["findings"][0]["field"], "spec.rollout.strategy");
}

#[test]
fn imported_night_is_rubin_night_with_the_stated_differences() {
    let Some(dir) = fixtures() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("catalogue"), tmp.path().join("imported"));
    let consumers = [
        "alerce-usdf",
        "ampel-usdf",
        "antares-usdf",
        "babamul-usdf",
        "fink-usdf",
        "lasair-usdf",
        "pittgoogle-usdf",
        "poi-usdf",
        "snaps-usdf",
    ]
    .iter()
    .map(|n| format!("{{name=\"{n}\"}}"))
    .collect::<Vec<_>>()
    .join(",");
    let consumers = format!("consumers=[{consumers}]");
    let visits = "night.visits=150";
    let catalogue = std::thread::scope(|s| {
        let run = s.spawn(|| {
            alertsim(&[
                "sim",
                "rubin-night",
                "--out",
                &path(&a),
                "--set",
                visits,
                "--set",
                "night.gaps=[]",
                "--set",
                "night.active_detectors=172",
                "--set",
                &consumers,
            ])
        });
        let imported = alertsim(&[
            "sim",
            "--from-manifests",
            &path(&dir.join("defective")),
            "--out",
            &path(&b),
            "--set",
            visits,
        ]);
        assert!(
            matches!(imported.status.code(), Some(0 | 1)),
            "{}",
            text(&imported.stderr)
        );
        run.join().expect("thread")
    });
    assert!(
        matches!(catalogue.status.code(), Some(0 | 1)),
        "{}",
        text(&catalogue.stderr)
    );
    let read = |d: &PathBuf| {
        std::fs::read_to_string(d.join("report.json"))
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                !l.contains("\"name\":")
                    && !l.contains("\"description\":")
                    && !l.contains("\"scenario\":")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (ra, rb) = (read(&a), read(&b));
    assert!(ra.len() > 1000);
    assert!(
        ra == rb,
        "report.json differs beyond the scenario's name and description"
    );
}
