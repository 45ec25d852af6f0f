//! A `toxiproxy-server` owned by this process: started on a free loopback
//! port with its log in a temporary directory, ready once `GET /version`
//! answers with the pinned version, SIGKILLed on drop (or by
//! [`crate::quit`] when the process exits without dropping it).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::build::{TOXIPROXY_VERSION, ToxiproxyBinary};
use super::client::{ToxiproxyClient, block_on};
use super::{ToxiproxyError, io_err};

/// How long the server may take before its API answers (it is up in
/// milliseconds; the margin is for a loaded machine).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between two readiness probes while nothing listens yet.
const PROBE_INTERVAL: Duration = Duration::from_millis(20);

/// A running Toxiproxy server; killed on drop.
#[derive(Debug)]
pub struct ToxiproxyServer {
    child: Child,
    api: SocketAddr,
    client: ToxiproxyClient,
    // Holds the log.
    dir: tempfile::TempDir,
}

impl ToxiproxyServer {
    /// Builds the binary if needed, starts it and waits for its API.
    pub fn start() -> Result<Self, ToxiproxyError> {
        let binary = ToxiproxyBinary::ensure()?;
        Self::start_with(&binary)
    }

    /// Starts `binary` on a free port of 127.0.0.1 and waits for its API.
    pub fn start_with(binary: &ToxiproxyBinary) -> Result<Self, ToxiproxyError> {
        let dir = tempfile::Builder::new()
            .prefix("alertsim-toxiproxy")
            .tempdir()
            .map_err(io_err("creating toxiproxy's temporary directory"))?;
        let api = free_port().map_err(io_err("picking a port for toxiproxy's API"))?;
        let log_path = dir.path().join("toxiproxy.log");
        let log =
            std::fs::File::create(&log_path).map_err(io_err(log_path.display().to_string()))?;
        let err_log = log
            .try_clone()
            .map_err(io_err(log_path.display().to_string()))?;
        let child = Command::new(binary.path())
            .arg("-host")
            .arg(api.ip().to_string())
            .arg("-port")
            .arg(api.port().to_string())
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .spawn()
            .map_err(io_err(format!("starting {}", binary.path().display())))?;
        crate::quit::register(child.id(), dir.path());
        let mut server = ToxiproxyServer {
            child,
            api,
            client: ToxiproxyClient::new(api),
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&mut self) -> Result<(), ToxiproxyError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(ToxiproxyError::Exited {
                    status,
                    log: self.log_tail(8),
                });
            }
            let client = self.client.clone();
            match block_on(async move { client.version().await }) {
                Ok(found) if found.trim_start_matches('v') == version_number() => return Ok(()),
                Ok(found) => {
                    return Err(ToxiproxyError::WrongVersion {
                        addr: self.api,
                        found,
                    });
                }
                Err(_) if Instant::now() < deadline => std::thread::sleep(PROBE_INTERVAL),
                Err(_) => {
                    return Err(ToxiproxyError::NotReady {
                        addr: self.api,
                        timeout: READY_TIMEOUT,
                        log: self.log_tail(8),
                    });
                }
            }
        }
    }

    /// The API's address.
    pub fn api(&self) -> SocketAddr {
        self.api
    }

    /// A client of this server's API.
    pub fn client(&self) -> ToxiproxyClient {
        self.client.clone()
    }

    /// The server's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last `n` lines of the server's log.
    pub fn log_tail(&self, n: usize) -> String {
        let text =
            std::fs::read_to_string(self.dir.path().join("toxiproxy.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join(" | ")
    }
}

impl Drop for ToxiproxyServer {
    fn drop(&mut self) {
        crate::quit::unregister(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `v2.12.0` → `2.12.0`.
fn version_number() -> &'static str {
    TOXIPROXY_VERSION.trim_start_matches('v')
}

/// A port of 127.0.0.1 free a moment ago (bound to 0 and released).
pub fn free_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()
}
