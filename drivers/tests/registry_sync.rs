//! Rubin's schema sync job against the registry server started in-process:
//! fixed ids imported into an empty registry, `delete_all` leaving exactly
//! what a sync of an empty registry leaves, and the refusals (another schema
//! under the id, IMPORT refused on a subject with versions, an id kept by a
//! soft-deleted version) that stop a producer from writing a borrowed id.
#![cfg(feature = "registry-server")]

use std::net::SocketAddr;

use alertsim_core::alert::schema::alert_schema_json;
use alertsim_core::alert::schema_history::SchemaVersion;
use alertsim_core::registry::{CompatibilityLevel, IMPORT_SUBJECT, Mode, SyncSchema};
use alertsim_drivers::registry::{
    RegistryClient, RunningRegistry, ServerConfig, SyncAction, SyncError, ensure_rubin_id,
    ensure_served, start, sync,
};
use serde_json::{Value, json};

async fn serve() -> (RunningRegistry, RegistryClient) {
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = start(ServerConfig {
        listen,
        data_dir: None,
    })
    .await
    .unwrap();
    let client = RegistryClient::new(&server.url()).unwrap();
    (server, client)
}

fn v11() -> SyncSchema {
    SyncSchema::of(SchemaVersion::V11_0).unwrap()
}

/// Another schema imported under `id` in `subject`, as someone else's tool would.
async fn import_other(client: &RegistryClient, subject: &str, schema: &str, id: u32) {
    client
        .set_mode(Some(subject), Mode::Import, false)
        .await
        .unwrap();
    client.register_with_id(subject, schema, id).await.unwrap();
    client
        .set_mode(Some(subject), Mode::Readwrite, false)
        .await
        .unwrap();
}

/// Everything a client can see of the registry's subjects: each subject's
/// versions with their ids and schemas, and its own mode.
async fn listing(client: &RegistryClient) -> Value {
    let mut out = serde_json::Map::new();
    for subject in client.subjects().await.unwrap() {
        let mut versions = Vec::new();
        for v in client.versions(&subject).await.unwrap() {
            let info = client.version(&subject, &v.to_string()).await.unwrap();
            versions.push(json!([info.version, info.id, info.schema]));
        }
        let mode = client.mode_of(Some(&subject)).await.ok();
        out.insert(subject, json!({"versions": versions, "mode": mode}));
    }
    Value::Object(out)
}

#[tokio::test]
async fn the_sync_job_imports_each_schema_under_its_fixed_id() {
    let (_server, client) = serve().await;
    let schemas = SyncSchema::all().unwrap();
    let report = sync(&client, IMPORT_SUBJECT, &schemas, false)
        .await
        .unwrap();
    let done: Vec<(u32, SyncAction)> = report.schemas.iter().map(|s| (s.id, s.action)).collect();
    assert_eq!(
        done,
        vec![(1000, SyncAction::Imported), (1100, SyncAction::Imported)]
    );
    assert_eq!(
        client.fetch_schema_by_id(1100).await.unwrap().as_deref(),
        Some(v11().schema.as_str())
    );
    let holders: Vec<(String, u32)> = client
        .versions_of_id(1100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.subject, r.version))
        .collect();
    assert_eq!(
        holders,
        vec![
            ("alert-packet".to_owned(), 1100),
            ("lsst-alerts-v11.0-value".to_owned(), 1)
        ]
    );
    assert_eq!(
        client.versions("alert-packet").await.unwrap(),
        vec![1000, 1100]
    );
    assert_eq!(
        client.mode_of(Some("alert-packet")).await.unwrap(),
        "READWRITE"
    );
    // A second sync finds everything in place and changes nothing.
    let before = listing(&client).await;
    let again = sync(&client, IMPORT_SUBJECT, &schemas, false)
        .await
        .unwrap();
    assert!(
        again
            .schemas
            .iter()
            .all(|s| s.action == SyncAction::AlreadyServed)
    );
    assert_eq!(listing(&client).await, before);
}

