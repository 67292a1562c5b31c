//! HTTP routes: the public API, the admin API and the site (widget, demo pages).

pub mod admin;
mod cors;
mod donor;
mod events;
pub mod extract;
mod first_view;
pub mod limits;
mod mail;
mod metrics;
mod payments;
mod public;
pub mod request_id;
pub mod session;
mod site;
mod widget;

pub use extract::{ADMIN_BODY_LIMIT, PLEDGE_BODY_LIMIT};

use crate::config::Settings;
use crate::domain::Cofund;
use crate::error::ApiError;
use crate::metrics::Metrics;
use axum::routing::{delete, get, post, put};
use axum::Router;
use ipnet::IpNet;
use limits::PledgeLimiter;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Shared by every handler: the domain, the built widget's files, and the settings of
/// the HTTP side (abuse limits).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    cofund: Arc<Cofund>,
    widget_files: widget::WidgetFiles,
    pledge_limiter: PledgeLimiter,
    trusted_proxies: Vec<IpNet>,
    metrics: Option<Arc<Metrics>>,
    metrics_allow: Vec<IpNet>,
    /// The built-in test provider's own routes (`--payments demo`), if it runs here.
    demo_provider: Option<Router>,
    dashboard_dir: PathBuf,
    /// The demo's caught e-mail (`cofund demo --dev-mailbox`), served at `/dev/mailbox`.
    dev_mailbox: Option<PathBuf>,
}

impl AppState {
    /// `metrics`: the figures `/metrics` serves, when it is on; `demo_provider`: the
    /// built-in test provider's routes, served under `/demo-psp/`.
    pub fn new(
        cofund: Arc<Cofund>,
        settings: &Settings,
        metrics: Option<Arc<Metrics>>,
        demo_provider: Option<Router>,
    ) -> AppState {
        AppState(Arc::new(Inner {
            cofund,
            widget_files: widget::WidgetFiles::new(settings.widget_dir.clone(), settings.loader_max_age_secs),
            pledge_limiter: PledgeLimiter::new(settings.pledge_rate_per_minute, settings.pledge_burst),
            trusted_proxies: settings.trusted_proxies.clone(),
            metrics,
            metrics_allow: settings.metrics_allow.clone(),
            demo_provider,
            dashboard_dir: settings.dashboard_dir.clone(),
            dev_mailbox: settings.dev_mailbox.clone(),
        }))
    }

    pub fn metrics(&self) -> Option<&Arc<Metrics>> {
        self.0.metrics.as_ref()
    }

    pub fn metrics_allow(&self) -> &[IpNet] {
        &self.0.metrics_allow
    }

    pub fn pledge_limiter(&self) -> &PledgeLimiter {
        &self.0.pledge_limiter
    }

    pub fn trusted_proxies(&self) -> &[IpNet] {
        &self.0.trusted_proxies
    }

    pub fn cofund(&self) -> &Arc<Cofund> {
        &self.0.cofund
    }

    pub fn widget_files(&self) -> &widget::WidgetFiles {
        &self.0.widget_files
    }

    pub fn dev_mailbox(&self) -> Option<&std::path::Path> {
        self.0.dev_mailbox.as_deref()
    }

    pub fn public_url(&self) -> &str {
        self.0.cofund.public_url()
    }
}

