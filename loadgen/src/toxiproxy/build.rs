//! `toxiproxy-server` built once from the pinned Go module: `go install
//! github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0` from the Go module
//! proxy into `~/.cache/alertsim/toxiproxy-v2.12.0/bin` (or under
//! `$ALERTSIM_CACHE`), the Go module and build caches under
//! `~/.cache/alertsim/go` (as `scripts/keda-parity.sh` keeps them, or
//! `$ALERTSIM_GO_CACHE`). The binary's build info must name the module at
//! the pinned version with the pinned `h1:` sum (checked after the build
//! and on every later use); its `/version` reports the version (set at link
//! time: a plain `go install` reports "git"). A lock file serialises
//! concurrent builds (several test binaries at once).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ToxiproxyError, io_err};

/// The Go module.
pub const TOXIPROXY_MODULE: &str = "github.com/Shopify/toxiproxy/v2";
/// The pinned version.
pub const TOXIPROXY_VERSION: &str = "v2.12.0";
/// The module's `h1:` sum at that version (the Go checksum database's).
pub const TOXIPROXY_SUM: &str = "h1:d1x++lYZg/zijXPPcv7PH0MvHMzEI5aX/YuUi/Sw+yg=";

/// A built, checked `toxiproxy-server`.
#[derive(Debug, Clone)]
pub struct ToxiproxyBinary {
    path: PathBuf,
    built: bool,
}

impl ToxiproxyBinary {
    /// The binary in the default cache, built if it is not there (or is not
    /// the pinned version).
    pub fn ensure() -> Result<Self, ToxiproxyError> {
        let root = cache_root()?;
        let go_cache = std::env::var_os("ALERTSIM_GO_CACHE")
            .filter(|d| !d.is_empty())
            .map_or_else(|| root.join("go"), PathBuf::from);
        Self::ensure_in(&root, &go_cache)
    }

    /// The binary under `cache_root/toxiproxy-v2.12.0/bin`, built with Go's
    /// caches in `go_cache` if needed.
    pub fn ensure_in(cache_root: &Path, go_cache: &Path) -> Result<Self, ToxiproxyError> {
        std::fs::create_dir_all(cache_root).map_err(io_err(cache_root.display().to_string()))?;
        let lock_path = cache_root.join(format!("toxiproxy-{TOXIPROXY_VERSION}.lock"));
        let lock = File::create(&lock_path).map_err(io_err(lock_path.display().to_string()))?;
        lock.lock()
            .map_err(io_err(lock_path.display().to_string()))?;
        let bin = cache_root
            .join(format!("toxiproxy-{TOXIPROXY_VERSION}"))
            .join("bin");
        let path = bin.join("toxiproxy-server");
        if path.is_file() && check_pinned(&path).is_ok() {
            return Ok(ToxiproxyBinary { path, built: false });
        }
        let staging = cache_root.join(format!("toxiproxy-{TOXIPROXY_VERSION}.partial"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err(staging.display().to_string()))?;
        }
        std::fs::create_dir_all(&staging).map_err(io_err(staging.display().to_string()))?;
        go_install(&staging, go_cache)?;
        let built = staging.join("server");
        check_pinned(&built)?;
        std::fs::create_dir_all(&bin).map_err(io_err(bin.display().to_string()))?;
        std::fs::rename(&built, &path).map_err(io_err(path.display().to_string()))?;
        let _ = std::fs::remove_dir_all(&staging);
        Ok(ToxiproxyBinary { path, built: true })
    }

    /// The executable.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this call built it (false: it was cached).
    pub fn was_built(&self) -> bool {
        self.built
    }
}

/// `$ALERTSIM_CACHE`, else `$HOME/.cache/alertsim`.
fn cache_root() -> Result<PathBuf, ToxiproxyError> {
    crate::kafka_cluster::dist::cache_root().map_err(|_| ToxiproxyError::NoCacheDir)
}

/// The Go environment of every `go` call here: caches under `go_cache`, the
/// machine's own toolchain, a module cache other tools may delete.
fn go(go_cache: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.env("GOMODCACHE", go_cache.join("mod"))
        .env("GOCACHE", go_cache.join("build"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-modcacherw")
        .env_remove("GOBIN");
    cmd
}

fn go_install(staging: &Path, go_cache: &Path) -> Result<(), ToxiproxyError> {
    let output = go(go_cache)
        .env("GOBIN", staging)
        .arg("install")
        .arg(format!(
            "-ldflags=-X {TOXIPROXY_MODULE}.Version={}",
            TOXIPROXY_VERSION.trim_start_matches('v')
        ))
        .arg(format!("{TOXIPROXY_MODULE}/cmd/server@{TOXIPROXY_VERSION}"))
        .current_dir(staging)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ToxiproxyError::NoGo,
            _ => ToxiproxyError::Io {
                what: "running go install".into(),
                source: e,
            },
        })?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    Err(ToxiproxyError::Build {
        status: output.status,
        output: lines[lines.len().saturating_sub(6)..].join(" | "),
    })
}

/// Reads the binary's Go build info (`go version -m`) and checks the main
/// module's version and sum.
fn check_pinned(path: &Path) -> Result<(), ToxiproxyError> {
    let not_pinned = |found: String| ToxiproxyError::NotPinned {
        path: path.display().to_string(),
        expected: TOXIPROXY_SUM,
        found,
    };
    let output = Command::new("go")
        .env("GOTOOLCHAIN", "local")
        .arg("version")
        .arg("-m")
        .arg(path)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ToxiproxyError::NoGo,
            _ => ToxiproxyError::Io {
                what: "running go version -m".into(),
                source: e,
            },
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    match module_line(&text) {
        Some((version, sum)) if version == TOXIPROXY_VERSION && sum == TOXIPROXY_SUM => Ok(()),
        Some((version, sum)) => Err(not_pinned(format!("{TOXIPROXY_MODULE} {version} {sum}"))),
        None => Err(not_pinned(format!(
            "no `mod {TOXIPROXY_MODULE}` line ({})",
            String::from_utf8_lossy(&output.stderr).trim()
        ))),
    }
}

/// The version and sum of the `mod` line naming the Toxiproxy module.
fn module_line(build_info: &str) -> Option<(&str, &str)> {
    build_info.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        match (fields.next(), fields.next(), fields.next(), fields.next()) {
            (Some("mod"), Some(m), Some(v), Some(s)) if m == TOXIPROXY_MODULE => Some((v, s)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_line_is_read_from_build_info() {
        let info = "/x/server: go1.26.8\n\tpath\tgithub.com/Shopify/toxiproxy/v2/cmd/server\n\
                    \tmod\tgithub.com/Shopify/toxiproxy/v2\tv2.12.0\th1:abc=\n\
                    \tdep\tgithub.com/gorilla/mux\tv1.8.1\th1:def=\n";
        assert_eq!(module_line(info), Some(("v2.12.0", "h1:abc=")));
        assert_eq!(
            module_line("\tdep\tgithub.com/gorilla/mux\tv1.8.1\th1:def=\n"),
            None
        );
    }
}
