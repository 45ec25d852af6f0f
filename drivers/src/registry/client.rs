//! HTTP client for a Confluent-compatible schema registry (ours or Confluent's), with a
//! cache of schemas by id and ids by (subject, schema). Errors carry Confluent's code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use alertsim_core::registry::compat::{CompatibilityLevel, Mode};
use alertsim_core::registry::error::ErrorCode;
use alertsim_core::registry::wire::{
    CONTENT_TYPE, CompatibilityResponse, ConfigRequest, ConfigResponse, ErrorBody, IdResponse,
    ModeBody, SchemaRequest, SchemaResponse, SubjectVersionRef, SubjectVersionResponse,
};

/// Errors of the registry client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The registry answered with an error body.
    #[error("registry error {error_code} (HTTP {status}): {message}")]
    Registry {
        /// HTTP status.
        status: u16,
        /// Confluent's error code (the HTTP status when the body had none).
        error_code: u32,
        /// Message.
        message: String,
    },
    /// The request could not be sent or the answer not read.
    #[error("registry request {url} failed: {source}")]
    Transport {
        /// Request URL.
        url: String,
        /// Underlying error.
        source: reqwest::Error,
    },
    /// The answer was not the JSON expected.
    #[error("registry answer from {url} is not what was expected: {source}")]
    Decode {
        /// Request URL.
        url: String,
        /// Parse error.
        source: serde_json::Error,
    },
    /// The base URL is unusable.
    #[error("bad registry URL {0:?}")]
    BadUrl(String),
}

impl ClientError {
    /// The Confluent error code, when the registry answered with one this crate knows.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Registry { error_code, .. } => ErrorCode::from_code(*error_code),
            _ => None,
        }
    }

    /// Whether the registry said subject, version or schema not found.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Registry { status: 404, .. })
    }
}

#[derive(Debug, Default)]
struct Cache {
    schema_by_id: HashMap<u32, String>,
    id_by_subject_schema: HashMap<(String, String), u32>,
}

/// A registry client. Cheap to clone (the HTTP pool and the cache are shared).
#[derive(Debug, Clone)]
pub struct RegistryClient {
    base: String,
    http: reqwest::Client,
    cache: Arc<Mutex<Cache>>,
}