pub fn router(state: AppState) -> Router {
    let dashboard = site::dashboard_service(&state.0.dashboard_dir);
    let demo_provider = state.0.demo_provider.clone();
    let metrics_layer =
        state.metrics().is_some().then(|| axum::middleware::from_fn_with_state(state.clone(), metrics::count_request));
    let mut router = Router::new();
    if state.metrics().is_some() {
        router = router.route("/metrics", get(metrics::metrics));
    }
    if state.dev_mailbox().is_some() {
        router =
            router.route("/dev/mailbox", get(mail::dev_mailbox)).route("/dev/mailbox/{name}", get(mail::dev_message));
    }
    let router = router
        .route("/healthz", get(public::healthz))
        .route("/api/v1/openapi.yaml", get(site::openapi))
        .route("/api/v1/cohorts/{slug}", get(public::document).options(public::document_preflight))
        .route("/api/v1/programmes/{slug}", get(public::programme).options(public::document_preflight))
        .route("/api/v1/cohorts/{slug}/view", get(first_view::fragment).options(public::document_preflight))
        .route("/api/v1/cohorts/{slug}/events", get(events::events).options(public::document_preflight))
        .route("/api/v1/programmes/{slug}/events", get(events::programme_events).options(public::document_preflight))
        .route(
            "/api/v1/cohorts/{slug}/pledges",
            get(public::list_pledges).post(public::create_pledge).options(public::pledges_preflight),
        )
        .route("/api/v1/cohorts/{slug}/pledges/{id}/payments", post(payments::start).options(payments::start_preflight))
        .route("/api/v1/cohorts/{slug}/pledges/{id}/payment", get(payments::state).options(public::document_preflight))
        .route("/api/v1/payments/webhook", post(payments::webhook))
        .route("/api/v1/admin/cohorts", get(admin::list_cohorts))
        .route("/api/v1/admin/cohorts/{slug}", put(admin::put_cohort).get(admin::get_cohort))
        .route("/api/v1/admin/cohorts/{slug}/stakeholders/{name}", put(admin::put_stakeholder))
        .route("/api/v1/admin/cohorts/{slug}/own-contributions", post(admin::own_contributions))
        .route("/api/v1/admin/cohorts/{slug}/online-payment", put(admin::online_payment))
        .route("/api/v1/admin/cohorts/{slug}/pledges", get(admin::list_pledges))
        .route("/api/v1/admin/cohorts/{slug}/pledges.csv", get(admin::export_csv))
        .route("/api/v1/admin/cohorts/{slug}/pledges/confirm", post(admin::confirm_pledges))
        .route("/api/v1/admin/cohorts/{slug}/outbox", get(mail::cohort_outbox))
        .route("/api/v1/admin/cohorts/{slug}/settlements", get(admin::settlements))
        .route("/api/v1/admin/cohorts/{slug}/settlements.csv", get(admin::settlements_csv))
        .route("/api/v1/admin/programmes/{slug}", put(admin::put_programme).get(admin::get_programme))
        .route("/api/v1/admin/programmes/{slug}/pot-history", get(admin::pot_history))
        .route("/api/v1/admin/programmes/{slug}/settlements", get(admin::programme_settlements))
        .route("/api/v1/admin/programmes/{slug}/settlements.csv", get(admin::programme_settlements_csv))
        .route("/mail/unsubscribe", get(mail::unsubscribe_page).post(mail::unsubscribe))
        .route("/api/v1/admin/cohorts/{slug}/outbox/{id}/retry", post(mail::retry_message))
        .route("/api/v1/admin/cohorts/{slug}/news", get(mail::cohort_news).post(mail::send_news))
        .route("/api/v1/admin/cohorts/{slug}/news/preview", post(mail::preview_news))
        .route("/api/v1/admin/cohorts/{slug}/news/test", post(mail::test_news))
        .route("/mail/donor", get(donor::donor_page))
        .route("/mail/donor/data.json", get(donor::donor_data))
        .route("/mail/donor/anonymise", post(donor::anonymise))
        .route("/mail/donor/statement", get(donor::statement))
        .route("/api/v1/cohorts/{slug}/qr.svg", get(site::qr_code))
        .route("/api/v1/session", get(session::current).post(session::sign_in_with_token).delete(session::sign_out))
        .route(
            "/sign-in",
            get(session::sign_in_page)
                .post(session::sign_in_with_link)
                .layer(axum::middleware::from_fn(session::deny_framing)),
        )
        .route("/api/v1/admin/pledges/{id}", get(admin::get_pledge))
        .route("/api/v1/admin/pledges/{id}/confirm", post(admin::confirm_pledge))
        .route("/api/v1/admin/pledges/{id}/cancel", post(admin::cancel_pledge))
        .route("/api/v1/admin/pledges/{id}/hide-message", post(admin::hide_message))
        .route("/api/v1/admin/tokens", post(admin::create_token).get(admin::list_tokens))
        .route("/api/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/", get(site::index))
        .route("/embed/{slug}", get(site::embed))
        .route("/widget", get(|| async { axum::response::Redirect::permanent("/widget/") }))
        .route("/widget/", get(widget::index))
        .route("/widget/{*path}", get(widget::file))
        .route("/manage", get(|| async { axum::response::Redirect::permanent("/manage/") }))
        .nest_service("/manage/", dashboard)
        .fallback(|| async { ApiError::not_found("This page") })
        .layer(
            // Outermost first: the request id exists before the span opens, and the
            // response carries it whatever happened inside. The request counter is only
            // there when metrics are on.
            ServiceBuilder::new()
                .map_request(request_id::drop_malformed)
                .layer(SetRequestIdLayer::new(request_id::X_REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(request_id::X_REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &axum::extract::Request| request_id::span(req))
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .option_layer(metrics_layer),
        )
        .with_state(state);
    match demo_provider {
        Some(demo) => router.nest_service(crate::payments::demo::MOUNT, demo),
        None => router,
    }
}
