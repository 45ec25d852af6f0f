//! The registry server over HTTP, started in-process on 127.0.0.1:0: every endpoint
//! through the client and raw requests, Confluent's error bodies, a restart on the same
//! data directory, and parallel registrations.
#![cfg(feature = "registry-server")]

use std::net::SocketAddr;
use std::path::Path;

use alertsim_core::registry::{CompatibilityLevel, ErrorCode, Mode};
use alertsim_drivers::registry::{
    ClientError, RegistryClient, RunningRegistry, SchemaIdSource, ServerConfig, start,
};
use serde_json::{Value, json};

const CT: &str = "application/vnd.schemaregistry.v1+json";

fn record(fields: &str) -> String {
    format!(r#"{{"type":"record","name":"alert","namespace":"test","fields":[{fields}]}}"#)
}

fn v1() -> String {
    record(r#"{"name":"id","type":"long"}"#)
}

fn v2() -> String {
    record(r#"{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null}"#)
}

fn no_default() -> String {
    record(r#"{"name":"id","type":"long"},{"name":"flux","type":"double"}"#)
}

async fn serve(dir: &Path) -> RunningRegistry {
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    start(ServerConfig {
        listen,
        data_dir: Some(dir.to_path_buf()),
    })
    .await
    .unwrap()
}

/// A raw request: returns (status, content type, JSON body).
async fn raw(
    method: &str,
    url: &str,
    content_type: &str,
    body: Option<Value>,
) -> (u16, String, Value) {
    let http = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", content_type)
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let ct = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, ct, value)
}

fn registry_code(err: ClientError) -> (u16, u32) {
    match err {
        ClientError::Registry {
            status, error_code, ..
        } => (status, error_code),
        other => panic!("expected a registry error, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_like_confluent_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path()).await;
    let url = server.url();
    let client = RegistryClient::new(&url).unwrap();

    // Register: same schema again gives the same id; a second version a new id.
    let id1 = client.register("alerts-value", &v1()).await.unwrap();
    let fresh = RegistryClient::new(&url).unwrap();
    assert_eq!(fresh.register("alerts-value", &v1()).await.unwrap(), id1);
    let (status, ct, body) = raw(
        "POST",
        &format!("{url}/subjects/alerts-value/versions"),
        "application/json",
        Some(json!({"schema": v2()})),
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, CT));
    let id2 = u32::try_from(body["id"].as_u64().unwrap()).unwrap();
    assert_ne!(id1, id2);

    // Reads.
    assert_eq!(
        client.subjects().await.unwrap(),
        vec!["alerts-value".to_owned()]
    );
    assert_eq!(client.versions("alerts-value").await.unwrap(), vec![1, 2]);
    let latest = client.version("alerts-value", "latest").await.unwrap();
    assert_eq!(
        (latest.version, latest.id, latest.schema.as_str()),
        (2, id2, v2().as_str())
    );
    assert_eq!(client.version("alerts-value", "1").await.unwrap().id, id1);
    assert_eq!(fresh.schema_by_id(id2).await.unwrap(), v2());
    let (status, _, body) = raw(
        "GET",
        &format!("{url}/schemas/ids/{id1}?deleted=true"),
        "",
        None,
    )
    .await;
    assert_eq!(
        (status, body["schema"].as_str()),
        (200, Some(v1().as_str()))
    );
    let (_, _, body) = raw(
        "GET",
        &format!("{url}/schemas/ids/{id1}/versions"),
        "",
        None,
    )
    .await;
    assert_eq!(body, json!([{"subject": "alerts-value", "version": 1}]));

    // Lookup, by canonical form (whitespace differs).
    let spaced = v1().replace(',', " ,\n ");
    let found = fresh.lookup("alerts-value", &spaced).await.unwrap();
    assert_eq!(
        (found.subject.as_str(), found.version, found.id),
        ("alerts-value", 1, id1)
    );

    // Compatibility (default BACKWARD): a field without default is refused.
    let check = client
        .check_compatibility("alerts-value", "latest", &no_default())
        .await
        .unwrap();
    assert!(!check.is_compatible);
    assert!(check.messages.is_some_and(|m| !m.is_empty()));
    let (status, _, body) = raw(
        "POST",
        &format!("{url}/compatibility/subjects/alerts-value/versions/1"),
        CT,
        Some(json!({"schema": v2()})),
    )
    .await;
    assert_eq!((status, body["is_compatible"].as_bool()), (200, Some(true)));
    assert_eq!(
        registry_code(
            client
                .register("alerts-value", &no_default())
                .await
                .unwrap_err()
        ),
        (409, 409)
    );

    // Config: global and per subject.
    assert_eq!(client.compatibility(None).await.unwrap(), "BACKWARD");
    let (status, _, body) = raw("GET", &format!("{url}/config/alerts-value"), "", None).await;
    assert_eq!((status, body["error_code"].as_u64()), (404, Some(40408)));
    client
        .set_compatibility(Some("alerts-value"), CompatibilityLevel::Forward)
        .await
        .unwrap();
    assert_eq!(
        client.compatibility(Some("alerts-value")).await.unwrap(),
        "FORWARD"
    );
    let (status, _, body) = raw(
        "PUT",
        &format!("{url}/config"),
        CT,
        Some(json!({"compatibility": "FULL_TRANSITIVE"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"compatibility": "FULL_TRANSITIVE"}))
    );
    let (status, _, body) = raw(
        "PUT",
        &format!("{url}/config"),
        CT,
        Some(json!({"compatibility": "SIDEWAYS"})),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (422, Some(42203)));
    let id3 = client
        .register("alerts-value", &no_default())
        .await
        .unwrap();

    // IMPORT mode: explicit ids are kept (Rubin's 1100, 1000, 704).
    assert_eq!(
        registry_code(
            client
                .register_with_id("alert-packet", r#""int""#, 704)
                .await
                .unwrap_err()
        ),
        (422, 42205)
    );
    client.set_mode(None, Mode::Import, true).await.unwrap();
    assert_eq!(client.mode().await.unwrap(), "IMPORT");
    for (id, schema) in [
        (1100, r#""long""#),
        (1000, r#""float""#),
        (704, r#""bytes""#),
    ] {
        assert_eq!(
            client
                .register_with_id("alert-packet", schema, id)
                .await
                .unwrap(),
            id
        );
    }
    let (status, _, body) = raw(
        "POST",
        &format!("{url}/subjects/alert-packet/versions"),
        CT,
        Some(json!({"schema": "\"boolean\"", "id": 1100})),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (422, Some(42205)));
    client.set_mode(None, Mode::Readwrite, false).await.unwrap();
    let source = SchemaIdSource::Registry {
        client: fresh.clone(),
        subject: "alert-packet".to_owned(),
        schema: r#""long""#.to_owned(),
        register: false,
    };
    assert_eq!(source.resolve().await.unwrap(), 1100);

    // Errors for missing things and bad input.
    let missing = [
        ("GET", format!("{url}/subjects/nope/versions"), 404, 40401),
        (
            "GET",
            format!("{url}/subjects/alerts-value/versions/77"),
            404,
            40402,
        ),
        (
            "GET",
            format!("{url}/subjects/alerts-value/versions/zero"),
            422,
            42202,
        ),
        ("GET", format!("{url}/schemas/ids/999999"), 404, 40403),
        ("GET", format!("{url}/no/such/endpoint"), 404, 404),
    ];
    for (method, u, status, code) in missing {
        let (got_status, ct, body) = raw(method, &u, "", None).await;
        assert_eq!(
            (got_status, body["error_code"].as_u64()),
            (status, Some(code)),
            "{u}"
        );
        assert_eq!(ct, CT);
    }
    let (status, _, body) = raw(
        "POST",
        &format!("{url}/subjects/alerts-value/versions"),
        CT,
        Some(json!({"schema": "{\"type\": \"recrod\"}"})),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (422, Some(42201)));
    let (status, _, body) = raw(
        "POST",
        &format!("{url}/subjects/alerts-value"),
        CT,
        Some(json!({"schema": "\"string\""})),
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (404, Some(40403)));
    assert_eq!(
        fresh.lookup("nope", &v1()).await.unwrap_err().code(),
        Some(ErrorCode::SubjectNotFound)
    );

    // Delete: soft (returns the versions), then the subject is gone from the lists.
    client.register("doomed", &v1()).await.unwrap();
    assert_eq!(
        client.delete_subject("doomed", false).await.unwrap(),
        vec![1]
    );
    let (_, _, subjects) = raw("GET", &format!("{url}/subjects"), "", None).await;
    assert_eq!(subjects, json!(["alert-packet", "alerts-value"]));
    let (_, _, subjects) = raw("GET", &format!("{url}/subjects?deleted=true"), "", None).await;
    assert_eq!(subjects, json!(["alert-packet", "alerts-value", "doomed"]));

    // Delete a single version: soft, then again is 40406, permanent removes it.
    client.register("single", &v1()).await.unwrap();
    let (status, _, body) = raw(
        "DELETE",
        &format!("{url}/subjects/single/versions/1"),
        "",
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!(1)));
    let (status, _, body) = raw(
        "DELETE",
        &format!("{url}/subjects/single/versions/1"),
        "",
        None,
    )
    .await;
    assert_eq!((status, body["error_code"].as_u64()), (404, Some(40406)));
    let (status, _, body) = raw(
        "DELETE",
        &format!("{url}/subjects/single/versions/1?permanent=true"),
        "",
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!(1)));

    // Restart on the same directory: everything reads back.
    let before_subjects = client.subjects().await.unwrap();
    server.shutdown().await.unwrap();
    let server = serve(dir.path()).await;
    let again = RegistryClient::new(&server.url()).unwrap();
    assert_eq!(again.subjects().await.unwrap(), before_subjects);
    assert_eq!(again.versions("alerts-value").await.unwrap(), vec![1, 2, 3]);
    assert_eq!(again.schema_by_id(id1).await.unwrap(), v1());
    assert_eq!(
        again.version("alerts-value", "latest").await.unwrap().id,
        id3
    );
    assert_eq!(again.schema_by_id(1100).await.unwrap(), r#""long""#);
    assert_eq!(again.compatibility(None).await.unwrap(), "FULL_TRANSITIVE");
    assert_eq!(
        again.compatibility(Some("alerts-value")).await.unwrap(),
        "FORWARD"
    );
    assert_eq!(
        again.versions("doomed").await.unwrap_err().code(),
        Some(ErrorCode::SubjectNotFound)
    );
    assert_eq!(again.delete_subject("doomed", true).await.unwrap(), vec![1]);
    // New ids continue after the highest, also after a restart.
    again
        .set_compatibility(None, CompatibilityLevel::None)
        .await
        .unwrap();
    assert_eq!(again.register("later", r#""double""#).await.unwrap(), 1101);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_registrations_get_consistent_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path()).await;
    let url = server.url();
    const SCHEMAS: usize = 8;
    const TASKS: usize = 64;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let url = url.clone();
        handles.push(tokio::spawn(async move {
            // A client per task so the cache does not hide the server's answers.
            let client = RegistryClient::new(&url).unwrap();
            let n = task % SCHEMAS;
            let schema = record(&format!(r#"{{"name":"f{n}","type":"int","default":{n}}}"#));
            let subject = format!("s{}", task % 3);
            let id = client.register(&subject, &schema).await.unwrap();
            (n, subject, id)
        }));
    }
    let mut ids_by_schema = std::collections::BTreeMap::new();
    for handle in handles {
        let (n, _subject, id) = handle.await.unwrap();
        let previous = ids_by_schema.insert(n, id);
        assert!(
            previous.is_none_or(|p| p == id),
            "schema {n} got ids {previous:?} and {id}"
        );
    }
    // One id per distinct schema, all distinct, 1..=SCHEMAS.
    let mut ids: Vec<u32> = ids_by_schema.values().copied().collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (1..=u32::try_from(SCHEMAS).unwrap()).collect::<Vec<_>>()
    );
    // Each subject holds each of its schemas exactly once, and the store agrees.
    let client = RegistryClient::new(&url).unwrap();
    let mut versions_total = 0;
    for subject in client.subjects().await.unwrap() {
        let versions = client.versions(&subject).await.unwrap();
        let mut seen = Vec::new();
        for v in &versions {
            seen.push(client.version(&subject, &v.to_string()).await.unwrap().id);
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            seen.len(),
            "subject {subject} has a duplicate"
        );
        versions_total += versions.len();
    }
    // task % 3 and task % 8 over 64 tasks: every (subject, schema) pair of the 24 occurs.
    assert_eq!(versions_total, 24);
    let in_memory = server.registry().read(|s| s.clone());
    server.shutdown().await.unwrap();
    let (_, on_disk) = alertsim_drivers::registry::RegistryStore::open(dir.path()).unwrap();
    assert_eq!(on_disk, in_memory);
}
