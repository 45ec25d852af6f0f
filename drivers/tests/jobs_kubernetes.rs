//! The Kubernetes Job runtime against recorded API request/response pairs.
//!
//! No API server runs here, and none was used to make the fixtures (see
//! `tests/fixtures/k8s/README.md`). Each fixture under `tests/fixtures/k8s/` is an
//! ordered list of exchanges (method, path with query, request body where
//! there is one, response status and body shaped like a real API server's).
//! [`Replay`] serves them to `kube::Client::new` as a tower service; a request
//! that does not match the next exchange, or an exchange left unconsumed,
//! fails the test.
#![cfg(feature = "kubernetes")]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use alertsim_core::scaler::{JobCounts, KedaVersion, ScaledJobSettings, count_jobs};
use alertsim_drivers::jobs::kubernetes::{KubernetesRuntime, job_manifest};
use alertsim_drivers::jobs::{Finished, JobPhase, JobRuntime, JobTemplate, JobsError, PodPhase};
use http_body_util::BodyExt;
use kube::client::Body;
use serde::Deserialize;
use serde_json::Value;

const NAMESPACE: &str = "prompt-processing";
const SCALED_JOB: &str = "prompt-proc";

#[derive(Debug, Deserialize)]
struct Fixture {
    #[allow(dead_code, reason = "documents the fixture for readers")]
    description: String,
    exchanges: Vec<Exchange>,
}

#[derive(Debug, Deserialize)]
struct Exchange {
    request: RecordedRequest,
    response: RecordedResponse,
}

#[derive(Debug, Deserialize)]
struct RecordedRequest {
    method: String,
    path: String,
    #[serde(default)]
    body: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct RecordedResponse {
    status: u16,
    body: Value,
}

#[derive(Default)]
struct ReplayState {
    expected: VecDeque<Exchange>,
    problems: Vec<String>,
}

/// Replays one fixture; checks on drop that every exchange was used and
/// nothing unexpected was asked.
struct Replay {
    name: String,
    state: Arc<Mutex<ReplayState>>,
}

impl Replay {
    fn load(fixture: &str) -> (Self, kube::Client) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/k8s")
            .join(fixture);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let parsed: Fixture = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("bad fixture {}: {e}", path.display()));
        let state = Arc::new(Mutex::new(ReplayState {
            expected: parsed.exchanges.into(),
            problems: Vec::new(),
        }));
        let served = Arc::clone(&state);
        let service = tower::service_fn(move |request: http::Request<Body>| {
            let state = Arc::clone(&served);
            async move { answer(&state, request).await }
        });
        let client = kube::Client::new(service, NAMESPACE);
        (
            Self {
                name: fixture.to_owned(),
                state,
            },
            client,
        )
    }

    /// Unexpected requests so far, and exchanges not yet consumed.
    fn problems(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut problems = state.problems.clone();
        problems.extend(state.expected.iter().map(|e| {
            format!(
                "expected request never made: {} {}",
                e.request.method, e.request.path
            )
        }));
        problems
    }

    /// Forgets every problem (for tests of the replay itself).
    fn disarm(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.problems.clear();
        state.expected.clear();
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        let problems = self.problems();
        if !problems.is_empty() && !std::thread::panicking() {
            panic!("replay of {}: {}", self.name, problems.join("; "));
        }
    }
}

async fn answer(
    state: &Mutex<ReplayState>,
    request: http::Request<Body>,
) -> Result<http::Response<Body>, std::io::Error> {
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let bytes = request
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let body: Option<Value> = if bytes.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(&bytes).map_err(std::io::Error::other)?)
    };
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let mismatch = match state.expected.front() {
        None => Some("no more exchanges recorded".to_owned()),
        Some(next) if next.request.method != method || next.request.path != path => Some(format!(
            "expected {} {}",
            next.request.method, next.request.path
        )),
        Some(next) if next.request.body != body => Some(format!(
            "body differs: expected {}",
            next.request
                .body
                .as_ref()
                .map_or("none".into(), Value::to_string)
        )),
        Some(_) => None,
    };
    if let Some(why) = mismatch {
        let got = body.as_ref().map_or(String::new(), |b| format!(" {b}"));
        let problem = format!("unexpected request {method} {path}{got}: {why}");
        state.problems.push(problem.clone());
        return Err(std::io::Error::other(problem));
    }
    let Some(exchange) = state.expected.pop_front() else {
        return Err(std::io::Error::other("exchange vanished"));
    };
    let payload = serde_json::to_vec(&exchange.response.body).map_err(std::io::Error::other)?;
    http::Response::builder()
        .status(exchange.response.status)
        .header("content-type", "application/json")
        .body(Body::from(payload))
        .map_err(std::io::Error::other)
}

fn worker_template() -> JobTemplate {
    JobTemplate::new(
        SCALED_JOB,
        "ghcr.io/lsst-dm/prompt-service:latest",
        vec!["python3".into(), "-m".into(), "activator.activator".into()],
    )
    .with_env("WORKER_RESTART_FREQ", "10")
    .with_env("FANNED_OUT_MSG_LISTEN_TIMEOUT", "900")
    .with_requests("1", "2Gi")
}

