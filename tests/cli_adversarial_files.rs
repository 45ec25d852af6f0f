//! The commands that read files, stdin or service flags, tried with hostile
//! input: `compare`, `merge`, `alerts generate|decode|bench`, `keda decide`
//! and `--batch`, `replay`, `worker`, `registry serve`, `broker serve`,
//! `publish`: empty, truncated, 64 GiB sparse and non-UTF-8 files, deeply
//! nested JSON, reports and recorders of another format version, wrong
//! types, huge, negative, NaN and infinite numbers. Each must exit 2 with a
//! message naming the input, never panic or abort. No service is needed:
//! every input here is refused before one would be used; the reports and
//! shard outputs they need are made by the tests themselves.

#[path = "adversarial/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{hostile, refused, run, run_with, s};

/// A report.json of the smoke scenario, written by `alertsim sim`.
fn smoke_report(dir: &Path) -> PathBuf {
    let out = dir.join("smoke");
    let o = run(&["sim", "smoke", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    out.join("report.json")
}

/// The same JSON with `edit` applied.
fn edited(path: &Path, to: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    edit(&mut value);
    std::fs::write(to, value.to_string()).expect("write");
    to.to_owned()
}

#[test]
fn compare_refuses_hostile_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    let good = smoke_report(dir.path());
    let truncated = dir.path().join("truncated.json");
    let text = std::fs::read(&good).expect("read");
    std::fs::write(&truncated, &text[..text.len() / 2]).expect("w");
    let other_version = edited(&good, &dir.path().join("v999.json"), |v| {
        v["format_version"] = 999.into();
    });
    let wrong_type = edited(&good, &dir.path().join("wrong.json"), |v| {
        v["format_version"] = "1".into();
    });
    for bad in [
        &h.empty,
        &h.binary,
        &h.deep_json,
        &truncated,
        &other_version,
        &wrong_type,
    ] {
        let name = bad.file_name().and_then(|n| n.to_str()).unwrap_or("");
        refused(&run(&["compare", s(&good), s(bad)]), &[name]);
        refused(&run(&["compare", s(bad), s(&good)]), &[name]);
    }
    refused(
        &run(&["compare", s(&good), s(&h.sparse)]),
        &["sparse.bin", "limit"],
    );
    for tolerance in ["nan", "inf", "-5", "1e999", "five"] {
        let flag = format!("--tolerance={tolerance}");
        refused(
            &run(&["compare", s(&good), s(&good), &flag]),
            &["--tolerance"],
        );
    }
}

/// A shard directory as `alertsim load` leaves it, made from the
/// reports library (the same code load uses).
fn shard_dir(dir: &Path) -> PathBuf {
    let shard = dir.join("shard");
    std::fs::create_dir_all(&shard).expect("dir");
    let scenario = alertsim_scenarios::Scenario::resolve("smoke", &[]).expect("smoke");
    let recorder = alertsim_reports::Recorder::new(&scenario);
    recorder.save(&shard.join("recorder.json")).expect("save");
    let report = recorder.finish(&scenario, 100.0);
    alertsim_reports::write_reports(&report, &shard).expect("reports");
    std::fs::write(shard.join("load-info.json"), r#"{"shard": "0/1"}"#).expect("load-info");
    shard
}

#[test]
fn merge_refuses_hostile_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    let good = shard_dir(dir.path());
    let out = dir.path().join("merged");
    let merged = run(&["merge", s(&good), "--out", s(&out)]);
    assert_ne!(merged.status.code(), Some(2), "{merged:?}");
    let variant = |name: &str, file: &str, bytes: &[u8]| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).expect("dir");
        for f in ["recorder.json", "report.json", "load-info.json"] {
            std::fs::copy(good.join(f), d.join(f)).expect("copy");
        }
        std::fs::write(d.join(file), bytes).expect("write");
        d
    };
    let recorder = std::fs::read(good.join("recorder.json")).expect("read");
    let report = std::fs::read(good.join("report.json")).expect("read");
    let json = |bytes: &[u8], edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        edit(&mut v);
        v.to_string().into_bytes()
    };
    let cases = [
        variant("rec-empty", "recorder.json", b""),
        variant(
            "rec-trunc",
            "recorder.json",
            &recorder[..recorder.len() / 2],
        ),
        variant(
            "rec-bin",
            "recorder.json",
            &std::fs::read(&h.binary).expect("r"),
        ),
        variant(
            "rec-deep",
            "recorder.json",
            &std::fs::read(&h.deep_json).expect("r"),
        ),
        variant(
            "rec-v99",
            "recorder.json",
            &json(&recorder, &|v| v["version"] = 99.into()),
        ),
        variant("rep-empty", "report.json", b""),
        variant("rep-trunc", "report.json", &report[..report.len() / 2]),
        variant(
            "rep-v999",
            "report.json",
            &json(&report, &|v| v["format_version"] = 999.into()),
        ),
        variant(
            "rep-huge",
            "report.json",
            &json(&report, &|v| {
                v["config"]["night"]["visits"] = 4_000_000_000u64.into();
            }),
        ),
        variant(
            "rep-nan",
            "report.json",
            &json(&report, &|v| {
                v["config"]["gates"]["p98_latency_s"] = "NaN".into()
            }),
        ),
    ];
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let out = dir.path().join(format!("out-{name}"));
        let o = run(&["merge", s(&good), s(case), "--out", s(&out)]);
        eprintln!("merge case {name}");
        refused(&o, &[name]);
    }
}

