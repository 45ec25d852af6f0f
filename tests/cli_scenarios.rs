//! `alertsim scenarios list | check` through the binary: output and exit codes.

use std::process::{Command, Output};

fn alertsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| panic!("cannot run alertsim: {e}"))
}

fn write_temp(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let p = path.display().to_string();
    (dir, p)
}

#[test]
fn list_shows_every_catalogue_entry_with_its_description() {
    let out = alertsim(&["scenarios", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["rubin-night", "galactic-plane-burst", "smoke"] {
        let line = text.lines().find(|l| l.starts_with(name));
        let line = line.unwrap_or_else(|| panic!("{name} missing from:\n{text}"));
        assert!(line.len() > name.len() + 10, "no description: {line}");
    }
}

#[test]
fn check_by_name_works_from_any_directory() {
    let out = alertsim(&["scenarios", "check", "rubin-night"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ok: rubin-night"), "{text}");
    assert!(text.contains("1000 visits"), "{text}");
}

#[test]
fn check_a_valid_file_with_overrides() {
    let (_dir, path) = write_temp("mine.toml", "[night]\nvisits = 12\n");
    let out = alertsim(&["scenarios", "check", &path, "--set", "night.visits=40"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("40 visits"));
}

#[test]
fn unknown_key_exits_2_with_file_line_column_and_expected() {
    let (_dir, path) = write_temp(
        "bad.toml",
        "name = \"b\"\n[scaler]\nstrategy = \"eager\"\nmax_replica = 5\n",
    );
    let out = alertsim(&["scenarios", "check", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{path}:4:1: unknown field `max_replica`")),
        "{err}"
    );
    assert!(err.contains("(expected one of"), "{err}");
}

#[test]
fn wrong_type_and_impossible_value_exit_2_with_positions() {
    let (_dir, path) = write_temp("bad.toml", "[night]\nvisits = \"lots\"\n");
    let out = alertsim(&["scenarios", "check", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path}:2:10: ")), "{err}");
    assert!(err.contains("(expected a non-negative integer)"), "{err}");

    let (_dir2, path2) = write_temp("bad2.toml", "[gates]\n\nmax_failed_visit_fraction = 2\n");
    let out = alertsim(&["scenarios", "check", &path2]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path2}:3:1: ")), "{err}");
    assert!(err.contains("(expected a number in [0, 1])"), "{err}");
}

#[test]
fn keda_releases_are_the_listed_ones_and_their_crd_refusals_exit_2() {
    let (_dir, path) = write_temp("k.toml", "[scaler]\nkeda_version = \"2.15\"\n");
    let out = alertsim(&["scenarios", "check", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path}:2:")), "{err}");
    assert!(
        err.contains("2.16, 2.16.1, 2.17, 2.18, 2.19, 2.20, 2.20.2, current"),
        "{err}"
    );
    // KEDA 2.20's CRD refuses Rubin's `rollout.strategy: default`.
    let (_dir, path) = write_temp(
        "r.toml",
        "[scaler]\nkeda_version = \"2.20.2\"\nrollout = \"default\"\n",
    );
    let out = alertsim(&["scenarios", "check", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path}:3:")), "{err}");
    assert!(
        err.contains("rollout.strategy: default") && err.contains("immediate"),
        "{err}"
    );
    for (release, rollout) in [
        ("2.17", "default"),
        ("2.20.2", "immediate"),
        ("2.20", "gradual"),
    ] {
        let out = alertsim(&[
            "scenarios",
            "check",
            "smoke",
            "--set",
            &format!("scaler.keda_version=\"{release}\""),
            "--set",
            &format!("scaler.rollout={rollout}"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{release} {rollout}: {out:?}");
    }
}

#[test]
fn bad_set_and_unknown_names_exit_2() {
    let out = alertsim(&[
        "scenarios",
        "check",
        "smoke",
        "--set",
        "scaler.polling_interval_s=0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--set scaler.polling_interval_s=0"), "{err}");
    assert!(err.contains("expected a number > 0"), "{err}");

    let out = alertsim(&["scenarios", "check", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rubin-night"));

    let (_dir, path) = write_temp("unreadable.toml", "");
    let dir_path = std::path::Path::new(&path)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let out = alertsim(&["scenarios", "check", &dir_path]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn show_prints_toml_that_checks_back_to_the_same_scenario() {
    let out = alertsim(&[
        "scenarios",
        "show",
        "smoke",
        "--set",
        "gates.p98_latency_s=30",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("p98_latency_s = 30"), "{text}");
    let (_dir, path) = write_temp("shown.toml", &text);
    let again = alertsim(&["scenarios", "show", &path]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(["scenarios", "show", "galactic-plane-burst"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("alertsim runs");
    // Read nothing and close the pipe, as `| head -0` would.
    drop(child.stdout.take());
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("alertsim ends");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(status.code(), Some(0 | 141)), "{status:?}");
}
