//! HTTP routes: the public API, the admin API and the site (widget, demo pages).

pub mod admin;
mod cors;
mod events;
pub mod extract;
mod public;
pub mod session;
mod site;

pub use extract::{ADMIN_BODY_LIMIT, PLEDGE_BODY_LIMIT};

use crate::domain::Cofund;
use crate::error::ApiError;
use axum::routing::{delete, get, post, put};
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Shared by every handler: the domain and where the built widget is.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    cofund: Arc<Cofund>,
    widget_dir: PathBuf,
    dashboard_dir: PathBuf,
}

impl AppState {
    pub fn new(cofund: Arc<Cofund>, widget_dir: PathBuf, dashboard_dir: PathBuf) -> AppState {
        AppState(Arc::new(Inner { cofund, widget_dir, dashboard_dir }))
    }

    pub fn cofund(&self) -> &Arc<Cofund> {
        &self.0.cofund
    }

    pub fn public_url(&self) -> &str {
        self.0.cofund.public_url()
    }
}

pub fn router(state: AppState) -> Router {
    let widget = site::widget_service(&state.0.widget_dir);
    let dashboard = site::dashboard_service(&state.0.dashboard_dir);
    Router::new()
        .route("/healthz", get(public::healthz))
        .route("/api/v1/openapi.yaml", get(site::openapi))
        .route("/api/v1/cohorts/{slug}", get(public::document).options(public::document_preflight))
        .route("/api/v1/cohorts/{slug}/events", get(events::events).options(public::document_preflight))
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
        .route("/api/v1/admin/cohorts/{slug}/pledges/confirm", post(admin::confirm_pledges))
        .route("/api/v1/cohorts/{slug}/qr.svg", get(site::qr_code))
        .route("/api/v1/session", get(session::current).post(session::sign_in_with_token).delete(session::sign_out))
        .route("/sign-in", get(session::sign_in_page).post(session::sign_in_with_link))
        .route("/api/v1/admin/pledges/{id}", get(admin::get_pledge))
        .route("/api/v1/admin/pledges/{id}/confirm", post(admin::confirm_pledge))
        .route("/api/v1/admin/pledges/{id}/cancel", post(admin::cancel_pledge))
        .route("/api/v1/admin/pledges/{id}/hide-message", post(admin::hide_message))
        .route("/api/v1/admin/tokens", post(admin::create_token).get(admin::list_tokens))
        .route("/api/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/", get(site::index))
        .route("/embed/{slug}", get(site::embed))
        .nest_service("/widget", widget)
        .route("/manage", get(|| async { axum::response::Redirect::permanent("/manage/") }))
        .nest_service("/manage/", dashboard)
        .fallback(|| async { ApiError::not_found("This page") })
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
