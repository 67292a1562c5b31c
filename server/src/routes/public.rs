//! The public API: the cohort document, the public pledges and pledging.

use super::cors;
use super::extract::{ApiJson, PLEDGE_BODY_LIMIT};
use super::limits::ClientAddress;
use super::AppState;
use crate::domain::{self, IdempotencyKey};
use crate::error::{ApiError, ApiResult};
use crate::storage::{Cursor, PledgeOutcome};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::api::{ErrorCode, PledgePage};
use cofund_core::{FieldError, Problem};
use serde_json::Value;
use std::collections::HashMap;

const CACHE_CONTROL_PUBLIC: &str = "public, max-age=15";
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

pub async fn healthz(State(state): State<AppState>) -> ApiResult<Response> {
    state.cofund().storage().health().await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(serde_json::json!({"status": "ok"}))).into_response())
}

pub async fn document_preflight() -> Response {
    cors::read_preflight()
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks).
pub(super) fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag))
}

pub async fn document(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    rendered(state.cofund().document(&slug).await, &headers)
}

/// `GET /api/v1/programmes/{slug}`: the programme document, served like a cohort's.
pub async fn programme(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    rendered(state.cofund().programme_document(&slug).await, &headers)
}

/// A rendered document with its ETag (`304` when the client has it), cacheable and
/// readable from any origin.
fn rendered<R: std::ops::Deref<Target = crate::domain::RenderedDocument>>(
    result: crate::domain::DomainResult<R>,
    headers: &HeaderMap,
) -> Response {
    let resp = match result {
        Ok(r) => {
            let fresh = !none_match(headers, &r.etag);
            let mut resp =
                if fresh { r.body.clone().into_response() } else { StatusCode::NOT_MODIFIED.into_response() };
            let h = resp.headers_mut();
            if fresh {
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            if let Ok(etag) = HeaderValue::from_str(&r.etag) {
                h.insert(header::ETAG, etag);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_PUBLIC));
            resp
        }
        Err(e) => ApiError::from(e).into_response(),
    };
    cors::readable_anywhere(resp)
}

pub async fn list_pledges(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    cors::readable_anywhere(list_pledges_inner(&state, &slug, &query).await.unwrap_or_else(IntoResponse::into_response))
}

async fn list_pledges_inner(state: &AppState, slug: &str, query: &HashMap<String, String>) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let limit = match query.get("limit") {
        None => 20,
        Some(l) => match l.parse::<u32>() {
            Ok(n @ 1..=100) => n,
            _ => {
                errors.push(FieldError::new("limit", Problem::OutOfRange { min: 1, max: 100 }));
                20
            }
        },
    };
    let cursor = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match Cursor::decode(c) {
            Some(c) => Some(c),
            None => {
                errors
                    .push(FieldError::new("cursor", Problem::Format { expected: "a cursor from next_cursor".into() }));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut rows = state.cofund().public_pledges(slug, cursor, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor =
        if more { rows.last().map(|r| Cursor { created_at: r.created_at.0, seq: r.seq }.encode()) } else { None };
    let page = PledgePage { pledges: rows.iter().map(|r| r.public()).collect(), next_cursor };
    Ok(([(header::CACHE_CONTROL, CACHE_CONTROL_PUBLIC)], axum::Json(page)).into_response())
}

/// `OPTIONS /api/v1/cohorts/{slug}/pledges`: a preflight for `POST` is answered for
/// the cohort's allowed origins only; one for `GET` like the document's.
pub async fn pledges_preflight(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let method = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).and_then(|v| v.to_str().ok());
    if method != Some("POST") {
        return cors::read_preflight();
    }
    match state.cofund().cohort(&slug).await {
        Ok(c) => cors::pledge_preflight(&c.definition, cors::origin(&headers)),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /api/v1/cohorts/{slug}/pledges`.
pub async fn create_pledge(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Result<ApiJson<Value, PLEDGE_BODY_LIMIT>, ApiError>,
) -> Response {
    let origin = cors::origin(&headers).cloned();
    // Every attempt counts, valid or not: the limit is against floods, not mistakes.
    let outcome = match state.pledge_limiter().check(client) {
        Ok(()) => pledge(&state, &slug, &headers, body).await,
        Err(e) => Err(e),
    };
    if let (Some(metrics), Err(e)) = (state.metrics(), &outcome) {
        metrics.pledge_refused(e.code().as_str());
    }
    match outcome {
        Ok(resp) => cors::pledge_answer(resp, origin),
        // A refused origin does not get to read the answer.
        Err(e) if e.code() == ErrorCode::OriginNotAllowed => cors::pledge_answer(e.into_response(), None),
        Err(e) => cors::pledge_answer(e.into_response(), origin),
    }
}

async fn pledge(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    body: Result<ApiJson<Value, PLEDGE_BODY_LIMIT>, ApiError>,
) -> ApiResult<Response> {
    let cohort = state.cofund().cohort(slug).await?;
    cors::check_pledge_origin(&cohort.definition, cors::origin(headers))?;
    let key = headers.get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).and_then(IdempotencyKey::parse).ok_or_else(
        || {
            ApiError::coded(
                ErrorCode::IdempotencyKeyRequired,
                "An Idempotency-Key header of 1 to 128 visible ASCII characters is required.",
            )
        },
    )?;
    let ApiJson(body) = body?;
    let outcome = state.cofund().pledge(&cohort, &key, &body, domain::now()).await?;
    if let Some(metrics) = state.metrics() {
        metrics.pledge_accepted(matches!(outcome, PledgeOutcome::Created(_)));
    }
    let (PledgeOutcome::Created(body) | PledgeOutcome::Replayed(body)) = outcome;
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response())
}