impl RegistryClient {
    /// A client for a registry at `base_url` (e.g. `http://127.0.0.1:8081`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::BadUrl(base_url.to_owned()));
        }
        let http = reqwest::Client::builder()
            .build()
            .map_err(|source| ClientError::Transport {
                url: base.clone(),
                source,
            })?;
        Ok(Self {
            base,
            http,
            cache: Arc::default(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Registers `schema` under `subject`; returns its id (cached per subject and schema).
    pub async fn register(&self, subject: &str, schema: &str) -> Result<u32, ClientError> {
        let key = (subject.to_owned(), schema.to_owned());
        if let Some(id) = self.with_cache(|c| c.id_by_subject_schema.get(&key).copied()) {
            return Ok(id);
        }
        let id = self
            .register_request(subject, &SchemaRequest::new(schema))
            .await?;
        self.remember(subject, schema, id);
        Ok(id)
    }

    /// Registers with an explicit id (the registry or subject must be in IMPORT mode).
    pub async fn register_with_id(
        &self,
        subject: &str,
        schema: &str,
        id: u32,
    ) -> Result<u32, ClientError> {
        let mut request = SchemaRequest::new(schema);
        request.id = Some(id);
        let id = self.register_request(subject, &request).await?;
        self.remember(subject, schema, id);
        Ok(id)
    }

    /// Sends a registration request as is (no cache).
    pub async fn register_request(
        &self,
        subject: &str,
        request: &SchemaRequest,
    ) -> Result<u32, ClientError> {
        let path = format!("/subjects/{}/versions", encode(subject));
        let answer: IdResponse = self.call(Method::POST, &path, Some(request)).await?;
        Ok(answer.id)
    }

    /// The schema with an id (cached).
    pub async fn schema_by_id(&self, id: u32) -> Result<String, ClientError> {
        if let Some(schema) = self.with_cache(|c| c.schema_by_id.get(&id).cloned()) {
            return Ok(schema);
        }
        let answer: SchemaResponse = self
            .call(Method::GET, &format!("/schemas/ids/{id}"), None::<&()>)
            .await?;
        self.with_cache(|c| c.schema_by_id.insert(id, answer.schema.clone()));
        Ok(answer.schema)
    }

    /// The schema with an id, asked of the registry every time (no cache); `None` when
    /// the registry serves no schema under it (40403).
    pub async fn fetch_schema_by_id(&self, id: u32) -> Result<Option<String>, ClientError> {
        let answer: Result<SchemaResponse, _> = self
            .call(Method::GET, &format!("/schemas/ids/{id}"), None::<&()>)
            .await;
        match answer {
            Ok(answer) => Ok(Some(answer.schema)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The (subject, version) pairs whose schema has this id; empty when none.
    pub async fn versions_of_id(&self, id: u32) -> Result<Vec<SubjectVersionRef>, ClientError> {
        let answer = self
            .call(
                Method::GET,
                &format!("/schemas/ids/{id}/versions"),
                None::<&()>,
            )
            .await;
        match answer {
            Ok(pairs) => Ok(pairs),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// A version of a subject: `"latest"` or a number.
    pub async fn version(
        &self,
        subject: &str,
        version: &str,
    ) -> Result<SubjectVersionResponse, ClientError> {
        let path = format!("/subjects/{}/versions/{}", encode(subject), encode(version));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// The version numbers of a subject.
    pub async fn versions(&self, subject: &str) -> Result<Vec<u32>, ClientError> {
        self.call(
            Method::GET,
            &format!("/subjects/{}/versions", encode(subject)),
            None::<&()>,
        )
        .await
    }

    /// All subjects.
    pub async fn subjects(&self) -> Result<Vec<String>, ClientError> {
        self.call(Method::GET, "/subjects", None::<&()>).await
    }

    /// Finds the version of `subject` holding `schema` (cached by id).
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &str,
    ) -> Result<SubjectVersionResponse, ClientError> {
        let path = format!("/subjects/{}", encode(subject));
        let answer: SubjectVersionResponse = self
            .call(Method::POST, &path, Some(&SchemaRequest::new(schema)))
            .await?;
        self.remember(subject, schema, answer.id);
        Ok(answer)
    }

    /// Whether `schema` is compatible with a version (`"latest"` or a number) of `subject`.
    pub async fn check_compatibility(
        &self,
        subject: &str,
        version: &str,
        schema: &str,
    ) -> Result<CompatibilityResponse, ClientError> {
        let path = format!(
            "/compatibility/subjects/{}/versions/{}?verbose=true",
            encode(subject),
            encode(version)
        );
        self.call(Method::POST, &path, Some(&SchemaRequest::new(schema)))
            .await
    }

    /// Deletes a subject (soft, or permanent after a soft delete); returns its versions.
    pub async fn delete_subject(
        &self,
        subject: &str,
        permanent: bool,
    ) -> Result<Vec<u32>, ClientError> {
        let path = format!("/subjects/{}?permanent={permanent}", encode(subject));
        let versions = self.call(Method::DELETE, &path, None::<&()>).await?;
        self.with_cache(|c| c.id_by_subject_schema.retain(|(s, _), _| s != subject));
        Ok(versions)
    }

    /// Deletes one version (`"latest"` or a number): soft, or permanent after a soft delete.
    pub async fn delete_version(
        &self,
        subject: &str,
        version: &str,
        permanent: bool,
    ) -> Result<u32, ClientError> {
        let path = format!(
            "/subjects/{}/versions/{}?permanent={permanent}",
            encode(subject),
            encode(version)
        );
        let deleted = self.call(Method::DELETE, &path, None::<&()>).await?;
        self.with_cache(|c| c.id_by_subject_schema.retain(|(s, _), _| s != subject));
        Ok(deleted)
    }

    /// The global compatibility level, or a subject's own.
    pub async fn compatibility(&self, subject: Option<&str>) -> Result<String, ClientError> {
        let answer: ConfigResponse = self
            .call(Method::GET, &config_path(subject), None::<&()>)
            .await?;
        Ok(answer.compatibility_level)
    }

    /// Sets the global compatibility level, or a subject's own.
    pub async fn set_compatibility(
        &self,
        subject: Option<&str>,
        level: CompatibilityLevel,
    ) -> Result<(), ClientError> {
        let body = ConfigRequest {
            compatibility: Some(level.as_str().to_owned()),
            compatibility_level: None,
        };
        let _: serde_json::Value = self
            .call(Method::PUT, &config_path(subject), Some(&body))
            .await?;
        Ok(())
    }

    /// Sets the global mode, or a subject's own (`force` allows IMPORT on a non-empty registry).
    pub async fn set_mode(
        &self,
        subject: Option<&str>,
        mode: Mode,
        force: bool,
    ) -> Result<(), ClientError> {
        let path = match subject {
            Some(s) => format!("/mode/{}?force={force}", encode(s)),
            None => format!("/mode?force={force}"),
        };
        let body = ModeBody {
            mode: mode.as_str().to_owned(),
        };
        let _: ModeBody = self.call(Method::PUT, &path, Some(&body)).await?;
        Ok(())
    }

    /// The global mode, or a subject's own (error 40409 when it has none).
    pub async fn mode_of(&self, subject: Option<&str>) -> Result<String, ClientError> {
        let path = match subject {
            Some(s) => format!("/mode/{}", encode(s)),
            None => "/mode".to_owned(),
        };
        let answer: ModeBody = self.call(Method::GET, &path, None::<&()>).await?;
        Ok(answer.mode)
    }

    /// The global mode.
    pub async fn mode(&self) -> Result<String, ClientError> {
        self.mode_of(None).await
    }

    fn remember(&self, subject: &str, schema: &str, id: u32) {
        self.with_cache(|c| {
            c.id_by_subject_schema
                .insert((subject.to_owned(), schema.to_owned()), id);
            c.schema_by_id
                .entry(id)
                .or_insert_with(|| schema.to_owned());
        });
    }

    fn with_cache<T>(&self, f: impl FnOnce(&mut Cache) -> T) -> T {
        let mut guard = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{}", self.base, path);
        let mut request = self.http.request(method, &url).header(
            reqwest::header::ACCEPT,
            format!("{CONTENT_TYPE}, application/json"),
        );
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|source| ClientError::Decode {
                url: url.clone(),
                source,
            })?;
            request = request
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(bytes);
        }
        let transport = |source| ClientError::Transport {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status != StatusCode::OK {
            let (error_code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => (body.error_code, body.message),
                Err(_) => (
                    u32::from(status.as_u16()),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ),
            };
            return Err(ClientError::Registry {
                status: status.as_u16(),
                error_code,
                message,
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| ClientError::Decode { url, source })
    }
}

fn config_path(subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("/config/{}", encode(s)),
        None => "/config".to_owned(),
    }
}

/// Percent-encodes a path segment (everything but unreserved characters).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode("alert-packet"), "alert-packet");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn non_http_urls_are_refused() {
        assert!(matches!(
            RegistryClient::new("localhost:8081"),
            Err(ClientError::BadUrl(_))
        ));
    }
}
