//! The public API: the cohort document, the public pledges and pledging.

use super::{read_body, AppState, PLEDGE_BODY_LIMIT};
use crate::domain::{self, IdempotencyKey};
use crate::error::{ApiError, ApiResult};
use crate::storage::{Cursor, NewPledge, PledgeOutcome, StoreError};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::api::{validate_pledge, PledgePage, PledgeRequest, PledgeStatus};
use cofund_core::{CampaignPhase, Cohort, FieldError, Problem, Timestamp};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Newest pledges in the document.
const RECENT_PLEDGES: usize = 10;
const CACHE_CONTROL_PUBLIC: &str = "public, max-age=15";
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// A document as served: its JSON and strong ETag, for one revision of the cohort.
pub struct Rendered {
    revision: i64,
    body: Bytes,
    etag: HeaderValue,
}

pub async fn healthz(State(state): State<AppState>) -> ApiResult<Response> {
    state.storage().health().await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(serde_json::json!({"status": "ok"}))).into_response())
}

/// CORS for reading: any origin may read documents and public pledges.
fn read_cors(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag"));
    resp
}

fn read_preflight() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("if-none-match"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    resp
}

pub async fn document_preflight() -> Response {
    read_preflight()
}

async fn render(state: &AppState, slug: &str) -> ApiResult<Arc<Rendered>> {
    let Some(revision) = state.storage().cohort_revision(slug).await? else {
        return Err(ApiError::not_found(format!("Cohort {slug:?}")));
    };
    if let Some(r) = state.0.documents.lock().expect("document cache").get(slug) {
        if r.revision == revision {
            return Ok(r.clone());
        }
    }
    let Some(snapshot) = state.storage().snapshot(slug, RECENT_PLEDGES).await? else {
        return Err(ApiError::not_found(format!("Cohort {slug:?}")));
    };
    let pledge_url = format!("{}/api/v1/cohorts/{}/pledges", state.public_url(), slug);
    let doc = snapshot.cohort.definition.to_document(
        snapshot.figures,
        Some(pledge_url),
        snapshot.cohort.updated_at.to_rfc3339(),
    );
    // Served only if the shared crate accepts it, exactly as the widget will.
    let doc = Cohort::from_document(doc)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cohort {slug} renders to an invalid document: {e}")))?
        .into_document();
    let body = Bytes::from(serde_json::to_vec(&doc).map_err(ApiError::internal)?);
    let etag = format!("\"{}\"", &domain::sha256_hex(&body)[..32]);
    let rendered = Arc::new(Rendered {
        revision: snapshot.cohort.revision,
        body,
        etag: HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    });
    state.0.documents.lock().expect("document cache").insert(slug.to_owned(), rendered.clone());
    Ok(rendered)
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks).
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or_default();
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
    })
}

pub async fn document(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let resp = match render(&state, &slug).await {
        Ok(r) => {
            let status = if none_match(&headers, &r.etag) { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
            let mut resp = if status == StatusCode::OK { r.body.clone().into_response() } else { status.into_response() };
            let h = resp.headers_mut();
            if status == StatusCode::OK {
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            h.insert(header::ETAG, r.etag.clone());
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_PUBLIC));
            resp
        }
        Err(e) => e.into_response(),
    };
    read_cors(resp)
}

pub async fn list_pledges(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    read_cors(list_pledges_inner(&state, &slug, &query).await.unwrap_or_else(IntoResponse::into_response))
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
                errors.push(FieldError::new("cursor", Problem::Format { expected: "a cursor from next_cursor".into() }));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let Some(mut rows) = state.storage().public_pledges(slug, cursor, limit + 1).await? else {
        return Err(ApiError::not_found(format!("Cohort {slug:?}")));
    };
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| Cursor { created_at: r.created_at.0, seq: r.seq }.encode())
    } else {
        None
    };
    let page = PledgePage { pledges: rows.iter().map(|r| r.public()).collect(), next_cursor };
    Ok(([(header::CACHE_CONTROL, CACHE_CONTROL_PUBLIC)], axum::Json(page)).into_response())
}

/// `OPTIONS /api/v1/cohorts/{slug}/pledges`: a preflight for `POST` is answered for
/// the cohort's allowed origins only; one for `GET` like the document's.
pub async fn pledges_preflight(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let method = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).and_then(|v| v.to_str().ok());
    if method != Some("POST") {
        return read_preflight();
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cohort = match state.storage().get_cohort(&slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return ApiError::not_found(format!("Cohort {slug:?}")).into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut resp = match origin {
        Some(o) if domain::origin_allowed(&cohort.definition.allowed_origins, o) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(o) {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            }
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, idempotency-key"));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            resp
        }
        Some(_) => origin_refused().into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    };
    resp.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
    resp
}

fn origin_refused() -> ApiError {
    ApiError::Forbidden { code: "origin_not_allowed", message: "Pledges are not accepted from this origin.".into() }
}

