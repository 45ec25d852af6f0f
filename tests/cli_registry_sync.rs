//! `alertsim registry sync` and Rubin's fixed schema ids through the built
//! binary, against `alertsim registry serve` in a process of its own:
//! `--delete-all` on a registry with other subjects leaves exactly what a
//! sync of an empty registry leaves; a registry holding another schema
//! under 1100 makes `registry sync`, `load`, `publish alerts` and `worker`
//! exit 2 naming the id, before anything is written.

use std::process::{Command, Output};

#[path = "support/registry_server.rs"]
mod registry_server;

use registry_server::Server;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

fn alertsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("alertsim runs")
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

fn get(server: &Server, path: &str) -> (u16, Value) {
    let (status, body) = server.request("GET", path, None);
    (status, json_of(&body))
}

fn schema_body(schema: &str) -> String {
    json!({ "schema": schema }).to_string()
}

/// Another tool's schema imported under `id` in `subject`.
fn import_other(server: &Server, subject: &str, schema: &str, id: u32) {
    let mode = |m: &str| {
        let (status, body) = server.request(
            "PUT",
            &format!("/mode/{subject}"),
            Some(&json!({ "mode": m }).to_string()),
        );
        assert_eq!(status, 200, "{body}");
    };
    mode("IMPORT");
    let (status, body) = server.request(
        "POST",
        &format!("/subjects/{subject}/versions"),
        Some(&json!({ "schema": schema, "id": id }).to_string()),
    );
    assert_eq!(status, 200, "{body}");
    mode("READWRITE");
}

/// Each subject with its versions' ids and schemas, and its own mode.
fn listing(server: &Server) -> Value {
    let (_, subjects) = get(server, "/subjects");
    let mut out = serde_json::Map::new();
    for subject in subjects.as_array().into_iter().flatten() {
        let subject = subject.as_str().unwrap_or_default();
        let (_, versions) = get(server, &format!("/subjects/{subject}/versions"));
        let mut held = Vec::new();
        for v in versions.as_array().into_iter().flatten() {
            let (_, info) = get(server, &format!("/subjects/{subject}/versions/{v}"));
            held.push(json!([info["version"], info["id"], info["schema"]]));
        }
        let (_, mode) = get(server, &format!("/mode/{subject}"));
        out.insert(
            subject.to_owned(),
            json!({ "versions": held, "mode": mode["mode"] }),
        );
    }
    Value::Object(out)
}

fn sync(server: &Server, extra: &[&str]) -> Output {
    let url = server.url();
    let mut args = vec!["registry", "sync", "--registry", url.as_str()];
    args.extend_from_slice(extra);
    alertsim(&args)
}