#[test]
fn alerts_generate_refuses_huge_counts_before_writing_anything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("alerts");
    let started = Instant::now();
    let o = run(&[
        "alerts",
        "generate",
        "--count",
        "100000000000",
        "--out",
        s(&out),
    ]);
    let took = started.elapsed();
    refused(&o, &["--count", "1000000", "PB", "ALERTSIM_ALLOW_LARGE"]);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(!out.exists(), "nothing is written");
    for (flag, value) in [
        ("--count", "0"),
        ("--count", "-1"),
        ("--count", "1e3"),
        ("--count", "99999999999999999999999"),
        ("--alerts-per-detector", "0"),
        ("--alerts-per-detector", "1000000000"),
        ("--solar-system-fraction", "nan"),
        ("--solar-system-fraction", "inf"),
        ("--solar-system-fraction", "2"),
    ] {
        let mut args = vec!["alerts", "generate", "--out", s(&out)];
        let setting = format!("{flag}={value}");
        args.push(&setting);
        if flag != "--count" {
            args.extend(["--count", "10"]);
        }
        refused(&run(&args), &[flag]);
    }
    refused(
        &run(&["alerts", "bench", "--count", "100000000000"]),
        &["--count"],
    );
}

#[test]
fn alerts_decode_refuses_hostile_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    let alerts = dir.path().join("alerts");
    let o = run(&["alerts", "generate", "--count", "2", "--out", s(&alerts)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let one = std::fs::read_dir(&alerts)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
        .expect("an alert file");
    let bytes = std::fs::read(&one).expect("read");
    let write = |name: &str, b: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, b).expect("w");
        p
    };
    let truncated = write("truncated.avro", &bytes[..bytes.len() / 2]);
    let header_only = write("header.avro", &bytes[..5]);
    let mut huge_length = bytes[..5].to_vec();
    huge_length.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    let huge_length = write("huge-length.avro", &huge_length);
    let container = write(
        "container.avro",
        b"Obj\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
    );
    for bad in [
        &h.empty,
        &h.binary,
        &h.deep_json,
        &truncated,
        &header_only,
        &huge_length,
        &container,
    ] {
        let name = bad.file_name().and_then(|n| n.to_str()).unwrap_or("");
        refused(&run(&["alerts", "decode", s(&one), s(bad)]), &[name]);
    }
    refused(
        &run(&["alerts", "decode", "/no/such/file.avro"]),
        &["/no/such/file.avro"],
    );
}

#[test]
fn keda_decide_batch_refuses_hostile_lines() {
    const LINE: &str = r#"{"strategy":"eager","keda_version":"2.16","min_replicas":0,"max_replicas":10,"queue_length":5,"target":1,"activation":0,"running":1,"pending":0}"#;
    let ok = run_with(&["keda", "decide", "--batch"], LINE.as_bytes(), &[]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let batch = |input: Vec<u8>| run_with(&["keda", "decide", "--batch"], &input, &[]);
    let with = |from: &str, to: &str| format!("{LINE}\n{}\n", LINE.replace(from, to)).into_bytes();
    for (input, names) in [
        (
            with("\"running\":1", "\"running\":-1"),
            vec!["line 2", "running"],
        ),
        (with("\"running\":1", "\"running\":1e400"), vec!["line 2"]),
        (
            with("\"running\":1", "\"running\":99999999999"),
            vec!["line 2", "running"],
        ),
        (
            with("\"target\":1", "\"target\":\"one\""),
            vec!["line 2", "target"],
        ),
        (with("\"target\":1", "\"target\":NaN"), vec!["line 2"]),
        (with("}", ""), vec!["line 2"]),
        (
            format!("{}\n", "[".repeat(100_000)).into_bytes(),
            vec!["line 1"],
        ),
        (b"\xff\xfe{}\n".to_vec(), vec!["line 1", "UTF-8"]),
        (vec![b'x'; 1 << 20], vec!["line 1", "longer than"]),
    ] {
        refused(&batch(input), &names);
    }
    for (flag, value) in [
        ("--queue-length", "nan"),
        ("--queue-length", "inf"),
        ("--target", "-inf"),
        ("--activation", "NaN"),
        ("--running", "-1"),
        ("--max-replicas", "99999999999"),
    ] {
        let setting = format!("{flag}={value}");
        refused(&run(&["keda", "decide", &setting]), &[flag]);
    }
}

#[test]
fn replay_refuses_hostile_spools_before_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    let kafka = ["--kafka", "127.0.0.1:1"];
    let args = |spool: &Path| {
        let mut a = vec!["replay".to_owned(), s(spool).to_owned()];
        a.extend(kafka.iter().map(|x| (*x).to_owned()));
        a
    };
    let call = |spool: &Path| {
        let a = args(spool);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run(&refs)
    };
    refused(&call(&dir.path().join("missing")), &["missing"]);
    refused(&call(&h.empty), &["empty.json"]);
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("dir");
    std::fs::write(spool.join("not-an-alert.avro"), b"x").expect("w");
    refused(&call(&spool), &["not-an-alert.avro"]);
    std::fs::remove_file(spool.join("not-an-alert.avro")).expect("rm");
    for (name, bytes) in [
        ("1_2_3.avro", &b""[..]),
        ("1_2_4.avro", &b"\x00\x00"[..]),
        ("1_2_5.avro", &b"{\"json\": true}"[..]),
    ] {
        std::fs::write(spool.join(name), bytes).expect("w");
        refused(&call(&spool), &[name]);
        std::fs::remove_file(spool.join(name)).expect("rm");
    }
}

