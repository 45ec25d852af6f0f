//! A throw-away `redis-server` for tests and embedded runs: spawned on a Unix
//! socket (or a free loopback port) with no persistence, ready once it
//! answers PING, killed when dropped (or by [`crate::quit`] when the
//! process exits without dropping it).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program spawned, and the Debian package that provides it.
pub const REDIS_SERVER_PROGRAM: &str = "redis-server";
/// How long a freshly spawned server may take before answering PING.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two readiness probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(5);
/// Ports tried before giving up on a TCP listener.
const TCP_ATTEMPTS: usize = 5;

/// Why a local redis-server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisServerError {
    /// The program is not installed.
    #[error(
        "`redis-server` was not found on PATH; install the Debian package `redis-server` \
         (apt-get install redis-server)"
    )]
    NotInstalled,
    /// The scratch directory or the process could not be created.
    #[error("could not start redis-server: {0}")]
    Io(#[from] std::io::Error),
    /// The process exited before answering PING.
    #[error("redis-server exited early ({status}); its log says: {log}")]
    Exited {
        /// The exit status reported by the OS.
        status: std::process::ExitStatus,
        /// The end of the server's log file.
        log: String,
    },
    /// The process did not answer PING in time.
    #[error("redis-server did not answer PING within {timeout:?}; its log says: {log}")]
    NotReady {
        /// How long we waited.
        timeout: Duration,
        /// The end of the server's log file.
        log: String,
    },
}

/// Where the server listens.
#[derive(Debug, Clone)]
enum Listener {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

/// A running redis-server owned by this process; killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    // How it was started, for a restart at the same address.
    args: Vec<String>,
    listener: Listener,
    // Holds the socket, the log and the (unused) working directory.
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server listening on a Unix socket in a fresh temporary
    /// directory (no TCP port, so no race for a port). Returns once it
    /// answers PING.
    pub fn start() -> Result<Self, RedisServerError> {
        let dir = tempfile::Builder::new()
            .prefix("alertsim-redis")
            .tempdir()?;
        let socket = dir.path().join("redis.sock");
        let mut args = base_args(dir.path());
        args.extend([
            "--port".into(),
            "0".into(),
            "--unixsocket".into(),
            socket.display().to_string(),
            "--unixsocketperm".into(),
            "700".into(),
        ]);
        let child = spawn(&args)?;
        crate::quit::register(child.id(), dir.path());
        let mut server = Self {
            child,
            args,
            listener: Listener::Unix(socket),
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// Starts a server on a free port of 127.0.0.1. The port is picked by
    /// binding port 0 and released just before the server binds it; if
    /// another process wins that race the server exits and another port is
    /// tried.
    pub fn start_tcp() -> Result<Self, RedisServerError> {
        let mut last_error = None;
        for _ in 0..TCP_ATTEMPTS {
            match Self::try_start_tcp() {
                Ok(server) => return Ok(server),
                Err(err @ RedisServerError::Exited { .. }) => last_error = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last_error.unwrap_or(RedisServerError::NotInstalled))
    }

    fn try_start_tcp() -> Result<Self, RedisServerError> {
        let dir = tempfile::Builder::new()
            .prefix("alertsim-redis")
            .tempdir()?;
        let addr = {
            let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            probe.local_addr()?
        };
        let mut args = base_args(dir.path());
        args.extend([
            "--bind".into(),
            addr.ip().to_string(),
            "--port".into(),
            addr.port().to_string(),
        ]);
        let child = spawn(&args)?;
        crate::quit::register(child.id(), dir.path());
        let mut server = Self {
            child,
            args,
            listener: Listener::Tcp(addr),
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// The URL clients connect to: `redis+unix:///…/redis.sock` or
    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        match &self.listener {
            Listener::Unix(path) => format!("redis+unix://{}", path.display()),
            Listener::Tcp(addr) => format!("redis://{addr}"),
        }
    }

    /// A client for this server.
    pub fn client(&self) -> redis::RedisResult<redis::Client> {
        redis::Client::open(self.url())
    }

    /// Kills the server, as a Redis pod that crashed, and starts a new,
    /// empty one at the same address; returns once it answers PING. Clients
    /// connected to the old one see their connections break.
    pub fn restart(&mut self) -> Result<(), RedisServerError> {
        crate::quit::unregister(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.args)?;
        crate::quit::register(self.child.id(), self.dir.path());
        self.wait_ready()
    }

    /// The process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_ready(&mut self) -> Result<(), RedisServerError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(RedisServerError::Exited {
                    status,
                    log: self.log_tail(),
                });
            }
            if self.answers_ping() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(RedisServerError::NotReady {
                    timeout: READY_TIMEOUT,
                    log: self.log_tail(),
                });
            }
            std::thread::sleep(PROBE_INTERVAL);
        }
    }

    /// One readiness probe: connect, send PING, expect `+PONG`.
    fn answers_ping(&self) -> bool {
        let timeout = Some(Duration::from_millis(500));
        match &self.listener {
            Listener::Unix(path) => UnixStream::connect(path)
                .and_then(|s| {
                    s.set_read_timeout(timeout)?;
                    Ok(s)
                })
                .map(ping)
                .unwrap_or(false),
            Listener::Tcp(addr) => TcpStream::connect_timeout(addr, Duration::from_millis(200))
                .and_then(|s| {
                    s.set_read_timeout(timeout)?;
                    Ok(s)
                })
                .map(ping)
                .unwrap_or(false),
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(5);
        lines.get(start..).unwrap_or_default().join(" | ")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // The server may already be gone; either way reap it.
        crate::quit::unregister(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Arguments shared by both listeners: no RDB snapshots, no AOF, logs in
/// the scratch directory, foreground.
fn base_args(dir: &Path) -> Vec<String> {
    vec![
        "--save".into(),
        String::new(),
        "--appendonly".into(),
        "no".into(),
        "--daemonize".into(),
        "no".into(),
        "--dir".into(),
        dir.display().to_string(),
        "--logfile".into(),
        dir.join("redis.log").display().to_string(),
    ]
}

fn spawn(args: &[String]) -> Result<Child, RedisServerError> {
    spawn_program(REDIS_SERVER_PROGRAM, args)
}

fn spawn_program(program: &str, args: &[String]) -> Result<Child, RedisServerError> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => RedisServerError::NotInstalled,
            _ => RedisServerError::Io(err),
        })
}