#[test]
fn delete_all_leaves_exactly_what_the_sync_job_leaves() {
    let fresh = Server::start(None);
    let done = sync(&fresh, &[]);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    let expected = listing(&fresh);
    assert_eq!(
        expected
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "alert-packet".to_owned(),
            "lsst-alerts-v10.0-value".to_owned(),
            "lsst-alerts-v11.0-value".to_owned()
        ])
    );
    assert_eq!(expected["alert-packet"]["mode"], "READWRITE");

    let server = Server::start(None);
    let (status, body) = server.request(
        "PUT",
        "/config",
        Some(&json!({"compatibility": "NONE"}).to_string()),
    );
    assert_eq!(status, 200, "{body}");
    for (subject, schema) in [
        ("alerts-check-value", r#""string""#),
        ("lsst-alerts-v11.0-value", r#""double""#),
        ("other-value", r#""float""#),
    ] {
        let (status, body) = server.request(
            "POST",
            &format!("/subjects/{subject}/versions"),
            Some(&schema_body(schema)),
        );
        assert_eq!(status, 200, "{body}");
    }
    import_other(&server, "x", r#""long""#, 1100);

    let done = sync(&server, &["--delete-all"]);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    let report = json_of(&String::from_utf8_lossy(&done.stdout));
    assert_eq!(
        report["deleted_subjects"],
        json!([
            "alerts-check-value",
            "lsst-alerts-v11.0-value",
            "other-value",
            "x"
        ])
    );
    assert_eq!(report["schemas"][1]["id"], 1100);
    assert_eq!(report["schemas"][1]["action"], "imported");
    assert_eq!(listing(&server), expected);
    let (status, _) = get(&server, "/schemas/ids/1");
    assert_eq!(status, 404, "the ids of the deleted subjects are gone");
    let (status, v11) = get(&server, "/schemas/ids/1100");
    assert_eq!(status, 200);
    assert!(
        v11["schema"]
            .as_str()
            .is_some_and(|s| s.starts_with(r#"{"name":"lsst.v11_0.alert","type":"record""#)),
        "{v11}"
    );
    assert_eq!(fresh.stop(), 0);
    assert_eq!(server.stop(), 0);
}

#[test]
fn another_schema_under_1100_makes_every_producing_command_exit_2() {
    let server = Server::start(None);
    import_other(&server, "x", r#""long""#, 1100);
    let before = listing(&server);
    let url = server.url();
    let spool = tempfile::tempdir().expect("temp dir");
    let spool = spool.path().display().to_string();
    let out = tempfile::tempdir().expect("temp dir");
    let load_out = out.path().join("load");
    let load_out = load_out.display().to_string();
    let commands: [(&str, Vec<&str>); 4] = [
        (
            "registry sync",
            vec!["registry", "sync", "--registry", &url],
        ),
        (
            "load",
            vec![
                "load",
                "smoke",
                "--registry",
                &url,
                "--spool",
                &spool,
                "--out",
                &load_out,
            ],
        ),
        (
            "publish alerts",
            vec![
                "publish",
                "alerts",
                "--count",
                "3",
                "--registry",
                &url,
                "--spool",
                &spool,
            ],
        ),
        (
            "worker",
            vec![
                "worker",
                "--redis",
                "redis://127.0.0.1:1",
                "--kafka",
                "127.0.0.1:1",
                "--registry",
                &url,
                "--spool",
                &spool,
            ],
        ),
    ];
    for (name, args) in commands {
        let output = alertsim(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("another schema under id 1100") && stderr.contains("--delete-all"),
            "{name}: {stderr}"
        );
        assert_eq!(listing(&server), before, "{name} changed the registry");
    }
    assert!(
        !out.path().join("load").join("report.json").exists(),
        "the night never started"
    );
    assert_eq!(server.stop(), 0);
}

#[test]
fn a_subject_an_earlier_run_registered_refuses_import_with_exit_2() {
    let server = Server::start(None);
    // What alertsim did before Rubin's ids: registered the schema plainly.
    let (status, body) = server.request(
        "POST",
        "/subjects/alert-packet/versions",
        Some(&schema_body(r#""string""#)),
    );
    assert_eq!(status, 200, "{body}");
    let output = sync(&server, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("PUT /mode/alert-packet IMPORT") && stderr.contains("id 1000"),
        "{stderr}"
    );
    // The hard delete first, as production does, restores it.
    let output = sync(&server, &["--delete-all"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let (status, _) = get(&server, "/schemas/ids/1100");
    assert_eq!(status, 200);
    assert_eq!(server.stop(), 0);
}

#[test]
fn bad_input_names_the_flag() {
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "registry",
                "sync",
                "--registry",
                "http://127.0.0.1:1",
                "--schemas",
                "10.0,7.4",
            ],
            "--schemas",
        ),
        (
            &["registry", "sync", "--registry", "localhost:8081"],
            "--registry localhost:8081",
        ),
        (
            &[
                "publish",
                "alerts",
                "--count",
                "3",
                "--deterministic-ids",
                "false",
            ],
            "--deterministic-ids false",
        ),
    ];
    for (args, named) in cases {
        let output = alertsim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} should name {named}: {stderr}"
        );
    }
    // An unreachable registry is not the user's input: exit 1.
    let output = alertsim(&["registry", "sync", "--registry", "http://127.0.0.1:1"]);
    assert_eq!(output.status.code(), Some(1));
}
