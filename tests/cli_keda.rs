//! Command-line tests of `alertsim keda decide`: one state from flags, a JSON
//! batch on stdin (one trigger or several), a bad batch line (exit 2), and the cross-check against the
//! independent Python reference in `scripts/keda_reference.py`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

fn decide(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["keda", "decide"])
        .args(args)
        .output()
        .expect("run alertsim")
}

fn decide_batch(input: &str) -> Output {
    run_with_stdin(&["keda", "decide", "--batch"], input)
}

fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn alertsim");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait alertsim")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn creates(out: &Output) -> Vec<u64> {
    stdout(out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON answer");
            v["create"].as_u64().expect("create is a count")
        })
        .collect()
}

#[test]
fn defaults_are_rubin_production_and_top_up_to_three() {
    let out = decide(&[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim(), r#"{"create": 3}"#);
}

#[test]
fn eager_creates_the_lag_again_while_jobs_are_pending() {
    let first = decide(&["--queue-length", "189", "--running", "3"]);
    assert_eq!(creates(&first), [189]);
    let again = decide(&[
        "--queue-length",
        "189",
        "--running",
        "192",
        "--pending",
        "189",
    ]);
    assert_eq!(creates(&again), [189]);
    let capped = decide(&[
        "--queue-length",
        "189",
        "--running",
        "1600",
        "--pending",
        "0",
    ]);
    assert_eq!(creates(&capped), [100]);
}

#[test]
fn activation_is_strictly_greater_on_the_command_line() {
    let base = ["--min-replicas", "0", "--strategy", "default"];
    let one = decide(&[&base[..], &["--queue-length", "1"]].concat());
    let two = decide(&[&base[..], &["--queue-length", "2"]].concat());
    assert_eq!((creates(&one), creates(&two)), (vec![0], vec![2]));
}

#[test]
fn explain_prints_the_whole_decision() {
    let out = decide(&[
        "--strategy",
        "accurate",
        "--keda-version",
        "current",
        "--queue-length",
        "8",
        "--min-replicas",
        "0",
        "--max-replicas",
        "10",
        "--running",
        "5",
        "--pending",
        "4",
        "--activation",
        "0",
        "--explain",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("JSON");
    assert_eq!(v["branch"]["strategy"], "accurate");
    assert_eq!(v["max_scale"], 8);
    assert_eq!(v["create"], 4);
}

#[test]
fn batch_answers_each_line_in_order_and_versions_differ() {
    let line = |version: &str| {
        format!(
            r#"{{"strategy":"accurate","keda_version":"{version}","min_replicas":0,"max_replicas":10,"queue_length":8,"target":1,"activation":0,"running":5,"pending":4}}"#
        )
    };
    let custom = r#"{"strategy":"custom","keda_version":"current","min_replicas":0,"max_replicas":100,"queue_length":20,"target":1,"activation":0,"running":7,"pending":0,"custom_deduction":1,"custom_running_percentage":0.5}"#;
    let input = format!("{}\n\n{}\n{custom}\n", line("2.16"), line("current"));
    let out = decide_batch(&input);
    assert!(out.status.success(), "{out:?}");
    // 2.16.1: 8 + 5 > 10 so 10 - 5; current: 8 + 5 - 4 <= 10 so 8 - 4;
    // custom: 20 - 1 - trunc(7 * 0.5).
    assert_eq!(creates(&out), [5, 4, 16]);
}

#[test]
fn batch_takes_the_release_from_the_flag_when_a_line_names_none() {
    // The accurate strategy's cap test subtracts the pending Jobs from 2.19
    // (#7417): 8 + 5 > 10 gives 10 - 5 before, 8 + 5 - 4 <= 10 gives 8 - 4.
    let line = r#"{"strategy":"accurate","min_replicas":0,"max_replicas":10,"queue_length":8,"target":1,"activation":0,"running":5,"pending":4}"#;
    for (release, create) in [
        ("2.16", 5),
        ("2.17", 5),
        ("2.18", 5),
        ("2.19", 4),
        ("2.20", 4),
        ("2.20.2", 4),
    ] {
        let out = run_with_stdin(
            &["keda", "decide", "--batch", "--keda-version", release],
            &format!("{line}\n"),
        );
        assert!(out.status.success(), "{release}: {out:?}");
        assert_eq!(creates(&out), [create], "{release}");
    }
    // The custom strategy without a deduction panics up to 2.20.1.
    let custom = r#"{"strategy":"custom","min_replicas":0,"max_replicas":100,"queue_length":20,"target":1,"activation":0,"running":7,"pending":0,"custom_running_percentage":0.5}"#;
    for (release, create) in [("2.20", 0), ("2.20.2", 17)] {
        let out = run_with_stdin(
            &["keda", "decide", "--batch", "--keda-version", release],
            &format!("{custom}\n"),
        );
        assert_eq!(creates(&out), [create], "{release}");
    }
    let out = run_with_stdin(
        &["keda", "decide", "--batch", "--keda-version", "2.21"],
        &format!("{line}\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("2.20.2"));
}

#[test]
fn a_bad_line_exits_2_naming_the_line_after_earlier_answers() {
    let good = r#"{"strategy":"eager","keda_version":"2.16","min_replicas":3,"max_replicas":1700,"queue_length":10,"target":1,"activation":1,"running":3,"pending":0}"#;
    let bad = good.replace(r#""keda_version":"2.16""#, r#""keda_version":"2.20.1""#);
    let out = decide_batch(&format!("{good}\n{bad}\n{good}\n"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(creates(&out), [10]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin line 2"), "{err}");
    assert!(
        err.contains("keda_version") && err.contains("current"),
        "{err}"
    );

    let out = decide_batch("not json\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdin line 1"));
}

#[test]
fn a_batch_line_may_give_several_triggers() {
    // Two active triggers, 10 and 4 messages at target 1, and an inactive
    // one: max takes 10, sum 14, min 4; a bad triggers item exits 2.
    let line = |calc: &str| {
        format!(
            r#"{{"strategy":"default","min_replicas":0,"max_replicas":100,"running":0,"pending":0,"multiple_scalers_calculation":"{calc}","triggers":[{{"queue_length":10,"target":1,"activation":0}},{{"queue_length":4,"target":1,"activation":0}},{{"queue_length":50,"target":1,"activation":50}}]}}"#
        )
    };
    let input: String = ["max", "sum", "min", "avg"]
        .iter()
        .map(|calc| line(calc) + "\n")
        .collect();
    let out = decide_batch(&input);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(creates(&out), [10, 14, 4, 7]);

    let bad = line("max").replace(r#"{"queue_length":4,"target":1,"activation":0}"#, "4");
    let out = decide_batch(&format!("{}\n{bad}\n", line("max")));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(creates(&out), [10]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stdin line 2") && err.contains("\"triggers\" item 2"),
        "{err}"
    );
}

#[test]
fn matches_the_independent_python_reference() {
    let have_python = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_python {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is missing, and CI=true does not allow skipping the reference cross-check"
        );
        eprintln!("python3 not found: skipping the reference cross-check");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/keda_reference.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--binary", BIN, "--count", "5000", "--seed", "20261122"])
        .output()
        .expect("run the reference");
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("5000 passed, 0 failed"), "{text}");
}
