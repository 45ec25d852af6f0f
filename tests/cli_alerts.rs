//! Tests of `alertsim alerts` through the built binary: generate then decode
//! round trips, determinism, bad files (exit 2, file named), help and bench.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn alertsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(args)
        .output()
        .expect("runs the binary")
}

fn generate(dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let out = dir.to_str().expect("utf-8 path");
    let mut args = vec!["alerts", "generate", "--out", out];
    args.extend_from_slice(extra);
    let output = alertsim(&args);
    assert!(
        output.status.success(),
        "generate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("output directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    files
}

fn decode(files: &[PathBuf]) -> Output {
    let mut args = vec!["alerts".to_owned(), "decode".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    alertsim(&args)
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn generate_then_decode_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path(), &["--count", "12", "--seed", "3"]);
    assert_eq!(files.len(), 12);
    let output = decode(&files);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let alerts = json_lines(&output);
    assert_eq!(alerts.len(), 12);
    for (file, alert) in files.iter().zip(&alerts) {
        let id = alert["diaSourceId"].as_i64().expect("diaSourceId");
        assert_eq!(
            file.file_name().unwrap().to_str(),
            Some(&*format!("{id}.avro"))
        );
        assert_eq!(alert["diaSource"]["diaSourceId"].as_i64(), Some(id));
        let bbox = alert["diaSource"]["bboxSize"].as_i64().unwrap();
        for cutout in ["cutoutDifference", "cutoutScience", "cutoutTemplate"] {
            let summary = &alert[cutout];
            assert_eq!(summary["fits_side"].as_i64(), Some(bbox.clamp(30, 102)));
            assert_eq!(summary["bytes"].as_u64().unwrap() % 2880, 0);
            assert_eq!(summary["sha256"].as_str().map(str::len), Some(64));
            assert_eq!(
                summary["hdus"],
                serde_json::json!(["IMAGE", "VARIANCE", "PSF"])
            );
        }
    }
}

#[test]
fn container_format_writes_one_file_per_visit_detector() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(
        dir.path(),
        &[
            "--count",
            "7",
            "--format",
            "container",
            "--alerts-per-detector",
            "3",
            "--no-cutouts",
        ],
    );
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "2025081600001_0.avro",
            "2025081600001_1.avro",
            "2025081600001_2.avro"
        ]
    );
    let output = decode(&files);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let alerts = json_lines(&output);
    assert_eq!(alerts.len(), 7);
    let detectors: Vec<_> = alerts
        .iter()
        .map(|a| a["diaSource"]["detector"].as_i64().unwrap())
        .collect();
    assert_eq!(detectors, [0, 0, 0, 1, 1, 1, 2]);
    // The same alerts as the wire format gives for the same seed.
    let wire_dir = tempfile::tempdir().unwrap();
    let wire = generate(
        wire_dir.path(),
        &["--count", "7", "--alerts-per-detector", "3", "--no-cutouts"],
    );
    assert_eq!(json_lines(&decode(&wire)), alerts);
}

#[test]
fn same_seed_same_files_different_seed_different() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let args = ["--count", "6", "--seed", "11", "--no-cutouts"];
    let first = generate(a.path(), &args);
    let second = generate(b.path(), &args);
    let other = generate(c.path(), &["--count", "6", "--seed", "12", "--no-cutouts"]);
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
    for (x, y) in first.iter().zip(&other) {
        assert_ne!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
}

#[test]
fn solar_system_fraction_one_gives_solar_system_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(
        dir.path(),
        &[
            "--count",
            "5",
            "--solar-system-fraction",
            "1",
            "--no-cutouts",
        ],
    );
    let alerts = json_lines(&decode(&files));
    assert_eq!(alerts.len(), 5);
    for alert in alerts {
        assert_eq!(alert["diaSource"]["diaObjectId"].as_i64(), Some(0));
        assert!(alert["ssSource"].is_object() && alert["mpc_orbits"].is_object());
        assert!(alert["diaObject"].is_null() && alert["prvDiaSources"].is_null());
        assert!(alert["cutoutScience"].is_null());
    }
}

#[test]
fn bad_files_exit_2_naming_the_file_after_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let good = generate(&dir.path().join("good"), &["--count", "2", "--no-cutouts"]);
    let garbage = dir.path().join("garbage.avro");
    std::fs::write(&garbage, b"this is not an alert").unwrap();
    let truncated = dir.path().join("truncated.avro");
    let bytes = std::fs::read(&good[0]).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let missing = dir.path().join("missing.avro");

    let files = vec![
        good[0].clone(),
        garbage.clone(),
        truncated.clone(),
        missing.clone(),
        good[1].clone(),
    ];
    let output = decode(&files);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_lines(&output).len(), 2, "the good files still decode");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for bad in [&garbage, &truncated, &missing] {
        assert!(stderr.contains(&bad.display().to_string()), "{stderr}");
    }
    assert!(
        stderr.contains("expected a Confluent wire-format alert"),
        "{stderr}"
    );
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn bad_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = alertsim(&[
        "alerts",
        "generate",
        "--count",
        "1",
        "--out",
        out,
        "--solar-system-fraction",
        "1.5",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--solar-system-fraction"));
    let output = alertsim(&[
        "alerts", "generate", "--count", "1", "--out", out, "--format", "xml",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_is_available_for_every_subcommand() {
    for (args, needle) in [
        (vec!["alerts", "--help"], "generate"),
        (
            vec!["alerts", "generate", "--help"],
            "--solar-system-fraction",
        ),
        (vec!["alerts", "decode", "--help"], "FILE"),
        (vec!["alerts", "bench", "--help"], "--count"),
    ] {
        let output = alertsim(&args);
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains(needle),
            "{args:?}"
        );
    }
}

#[test]
fn bench_prints_one_json_line_of_rates() {
    let output = alertsim(&["alerts", "bench", "--count", "3"]);
    assert!(output.status.success());
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["encode_alerts_per_s"].as_f64().unwrap() > 0.0);
    assert!(lines[0]["decode_alerts_per_s"].as_f64().unwrap() > 0.0);
    assert!(lines[0]["alert_bytes"].as_u64().unwrap() > 50_000);
}
