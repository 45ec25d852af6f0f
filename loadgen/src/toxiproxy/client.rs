//! A typed client over Toxiproxy's HTTP API (v2): create, enable and
//! disable proxies; add and remove toxics (latency, bandwidth, timeout,
//! reset-peer). Async (reqwest); [`block_on`] runs a call from synchronous
//! code, on its own thread so that it works inside a Tokio runtime as well.

use std::future::Future;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::ToxiproxyError;

/// One proxy: a listener that forwards to an upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxy {
    /// Its name (the API's key).
    pub name: String,
    /// Where it listens, `host:port`.
    pub listen: String,
    /// Where it forwards, `host:port`.
    pub upstream: String,
    /// Whether it accepts and forwards connections (disabled: its listener
    /// is closed and its connections are cut).
    pub enabled: bool,
}

/// The direction a toxic acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Client to upstream (requests).
    Upstream,
    /// Upstream to client (responses).
    Downstream,
}

impl Stream {
    fn as_str(self) -> &'static str {
        match self {
            Stream::Upstream => "upstream",
            Stream::Downstream => "downstream",
        }
    }
}

/// A toxic's kind and attributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ToxicKind {
    /// Every chunk of data delayed `latency_ms` ± `jitter_ms`.
    Latency {
        /// Added delay, ms.
        latency_ms: u64,
        /// Uniform jitter, ms.
        jitter_ms: u64,
    },
    /// At most `rate_kb_s` KB/s through the proxy.
    Bandwidth {
        /// KB per second.
        rate_kb_s: u64,
    },
    /// Data stopped; the connection closed after `timeout_ms` (0: never,
    /// held open with nothing passing).
    Timeout {
        /// When to close, ms (0: never).
        timeout_ms: u64,
    },
    /// The connection reset (TCP RST) after `timeout_ms`.
    ResetPeer {
        /// When to reset, ms.
        timeout_ms: u64,
    },
}

/// A toxic on one stream of a proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct Toxic {
    /// Its name (unique on the proxy).
    pub name: String,
    /// The direction it acts on.
    pub stream: Stream,
    /// The share of connections it applies to, 0..=1.
    pub toxicity: f32,
    /// What it does.
    pub kind: ToxicKind,
}

impl Toxic {
    /// A toxic on every connection.
    pub fn new(name: impl Into<String>, stream: Stream, kind: ToxicKind) -> Self {
        Toxic {
            name: name.into(),
            stream,
            toxicity: 1.0,
            kind,
        }
    }

    /// The API's JSON for this toxic.
    pub fn to_json(&self) -> serde_json::Value {
        let (kind, attributes) = match self.kind {
            ToxicKind::Latency {
                latency_ms,
                jitter_ms,
            } => (
                "latency",
                json!({ "latency": latency_ms, "jitter": jitter_ms }),
            ),
            ToxicKind::Bandwidth { rate_kb_s } => ("bandwidth", json!({ "rate": rate_kb_s })),
            ToxicKind::Timeout { timeout_ms } => ("timeout", json!({ "timeout": timeout_ms })),
            ToxicKind::ResetPeer { timeout_ms } => ("reset_peer", json!({ "timeout": timeout_ms })),
        };
        json!({
            "name": self.name,
            "type": kind,
            "stream": self.stream.as_str(),
            "toxicity": self.toxicity,
            "attributes": attributes,
        })
    }
}

/// A client of one Toxiproxy server's API.
#[derive(Debug, Clone)]
pub struct ToxiproxyClient {
    base: String,
    http: reqwest::Client,
}

