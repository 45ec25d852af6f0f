//! Toxiproxy (Shopify's TCP fault proxy) for drills on the local Apache
//! Kafka cluster: `toxiproxy-server` built once from the pinned Go module
//! ([`build`]), started on loopback and killed on drop ([`server`]), and a
//! typed client over its HTTP API ([`client`]): proxies, and the latency,
//! bandwidth, timeout and reset-peer toxics that make a slow broker or a
//! network partition.

pub mod build;
pub mod client;
pub mod server;

pub use build::{TOXIPROXY_MODULE, TOXIPROXY_VERSION, ToxiproxyBinary};
pub use client::{Proxy, Stream, Toxic, ToxiproxyClient};
pub use server::ToxiproxyServer;

/// Why Toxiproxy could not be built, started or driven.
#[derive(Debug, thiserror::Error)]
pub enum ToxiproxyError {
    /// Neither `ALERTSIM_CACHE` nor `HOME` is set.
    #[error("no cache directory for toxiproxy-server: set ALERTSIM_CACHE or HOME")]
    NoCacheDir,
    /// `go` is not installed.
    #[error(
        "`go` was not found on PATH; building toxiproxy-server {TOXIPROXY_VERSION} needs the Go \
         toolchain (Debian package `golang-go`, Go 1.22 or later)"
    )]
    NoGo,
    /// `go install` failed.
    #[error(
        "go install {TOXIPROXY_MODULE}/cmd/server@{TOXIPROXY_VERSION} failed ({status}): {output}"
    )]
    Build {
        /// The command's exit status.
        status: std::process::ExitStatus,
        /// The end of its output.
        output: String,
    },
    /// The built binary is not the pinned module version.
    #[error(
        "{path}: not built from {TOXIPROXY_MODULE} {TOXIPROXY_VERSION} with sum {expected} \
         (its build info says: {found})"
    )]
    NotPinned {
        /// The binary.
        path: String,
        /// The pinned `h1:` sum.
        expected: &'static str,
        /// The module line found, or why none was.
        found: String,
    },
    /// A file, directory, port or process could not be set up.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The server exited before its API answered.
    #[error("toxiproxy-server exited while starting ({status}); its log ends: {log}")]
    Exited {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// The end of its log.
        log: String,
    },
    /// The API did not answer in time.
    #[error(
        "toxiproxy-server's API at {addr} did not answer GET /version within {timeout:?}; its log ends: {log}"
    )]
    NotReady {
        /// The API's address.
        addr: std::net::SocketAddr,
        /// How long we waited.
        timeout: std::time::Duration,
        /// The end of its log.
        log: String,
    },
    /// The API answered with the wrong version (another server on the port?).
    #[error("toxiproxy-server at {addr} reports version {found:?}, expected {TOXIPROXY_VERSION}")]
    WrongVersion {
        /// The API's address.
        addr: std::net::SocketAddr,
        /// What `/version` said.
        found: String,
    },
    /// An HTTP call could not be made.
    #[error("toxiproxy API {call}: {source}")]
    Http {
        /// Method and path.
        call: String,
        /// What failed.
        #[source]
        source: reqwest::Error,
    },
    /// The API refused a call.
    #[error("toxiproxy API {call} answered {status}: {body}")]
    Refused {
        /// Method and path.
        call: String,
        /// The HTTP status.
        status: reqwest::StatusCode,
        /// The response body (Toxiproxy's error message).
        body: String,
    },
}

pub(crate) fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ToxiproxyError {
    let what = what.into();
    move |source| ToxiproxyError::Io { what, source }
}