#[tokio::test]
async fn delete_all_leaves_exactly_what_the_sync_job_leaves_on_an_empty_registry() {
    let schemas = SyncSchema::all().unwrap();
    let (_fresh_server, fresh) = serve().await;
    sync(&fresh, IMPORT_SUBJECT, &schemas, false).await.unwrap();
    let expected = listing(&fresh).await;

    let (_server, client) = serve().await;
    client
        .set_compatibility(None, CompatibilityLevel::None)
        .await
        .unwrap();
    // An earlier load run with assigned ids, another topic's subject, a
    // stale topic subject, and someone's schema under 1100.
    client
        .register("alerts-check-value", &alert_schema_json())
        .await
        .unwrap();
    client.register("other-value", r#""string""#).await.unwrap();
    client
        .register("lsst-alerts-v11.0-value", r#""double""#)
        .await
        .unwrap();
    import_other(&client, "x", r#""long""#, 1100).await;
    let report = sync(&client, IMPORT_SUBJECT, &schemas, true).await.unwrap();
    assert_eq!(
        report.deleted_subjects,
        vec![
            "alerts-check-value",
            "lsst-alerts-v11.0-value",
            "other-value",
            "x"
        ]
    );
    assert_eq!(listing(&client).await, expected);
    assert_eq!(
        client.subjects().await.unwrap(),
        vec![
            "alert-packet",
            "lsst-alerts-v10.0-value",
            "lsst-alerts-v11.0-value"
        ]
    );
    // The ids the earlier run was given are gone with their subjects.
    assert_eq!(client.fetch_schema_by_id(1).await.unwrap(), None);
}

#[tokio::test]
async fn another_schema_under_the_fixed_id_is_refused_and_nothing_changes() {
    let (_server, client) = serve().await;
    import_other(&client, "x", r#""long""#, 1100).await;
    let before = listing(&client).await;
    let err = ensure_rubin_id(&client, &v11()).await.unwrap_err();
    assert!(matches!(err, SyncError::IdTaken { id: 1100, .. }), "{err}");
    assert!(err.is_refusal());
    let text = err.to_string();
    assert!(
        text.contains("id 1100") && text.contains("--delete-all"),
        "{text}"
    );
    assert_eq!(listing(&client).await, before);
}

#[tokio::test]
async fn import_refused_on_a_subject_an_earlier_run_registered_is_refused() {
    let (_server, client) = serve().await;
    // What alertsim did before: registered the schema, which got id 1.
    let old = client
        .register("alert-packet", &alert_schema_json())
        .await
        .unwrap();
    assert_eq!(old, 1);
    let err = ensure_rubin_id(&client, &v11()).await.unwrap_err();
    assert!(err.is_refusal(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("PUT /mode/alert-packet IMPORT") && text.contains("id 1100"),
        "{text}"
    );
    assert_eq!(client.fetch_schema_by_id(1100).await.unwrap(), None);
}

#[tokio::test]
async fn a_soft_deleted_version_keeping_another_schema_under_the_id_is_refused() {
    let (_server, client) = serve().await;
    import_other(&client, "x", r#""long""#, 1100).await;
    client.delete_subject("x", false).await.unwrap();
    // The id serves nothing live, but the registry will not overwrite it.
    assert_eq!(client.fetch_schema_by_id(1100).await.unwrap(), None);
    let err = ensure_rubin_id(&client, &v11()).await.unwrap_err();
    assert!(matches!(err, SyncError::IdTaken { id: 1100, .. }), "{err}");
    // The import subject is not left in IMPORT mode.
    assert_eq!(
        client.mode_of(Some("alert-packet")).await.unwrap(),
        "READWRITE"
    );
}

#[tokio::test]
async fn the_schema_an_earlier_run_registered_elsewhere_does_not_take_the_topic_subject() {
    let (_server, client) = serve().await;
    let old = client
        .register("alerts-check-value", &v11().schema)
        .await
        .unwrap();
    assert_eq!(old, 1);
    assert_eq!(ensure_rubin_id(&client, &v11()).await.unwrap(), 1100);
    let topic = client
        .version("lsst-alerts-v11.0-value", "latest")
        .await
        .unwrap();
    assert_eq!(topic.id, 1100);
}

#[tokio::test]
async fn a_missing_topic_subject_is_completed() {
    let (_server, client) = serve().await;
    ensure_rubin_id(&client, &v11()).await.unwrap();
    client
        .delete_subject("lsst-alerts-v11.0-value", false)
        .await
        .unwrap();
    let synced = ensure_served(&client, IMPORT_SUBJECT, &v11())
        .await
        .unwrap();
    assert_eq!(synced.action, SyncAction::SubjectsCompleted);
    assert_eq!(
        client
            .version("lsst-alerts-v11.0-value", "latest")
            .await
            .unwrap()
            .id,
        1100
    );
}

#[tokio::test]
async fn an_unreachable_registry_is_not_a_refusal() {
    let (server, client) = serve().await;
    server.shutdown().await.unwrap();
    let err = ensure_rubin_id(&client, &v11()).await.unwrap_err();
    assert!(matches!(err, SyncError::Unavailable { .. }), "{err}");
    assert!(!err.is_refusal());
}