#[tokio::test]
async fn create_posts_a_keda_shaped_job_and_returns_the_generated_name() {
    let (replay, client) = Replay::load("create_job.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let name = jobs.create(&worker_template()).await.expect("create");
    assert_eq!(name, "prompt-proc-7wq4x");
    assert!(replay.problems().is_empty(), "{:?}", replay.problems());
}

#[test]
fn the_manifest_has_rubins_worker_pod_settings() {
    let job = job_manifest(SCALED_JOB, &worker_template());
    let spec = job.spec.expect("spec");
    assert_eq!(spec.parallelism, Some(1));
    assert_eq!(spec.backoff_limit, Some(0));
    let pod = spec.template.spec.expect("pod spec");
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let label = |labels: Option<&std::collections::BTreeMap<String, String>>| {
        labels
            .and_then(|l| l.get("scaledjob.keda.sh/name"))
            .cloned()
    };
    assert_eq!(label(job.metadata.labels.as_ref()), Some(SCALED_JOB.into()));
    assert_eq!(
        label(
            spec.template
                .metadata
                .as_ref()
                .and_then(|m| m.labels.as_ref())
        ),
        Some(SCALED_JOB.into())
    );
    assert_eq!(job.metadata.generate_name.as_deref(), Some("prompt-proc-"));
}

#[tokio::test]
async fn list_reads_states_and_counts_r_and_p() {
    let (replay, client) = Replay::load("list_jobs.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let listed = jobs.list().await.expect("list");
    let phases: Vec<(&str, JobPhase)> = listed
        .iter()
        .map(|job| (job.name.as_str(), job.phase()))
        .collect();
    assert_eq!(
        phases,
        vec![
            ("prompt-proc-2b9dk", JobPhase::Succeeded),
            ("prompt-proc-5xkq7", JobPhase::Failed),
            ("prompt-proc-9ftl2", JobPhase::Running),
            ("prompt-proc-hcz6v", JobPhase::Pending),
            ("prompt-proc-m4rjn", JobPhase::Running),
            ("prompt-proc-tq8wz", JobPhase::Pending),
        ]
    );
    let by_name = |name: &str| listed.iter().find(|job| job.name == name).expect("listed");
    let done = by_name("prompt-proc-2b9dk");
    assert_eq!(done.finished, Some(Finished::Complete));
    assert_eq!(done.exit_code, Some(0));
    // completionTime 2026-11-21T03:09:40Z
    assert_eq!(done.finished_at_ms, Some(1_795_230_580_000));
    let failed = by_name("prompt-proc-5xkq7");
    assert_eq!(failed.exit_code, Some(1));
    // no completionTime on a failed Job: the Failed condition's transition time
    assert_eq!(failed.finished_at_ms, Some(1_795_230_435_000));
    let starting = by_name("prompt-proc-hcz6v");
    assert_eq!(
        starting.pods.iter().map(|p| p.phase).collect::<Vec<_>>(),
        vec![PodPhase::Pending]
    );
    assert!(
        listed.iter().all(|job| job.pods.len() == 1),
        "the pod of a deleted Job is not attributed to any listed Job"
    );

    let default = count_jobs(&ScaledJobSettings::default(), &listed);
    assert_eq!(
        default,
        JobCounts {
            running: 4,
            pending: 2
        }
    );
    for version in [KedaVersion::LATEST, KedaVersion::V2_16] {
        let ready = ScaledJobSettings {
            keda_version: version,
            ..ScaledJobSettings::default()
        }
        .with_pending_pod_conditions(["PodScheduled", "Ready"]);
        let counts = count_jobs(&ready, &listed);
        assert_eq!(
            counts,
            JobCounts {
                running: 4,
                pending: 3
            },
            "{version:?}"
        );
    }
    drop(replay);
}

#[tokio::test]
async fn counts_come_from_one_jobs_and_one_pods_request() {
    let (replay, client) = Replay::load("list_jobs.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let counts = jobs
        .counts(&ScaledJobSettings::default())
        .await
        .expect("counts");
    assert_eq!(
        counts,
        JobCounts {
            running: 4,
            pending: 2
        }
    );
    drop(replay);
}

#[tokio::test]
async fn history_cleanup_deletes_the_oldest_finished_jobs_in_background() {
    let (replay, client) = Replay::load("cleanup_history.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let limits = ScaledJobSettings::default().with_history_limits(1, 1);
    let deleted = jobs.cleanup_history(&limits).await.expect("cleanup");
    assert_eq!(
        deleted,
        vec![
            "prompt-proc-4kd2s",
            "prompt-proc-8hvw9",
            "prompt-proc-c2lnm"
        ]
    );
    drop(replay);
}

#[tokio::test]
async fn rollout_deletes_every_unfinished_job() {
    let (replay, client) = Replay::load("rollout.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let deleted = jobs.delete_unfinished().await.expect("rollout");
    assert_eq!(deleted.len(), 4);
    drop(replay);
}

#[tokio::test]
async fn deleting_a_missing_job_is_not_found() {
    let (replay, client) = Replay::load("delete_not_found.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let result = jobs.delete("prompt-proc-gone1").await;
    assert!(
        matches!(&result, Err(JobsError::NotFound(name)) if name == "prompt-proc-gone1"),
        "{result:?}"
    );
    drop(replay);
}

#[tokio::test]
async fn the_replay_rejects_unexpected_requests_and_reports_unused_ones() {
    let (replay, client) = Replay::load("delete_not_found.json");
    let jobs = KubernetesRuntime::new(client, NAMESPACE, SCALED_JOB);
    let result = jobs.delete("prompt-proc-other").await;
    assert!(matches!(result, Err(JobsError::Kube(_))), "{result:?}");
    let problems = replay.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .first()
            .is_some_and(|p| p.contains("unexpected request DELETE"))
    );
    assert!(problems.get(1).is_some_and(|p| p.contains("never made")));
    replay.disarm();
}
