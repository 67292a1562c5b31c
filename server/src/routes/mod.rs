//! HTTP routes: the public API, the admin API and the site (widget, demo pages).

pub mod admin;
mod public;
mod site;

use crate::error::ApiError;
use crate::storage::Storage;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use axum::routing::{delete, get, post, put};
use axum::Router;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tower_http::trace::TraceLayer;

/// Largest pledge request body.
pub const PLEDGE_BODY_LIMIT: usize = 16 * 1024;
/// Largest admin request body (a cohort definition).
pub const ADMIN_BODY_LIMIT: usize = 1024 * 1024;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    storage: Arc<dyn Storage>,
    public_url: String,
    widget_dir: PathBuf,
    /// Rendered documents by slug, valid while the cohort's revision is unchanged.
    documents: Mutex<HashMap<String, Arc<public::Rendered>>>,
}

impl AppState {
    pub fn new(storage: Arc<dyn Storage>, public_url: String, widget_dir: PathBuf) -> AppState {
        AppState(Arc::new(Inner { storage, public_url, widget_dir, documents: Mutex::new(HashMap::new()) }))
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.0.storage
    }

    pub fn public_url(&self) -> &str {
        &self.0.public_url
    }
}

pub fn router(state: AppState) -> Router {
    let widget = site::widget_service(&state.0.widget_dir);
    Router::new()
        .route("/healthz", get(public::healthz))
        .route("/api/v1/openapi.yaml", get(site::openapi))
        .route("/api/v1/cohorts/{slug}", get(public::document).options(public::document_preflight))
        .route(
            "/api/v1/cohorts/{slug}/pledges",
            get(public::list_pledges).post(public::create_pledge).options(public::pledges_preflight),
        )
        .route("/api/v1/admin/cohorts", get(admin::list_cohorts))
        .route("/api/v1/admin/cohorts/{slug}", put(admin::put_cohort).get(admin::get_cohort))
        .route("/api/v1/admin/cohorts/{slug}/stakeholders/{name}", put(admin::put_stakeholder))
        .route("/api/v1/admin/cohorts/{slug}/own-contributions", post(admin::own_contributions))
        .route("/api/v1/admin/cohorts/{slug}/pledges", get(admin::list_pledges))
        .route("/api/v1/admin/cohorts/{slug}/pledges.csv", get(admin::export_csv))
        .route("/api/v1/admin/pledges/{id}", get(admin::get_pledge))
        .route("/api/v1/admin/pledges/{id}/confirm", post(admin::confirm_pledge))
        .route("/api/v1/admin/pledges/{id}/cancel", post(admin::cancel_pledge))
        .route("/api/v1/admin/pledges/{id}/hide-message", post(admin::hide_message))
        .route("/api/v1/admin/tokens", post(admin::create_token).get(admin::list_tokens))
        .route("/api/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/", get(site::index))
        .route("/embed/{slug}", get(site::embed))
        .nest_service("/widget", widget)
        .fallback(|| async { ApiError::not_found("This page") })
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Reads a request body of at most `limit` bytes; larger is `413` in the shared shape.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::PayloadTooLarge { limit })
}
