//! `GET /metrics` (registered only when metrics are on) and the middleware that counts
//! requests by route template and status.

use super::admin::Admin;
use super::limits::ClientAddress;
use super::AppState;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Readable from the configured addresses, or with an admin token.
pub async fn metrics(State(state): State<AppState>, ClientAddress(client): ClientAddress, admin: Result<Admin, ApiError>) -> Response {
    let Some(metrics) = state.metrics() else { return ApiError::not_found("This page").into_response() };
    let allowed = state.metrics_allow().iter().any(|n| n.contains(&client));
    if !allowed {
        if let Err(e) = admin {
            return e.into_response();
        }
    }
    let body = metrics.render(state.cofund().live().subscriber_count());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

/// Counts each request under its route template (`/api/v1/cohorts/{slug}`), method and
/// status; requests that match no route count as `(unmatched)`.
pub async fn count_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(metrics) = state.metrics().cloned() else { return next.run(req).await };
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "(unmatched)".to_owned());
    let method = req.method().as_str().to_owned();
    let resp = next.run(req).await;
    metrics.request(&route, &method, resp.status().as_u16());
    resp
}