fn ping(mut stream: impl Read + Write) -> bool {
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_server_answers_and_dies_on_drop() -> Result<(), RedisServerError> {
        let server = RedisServer::start()?;
        assert!(server.url().starts_with("redis+unix://"));
        assert!(server.answers_ping());
        let pid = server.pid();
        drop(server);
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
        Ok(())
    }

    #[test]
    fn missing_program_names_the_debian_package() {
        let err = spawn_program("alertsim-no-such-redis-server", &[]).err();
        assert!(matches!(err, Some(RedisServerError::NotInstalled)));
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("Debian package `redis-server`"),
            "{message}"
        );
    }

    #[test]
    fn tcp_server_answers_on_loopback() -> Result<(), RedisServerError> {
        let server = RedisServer::start_tcp()?;
        assert!(server.url().starts_with("redis://127.0.0.1:"));
        assert!(server.answers_ping());
        Ok(())
    }

    #[test]
    fn two_servers_do_not_share_data() -> Result<(), Box<dyn std::error::Error>> {
        let a = RedisServer::start()?;
        let b = RedisServer::start()?;
        let mut ca = a.client()?.get_connection()?;
        let mut cb = b.client()?.get_connection()?;
        redis::cmd("SET").arg("k").arg("a").query::<()>(&mut ca)?;
        let in_b: Option<String> = redis::cmd("GET").arg("k").query(&mut cb)?;
        assert_eq!(in_b, None);
        Ok(())
    }
}
