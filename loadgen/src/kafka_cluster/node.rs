//! One Kafka node (broker or controller) as a JVM process: started through a
//! small `sh` guard in its own process group that reports the JVM's pid and
//! SIGKILLs the JVM when this process's end of its stdin closes, so a node
//! never outlives the program that started it (even one killed outright, or
//! a test binary whose cluster lives in a `static`). Signals go straight to
//! the JVM: SIGTERM (controlled shutdown), SIGKILL, SIGSTOP, SIGCONT.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

/// The guard: starts the JVM in the background with its output in
/// `$ALERTSIM_NODE_OUT`, prints its pid, waits for EOF on stdin, then kills
/// it. SIGINT and SIGTERM are ignored: only the stdin pipe ends it.
const GUARD: &str = r#"trap '' INT TERM HUP
java "$@" </dev/null >>"$ALERTSIM_NODE_OUT" 2>&1 &
echo $!
read _line
kill -KILL $! 2>/dev/null
wait"#;

/// A node's JVM, running or not.
#[derive(Debug)]
pub struct NodeProcess {
    /// The node id.
    pub id: i32,
    /// The node's directory (config, data, logs).
    pub dir: PathBuf,
    args: Vec<OsString>,
    guard: Option<(Child, ChildStdin)>,
    pid: Option<u32>,
}

impl NodeProcess {
    /// A node that runs `java args…` in `dir`; not started yet.
    pub fn new(id: i32, dir: PathBuf, args: Vec<OsString>) -> Self {
        NodeProcess {
            id,
            dir,
            args,
            guard: None,
            pid: None,
        }
    }

    /// Starts the JVM (a running one is left alone).
    pub fn start(&mut self) -> std::io::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        self.reap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(GUARD)
            .arg("alertsim-kafka-node")
            .args(&self.args)
            .env("ALERTSIM_NODE_OUT", self.dir.join("stdout.log"))
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let mut line = String::new();
        if let Some(out) = stdout {
            BufReader::new(out).read_line(&mut line)?;
        }
        let pid: u32 = line.trim().parse().map_err(|_| {
            std::io::Error::other(format!(
                "node {}: the guard did not report the JVM's pid (got {line:?})",
                self.id
            ))
        })?;
        self.pid = Some(pid);
        self.guard = stdin.map(|s| (child, s));
        Ok(())
    }

    /// The JVM's pid while it has one (it may be stopped or dead-unreaped).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Whether the JVM exists and has not exited (stopped counts as running).
    pub fn is_running(&self) -> bool {
        self.pid.is_some_and(alive)
    }

    /// Sends `signal` to the JVM; false if there is no running JVM.
    pub fn signal(&self, signal: Signal) -> bool {
        let Some(pid) = self.pid.filter(|p| alive(*p)) else {
            return false;
        };
        i32::try_from(pid)
            .ok()
            .and_then(Pid::from_raw)
            .is_some_and(|pid| kill_process(pid, signal).is_ok())
    }

    /// Whether the JVM is stopped (SIGSTOP took effect: state `T`).
    pub fn is_stopped(&self) -> bool {
        self.pid.is_some_and(|pid| state(pid) == Some('T'))
    }

    /// SIGSTOP, then waits until the kernel has stopped the JVM; false if
    /// there is no running JVM or it did not stop within 5 s.
    pub fn pause(&self) -> bool {
        if !self.signal(Signal::STOP) {
            return false;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.is_stopped() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// Waits until the JVM has exited; false on timeout.
    pub fn wait_exit(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.is_running() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// SIGKILL and wait until the JVM is gone.
    pub fn kill(&mut self) {
        self.signal(Signal::KILL);
        self.wait_exit(Duration::from_secs(10));
        self.reap();
    }

    /// SIGTERM (a stopped JVM is continued so it can act on it), SIGKILL
    /// after `grace`; the guard is reaped.
    pub fn stop(&mut self, grace: Duration) {
        if self.signal(Signal::TERM) {
            self.signal(Signal::CONT);
            if !self.wait_exit(grace) {
                self.signal(Signal::KILL);
                self.wait_exit(Duration::from_secs(10));
            }
        }
        self.reap();
    }

    /// Closes the guard's stdin (which kills a JVM still there) and waits
    /// for the guard.
    fn reap(&mut self) {
        if let Some((mut child, stdin)) = self.guard.take() {
            drop(stdin);
            let _ = child.wait();
        }
        self.pid = None;
    }

    /// The last `lines` lines of the node's log, then of its stdout.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut out = Vec::new();
        for name in ["server.log", "stdout.log"] {
            let text = std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            out.extend(
                all[all.len().saturating_sub(lines)..]
                    .iter()
                    .map(|l| (*l).to_owned()),
            );
        }
        out.join(" | ")
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// The process state letter of `pid` (`/proc/PID/stat`), if it exists.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
}

/// Whether `pid` exists and is not a zombie (state `Z` or `X`).
fn alive(pid: u32) -> bool {
    !matches!(state(pid), Some('Z' | 'X') | None)
}

/// Whether `dir` holds a formatted KRaft log directory.
pub fn is_formatted(dir: &Path) -> bool {
    dir.join("meta.properties").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_pid_is_not_alive() {
        assert!(!alive(u32::MAX - 1));
        assert!(alive(std::process::id()));
    }
}
