//! A quit that cannot wait for destructors: the second Ctrl-C of
//! `alertsim load` exits at once, and a process that exits runs no `Drop`,
//! so the services it started would outlive it. The local redis-server
//! and Toxiproxy register their process and scratch directory here while
//! they live, and
//! [`stop_services_now`] kills and removes them right before such an exit.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rustix::process::{Pid, Signal, kill_process};

/// Live service processes of this process, with their scratch directories.
static LIVE: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

/// `pid` is a service child of this process using `dir`.
pub(crate) fn register(pid: u32, dir: &Path) {
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((pid, dir.to_owned()));
}

/// `pid` is about to be stopped by its owner (and then reaped).
pub(crate) fn unregister(pid: u32) {
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|(p, _)| *p != pid);
}

/// Kills every registered service process (SIGKILL, as their owners' drop
/// does) and removes its scratch directory; for a caller about to call
/// `std::process::exit`. Returns how many processes it stopped.
pub fn stop_services_now() -> usize {
    let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(PoisonError::into_inner));
    for (pid, dir) in &live {
        if let Some(pid) = i32::try_from(*pid).ok().and_then(Pid::from_raw) {
            let _ = kill_process(pid, Signal::KILL);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
    live.len()
}
