//! `alertsim registry serve` as a child process for the CLI tests, and raw
//! HTTP/1.1 requests to it (no client library between the test and the
//! server).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `alertsim registry serve`.
pub struct Server {
    child: Child,
    /// `HOST:PORT` it listens on.
    pub addr: String,
}

impl Server {
    /// The base URL, `http://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts `alertsim registry serve` on a free port (state in `data`, or in memory).
    pub fn start(data: Option<&Path>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_alertsim"));
        command.args(["registry", "serve", "--listen", "127.0.0.1:0"]);
        if let Some(data) = data {
            command.arg("--data").arg(data);
        }
        let mut child = command
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
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
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

    /// Stops it with SIGTERM; its exit code.
    pub fn stop(mut self) -> i32 {
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

impl Drop for Server {
    fn drop(&mut self) {
        // A test that failed before stop(): do not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
