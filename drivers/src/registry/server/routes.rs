//! The route table of the Confluent REST subset: which handler serves which method and
//! path.

use axum::Router;
use axum::routing::{get, post};

use super::handlers::compatibility::{check_all, check_version};
use super::handlers::config::{
    delete_subject_config, get_config, get_subject_config, put_config, put_subject_config,
};
use super::handlers::mode::{
    delete_subject_mode, get_mode, get_subject_mode, put_mode, put_subject_mode,
};
use super::handlers::schemas::{schema_by_id, schema_types, subjects_of_id, versions_of_id};
use super::handlers::subjects::{
    delete_subject, delete_version, get_version, get_version_schema, list_subjects, list_versions,
    lookup, register,
};
use super::handlers::{not_found, root};
use super::shared::SharedRegistry;

/// The routes of the Confluent REST subset.
pub fn router(registry: SharedRegistry) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/subjects", get(list_subjects))
        .route("/subjects/{subject}", post(lookup).delete(delete_subject))
        .route(
            "/subjects/{subject}/versions",
            get(list_versions).post(register),
        )
        .route(
            "/subjects/{subject}/versions/{version}",
            get(get_version).delete(delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(get_version_schema),
        )
        .route("/schemas/types", get(schema_types))
        .route("/schemas/ids/{id}", get(schema_by_id))
        .route("/schemas/ids/{id}/versions", get(versions_of_id))
        .route("/schemas/ids/{id}/subjects", get(subjects_of_id))
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(check_version),
        )
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(check_all),
        )
        .route("/config", get(get_config).put(put_config))
        .route(
            "/config/{subject}",
            get(get_subject_config)
                .put(put_subject_config)
                .delete(delete_subject_config),
        )
        .route("/mode", get(get_mode).put(put_mode))
        .route(
            "/mode/{subject}",
            get(get_subject_mode)
                .put(put_subject_mode)
                .delete(delete_subject_mode),
        )
        .fallback(not_found)
        .with_state(registry)
}
