//! `alertsim registry serve` through the built binary: it starts, answers the
//! Confluent REST API, keeps its state across a restart, stops cleanly on SIGTERM,
//! and refuses a bad --listen with exit code 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_alertsim"))
            .args(["registry", "serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("runs the binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads the first line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// Sends one HTTP/1.1 request; returns the status code and the body.
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connects");
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("sends");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("reads");
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad response {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    fn stop(mut self) -> i32 {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("runs kill");
        assert!(status.success());
        self.child
            .wait()
            .expect("waits for the server")
            .code()
            .unwrap_or(-1)
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn serve_answers_keeps_state_across_restart_and_stops_on_sigterm() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start(data.path());
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

    let server = Server::start(data.path());
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
