//! `GET /metrics` (registered only when metrics are on) and the middleware that counts
//! requests by route template and status.

use super::admin::Admin;
use super::limits::ClientAddress;
use super::AppState;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The method as a metric label: the standard methods by name, anything else (any
/// token is a valid method) as `other`, so a client cannot make new series at will.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Readable from the configured addresses, or by an admin of every programme: an admin
/// token without a programme limit, or a coordinator's session for all programmes. A
/// member or a coordinator limited to one programme gets `403`: the figures cover every
/// programme on this instance.
pub async fn metrics(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    admin: Result<Admin, ApiError>,
) -> Response {
    let Some(metrics) = state.metrics() else { return ApiError::not_found("This page").into_response() };
    let allowed = state.metrics_allow().iter().any(|n| n.contains(&client));
    if !allowed {
        match admin {
            Err(e) => return e.into_response(),
            Ok(Admin(access)) if !access.administers_everything() => {
                return ApiError::forbidden("Only an administrator of every programme reads the metrics.")
                    .into_response();
            }
            Ok(_) => {}
        }
    }
    let body = metrics.render(state.cofund().live().subscriber_count());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

/// Counts each request under its route template (`/api/v1/cohorts/{slug}`), method and
/// status; requests that match no route count as `(unmatched)`.
pub async fn count_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(metrics) = state.metrics().cloned() else { return next.run(req).await };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let method = method_label(req.method());
    let resp = next.run(req).await;
    metrics.request(&route, method, resp.status().as_u16());
    resp
}