#[test]
fn worker_refuses_bad_flags_and_load_runs() {
    let base = [
        "worker",
        "--redis",
        "redis://127.0.0.1:1",
        "--kafka",
        "127.0.0.1:1",
        "--registry",
        "http://127.0.0.1:1",
    ];
    for (flag, value) in [
        ("--alerts-per-detector", "0"),
        ("--alerts-per-detector", "99999999"),
        ("--listen-timeout", "nan"),
        ("--listen-timeout", "-1"),
        ("--listen-timeout", "inf"),
        ("--listen-timeout", "1e300"),
        ("--restart-after", "-1"),
    ] {
        let setting = format!("{flag}={value}");
        let mut args = base.to_vec();
        args.push(&setting);
        refused(&run(&args), &[flag]);
    }
    let mut bad_redis = base.to_vec();
    bad_redis[2] = "not a url";
    refused(&run(&bad_redis), &["--redis"]);
    let mut load_run = base.to_vec();
    load_run.push("--load-run");
    refused(&run(&load_run), &["ALERTSIM_LOAD_RUN"]);
    let deep = "[".repeat(100_000);
    for value in ["", "{", "not json", "{\"version\": 999}", deep.as_str()] {
        let o = run_with(&load_run, b"", &[("ALERTSIM_LOAD_RUN", value)]);
        refused(&o, &["ALERTSIM_LOAD_RUN"]);
    }
}

#[test]
fn registry_and_broker_refuse_bad_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = hostile(dir.path());
    for listen in ["nonsense", "127.0.0.1:99999", "127.0.0.1:-1", ""] {
        let flag = format!("--listen={listen}");
        refused(&run(&["registry", "serve", &flag]), &["--listen"]);
        refused(&run(&["broker", "serve", &flag]), &["--listen"]);
    }
    refused(
        &run(&[
            "registry",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            s(&h.empty),
        ]),
        &["--data"],
    );
    // A data directory whose state file is not the registry's.
    let deep = std::fs::read(&h.deep_json).expect("read");
    for (name, state) in [
        ("empty", &b""[..]),
        ("binary", &b"\xff\xfe"[..]),
        ("deep", &deep[..]),
        ("wrong-types", &b"{\"subjects\": 5, \"schemas\": \"x\"}"[..]),
    ] {
        let data = dir.path().join(format!("data-{name}"));
        std::fs::create_dir_all(&data).expect("dir");
        std::fs::write(data.join("registry.json"), state).expect("w");
        refused(
            &run(&[
                "registry",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data",
                s(&data),
            ]),
            &["--data", "registry.json"],
        );
    }
    for partitions in ["0", "-1", "2147483648", "1000000000"] {
        let flag = format!("--partitions={partitions}");
        refused(
            &run(&["broker", "serve", "--listen", "127.0.0.1:0", &flag]),
            &["--partitions"],
        );
        refused(
            &run(&["publish", "alerts", "--count", "1", &flag]),
            &["--partitions"],
        );
    }
    refused(
        &run(&["publish", "alerts", "--count", "100000000000"]),
        &["--count", "--kafka"],
    );
    refused(
        &run(&["publish", "bench", "--rounds", "1000000000"]),
        &["--rounds"],
    );
}