/// `POST /api/v1/cohorts/{slug}/pledges`.
pub async fn create_pledge(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let origin = headers.get(header::ORIGIN).cloned();
    let cohort = match state.storage().get_cohort(&slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return ApiError::not_found(format!("Cohort {slug:?}")).into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(o) = &origin {
        let allowed = o.to_str().is_ok_and(|o| domain::origin_allowed(&cohort.definition.allowed_origins, o));
        if !allowed {
            let mut resp = origin_refused().into_response();
            resp.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
            return resp;
        }
    }
    let mut resp = pledge(&state, &slug, &cohort.definition, &headers, body).await.unwrap_or_else(IntoResponse::into_response);
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    resp
}

async fn pledge(
    state: &AppState,
    slug: &str,
    def: &crate::domain::CohortDefinition,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .and_then(IdempotencyKey::parse)
        .ok_or_else(|| ApiError::BadRequest {
            code: "idempotency_key_required",
            message: "An Idempotency-Key header of 1 to 128 visible ASCII characters is required.".into(),
        })?;
    let bytes = read_body(headers, body, PLEDGE_BODY_LIMIT).await?;
    let value: Value = serde_json::from_slice(&bytes).map_err(ApiError::malformed_json)?;
    let request = parse_pledge_request(value, def.crowd.min_cents, def.crowd.max_cents)?;
    // The canonical body: the request as the server understood it, re-serialised.
    let request_hash = domain::sha256_hex(&serde_json::to_vec(&request).map_err(ApiError::internal)?);

    // A retry is answered as the first request was, even if the campaign closed since.
    if let Some(known) = state.storage().idempotent_response(slug, &key).await? {
        return if known.request_hash == request_hash {
            Ok(created(known.body))
        } else {
            Err(key_reused())
        };
    }

    let now = domain::now();
    check_open(def, now)?;
    let valid = validate_pledge(&request, def.crowd.min_cents, def.crowd.max_cents).map_err(ApiError::Validation)?;
    let new = NewPledge { pledge: valid, status: PledgeStatus::Pledged, message_hidden: false, created_at: now };
    match state.storage().create_pledge(slug, &key, &request_hash, new).await {
        Ok(PledgeOutcome::Created(body)) | Ok(PledgeOutcome::Replayed(body)) => Ok(created(body)),
        Err(StoreError::Conflict { code: "idempotency_key_reused", .. }) => Err(key_reused()),
        Err(StoreError::NotFound) => Err(ApiError::not_found(format!("Cohort {slug:?}"))),
        Err(e) => Err(e.into()),
    }
}

fn key_reused() -> ApiError {
    ApiError::Unprocessable {
        code: "idempotency_key_reused",
        message: "This Idempotency-Key was already used with a different request body.".into(),
    }
}

fn created(body: String) -> Response {
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

/// `409 campaign_not_open` unless the cohort takes pledges at `now`.
fn check_open(def: &crate::domain::CohortDefinition, now: Timestamp) -> ApiResult<()> {
    let not_open = |message: String| ApiError::Conflict { code: "campaign_not_open", message };
    if !def.pledging_enabled || def.payment.is_none() {
        return Err(not_open("This cohort does not take pledges.".into()));
    }
    let (Some(opens), Some(closes)) =
        (Timestamp::parse_rfc3339(&def.campaign.opens_at), Timestamp::parse_rfc3339(&def.campaign.closes_at))
    else {
        return Err(ApiError::internal(anyhow::anyhow!("stored campaign dates of {} do not parse", def.slug)));
    };
    match CampaignPhase::at(opens, closes, now) {
        CampaignPhase::Open { .. } => Ok(()),
        CampaignPhase::Upcoming { .. } => Err(not_open(format!("The campaign opens at {}.", opens.to_rfc3339()))),
        CampaignPhase::Closed => Err(not_open(format!("The campaign closed at {}.", closes.to_rfc3339()))),
    }
}

const PLEDGE_FIELDS: [&str; 8] = ["amount_cents", "name", "show_name", "show_amount", "email", "message", "consent", "website"];

/// Reads a pledge request from JSON, reporting a missing or mistyped field as a field
/// error (422) rather than a parse failure, and then every validation error at once.
/// Unknown fields are ignored.
pub fn parse_pledge_request(value: Value, min_cents: i64, max_cents: i64) -> ApiResult<PledgeRequest> {
    let Value::Object(map) = value else {
        return Err(ApiError::malformed_json("expected a JSON object"));
    };
    let mut errors: Vec<FieldError> = Vec::new();
    let format = |errors: &mut Vec<FieldError>, field: &str, expected: &str| {
        errors.push(FieldError::new(field, Problem::Format { expected: expected.into() }));
    };
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let amount_cents = match get("amount_cents") {
        None => {
            errors.push(FieldError::new("amount_cents", Problem::Required));
            None
        }
        Some(v) => match v.as_i64() {
            Some(n) => Some(n),
            None => {
                format(&mut errors, "amount_cents", "a whole number of cents");
                None
            }
        },
    };
    let text = |errors: &mut Vec<FieldError>, field: &str| match get(field) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            format(errors, field, "a string");
            None
        }
    };
    let name = text(&mut errors, "name");
    let email = text(&mut errors, "email");
    let message = text(&mut errors, "message");
    let website = text(&mut errors, "website");
    let flag = |errors: &mut Vec<FieldError>, field: &str, default: bool| match get(field) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::new(field, Problem::Format { expected: "true or false".into() }));
            default
        }
    };
    let show_name = flag(&mut errors, "show_name", false);
    let show_amount = flag(&mut errors, "show_amount", true);
    let consent = flag(&mut errors, "consent", false);
    let request = PledgeRequest {
        amount_cents: amount_cents.unwrap_or(0),
        name,
        show_name,
        show_amount,
        email: email.unwrap_or_default(),
        message,
        consent,
        website,
    };
    if errors.is_empty() {
        return Ok(request);
    }
    // Add what validation says about the fields that were readable, so the donor sees
    // every problem at once.
    if let Err(more) = validate_pledge(&request, min_cents, max_cents) {
        for e in more {
            if !errors.iter().any(|x| x.field == e.field) {
                errors.push(e);
            }
        }
    }
    errors.sort_by_key(|e| PLEDGE_FIELDS.iter().position(|f| *f == e.field).unwrap_or(usize::MAX));
    Err(ApiError::Validation(errors))
}
