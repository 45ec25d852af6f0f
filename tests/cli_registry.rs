//! `alertsim registry serve` through the built binary: it starts, answers the
//! Confluent REST API, keeps its state across a restart, stops cleanly on SIGTERM,
//! and refuses a bad --listen with exit code 2.

use std::process::Command;

#[path = "support/registry_server.rs"]
mod registry_server;

use registry_server::Server;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn serve_answers_keeps_state_across_restart_and_stops_on_sigterm() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start(Some(data.path()));
    let schema = serde_json::json!({"schema": "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"}).to_string();
    let (status, body) = server.request("POST", "/subjects/s/versions", Some(&schema));
    assert_eq!(status, 200, "{body}");
    let id = json(&body)["id"].as_u64().expect("an id");
    let (status, body) = server.request("GET", "/subjects/missing/versions", None);
    assert_eq!(
        (status, json(&body)["error_code"].as_u64()),
        (404, Some(40401))
    );
    assert_eq!(server.stop(), 0);

    let server = Server::start(Some(data.path()));
    let (status, body) = server.request("GET", &format!("/schemas/ids/{id}"), None);
    assert_eq!(status, 200, "{body}");
    assert!(
        json(&body)["schema"]
            .as_str()
            .is_some_and(|s| s.contains("\"a\""))
    );
    let (status, body) = server.request("GET", "/subjects", None);
    assert_eq!((status, json(&body)), (200, serde_json::json!(["s"])));
    assert_eq!(server.stop(), 0);
}

#[test]
fn bad_listen_address_exits_2() {
    for listen in ["nope", "127.0.0.1", "127.0.0.1:99999"] {
        let output = Command::new(env!("CARGO_BIN_EXE_alertsim"))
            .args(["registry", "serve", "--listen", listen])
            .output()
            .expect("runs the binary");
        assert_eq!(output.status.code(), Some(2), "--listen {listen}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--listen"), "{stderr}");
    }
}

#[test]
fn an_address_in_use_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = taken.local_addr().expect("address").to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(["registry", "serve", "--listen", &addr])
        .output()
        .expect("runs the binary");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&addr));
}

#[test]
fn a_data_path_that_is_a_file_exits_2() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let output = Command::new(env!("CARGO_BIN_EXE_alertsim"))
        .args(["registry", "serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(file.path())
        .output()
        .expect("runs the binary");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--data"), "{stderr}");
}