impl ToxiproxyClient {
    /// A client of the API at `addr` (no HTTP proxy, whatever the
    /// environment says: the API is on loopback).
    pub fn new(addr: SocketAddr) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        ToxiproxyClient {
            base: format!("http://{addr}"),
            http,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<String, ToxiproxyError> {
        let call = format!("{method} {path}");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|source| ToxiproxyError::Http {
                call: call.clone(),
                source,
            })?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|source| ToxiproxyError::Http {
                call: call.clone(),
                source,
            })?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(ToxiproxyError::Refused {
                call,
                status,
                body: body.trim().to_owned(),
            })
        }
    }

    /// The server's version (`GET /version`).
    pub async fn version(&self) -> Result<String, ToxiproxyError> {
        let body = self.call(reqwest::Method::GET, "/version", None).await?;
        // v2.12 answers `{"version": "2.12.0"}`; older ones plain text.
        Ok(serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
            .unwrap_or_else(|| body.trim().to_owned()))
    }

    /// Creates a proxy (`POST /proxies`); it listens once this returns.
    pub async fn create_proxy(&self, proxy: &Proxy) -> Result<Proxy, ToxiproxyError> {
        let body = serde_json::to_value(proxy).unwrap_or_default();
        let text = self
            .call(reqwest::Method::POST, "/proxies", Some(body))
            .await?;
        // The answer carries the listener actually bound (port 0 resolved).
        Ok(serde_json::from_str(&text).unwrap_or_else(|_| proxy.clone()))
    }

    /// Enables or disables a proxy (disabled: listener closed, every
    /// connection through it cut).
    pub async fn set_enabled(&self, proxy: &str, enabled: bool) -> Result<(), ToxiproxyError> {
        self.call(
            reqwest::Method::POST,
            &format!("/proxies/{proxy}"),
            Some(json!({ "enabled": enabled })),
        )
        .await
        .map(drop)
    }

    /// Adds a toxic to a proxy.
    pub async fn add_toxic(&self, proxy: &str, toxic: &Toxic) -> Result<(), ToxiproxyError> {
        self.call(
            reqwest::Method::POST,
            &format!("/proxies/{proxy}/toxics"),
            Some(toxic.to_json()),
        )
        .await
        .map(drop)
    }

    /// Removes a toxic from a proxy.
    pub async fn remove_toxic(&self, proxy: &str, toxic: &str) -> Result<(), ToxiproxyError> {
        self.call(
            reqwest::Method::DELETE,
            &format!("/proxies/{proxy}/toxics/{toxic}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Every proxy, by name (`GET /proxies`).
    pub async fn proxies(&self) -> Result<Vec<Proxy>, ToxiproxyError> {
        let text = self.call(reqwest::Method::GET, "/proxies", None).await?;
        let map: std::collections::BTreeMap<String, Proxy> =
            serde_json::from_str(&text).unwrap_or_default();
        Ok(map.into_values().collect())
    }
}

/// Runs a call to completion from synchronous code: on a thread of its
/// own with a current-thread runtime (so it works inside a Tokio runtime,
/// where a nested `block_on` would panic).
pub fn block_on<T: Send>(
    future: impl Future<Output = Result<T, ToxiproxyError>> + Send,
) -> Result<T, ToxiproxyError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(super::io_err("building a Tokio runtime"))?
                    .block_on(future)
            })
            .join()
    })
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toxics_serialise_as_the_api_expects() {
        let latency = Toxic::new(
            "slow",
            Stream::Downstream,
            ToxicKind::Latency {
                latency_ms: 50,
                jitter_ms: 5,
            },
        );
        assert_eq!(
            latency.to_json(),
            json!({"name": "slow", "type": "latency", "stream": "downstream", "toxicity": 1.0,
                   "attributes": {"latency": 50, "jitter": 5}})
        );
        let cut = Toxic::new(
            "cut",
            Stream::Upstream,
            ToxicKind::Timeout { timeout_ms: 0 },
        );
        assert_eq!(cut.to_json()["type"], "timeout");
        assert_eq!(cut.to_json()["attributes"]["timeout"], 0);
        let narrow = Toxic::new(
            "narrow",
            Stream::Downstream,
            ToxicKind::Bandwidth { rate_kb_s: 64 },
        );
        assert_eq!(narrow.to_json()["attributes"]["rate"], 64);
    }
}
