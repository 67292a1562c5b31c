//! Online payment of pledges: starting a payment (from a page the cohort allows), the
//! donor's view of its outcome, and the provider's webhook. Thin callers of
//! `domain::payments`.

use super::cors;
use super::extract::{ApiJson, PLEDGE_BODY_LIMIT};
use super::limits::ClientAddress;
use super::AppState;
use crate::domain::{self, payments::WebhookOutcome};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use cofund_core::api::{ErrorCode, PaymentStartRequest};
use serde::Deserialize;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// `OPTIONS …/pledges/{id}/payments`: like a pledge's preflight.
pub async fn start_preflight(
    State(state): State<AppState>,
    Path((slug, _id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match state.cofund().cohort(&slug).await {
        Ok(c) => cors::pledge_preflight(&c.definition, cors::origin(&headers)),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /api/v1/cohorts/{slug}/pledges/{id}/payments` with `{"return_url"}` and an
/// `Idempotency-Key`: `201 {"checkout_url"}`.
pub async fn start(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Result<ApiJson<PaymentStartRequest, PLEDGE_BODY_LIMIT>, ApiError>,
) -> Response {
    let origin = cors::origin(&headers).cloned();
    // Each start with a new key makes a payment at the provider (and uses the merchant's
    // API quota): starts count against the same per-client allowance as pledges.
    let outcome = match state.pledge_limiter().check(client) {
        Ok(()) => start_inner(&state, &slug, &id, &headers, body).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(resp) => cors::pledge_answer(resp, origin),
        Err(e) if e.code() == ErrorCode::OriginNotAllowed => cors::pledge_answer(e.into_response(), None),
        Err(e) => cors::pledge_answer(e.into_response(), origin),
    }
}

async fn start_inner(
    state: &AppState,
    slug: &str,
    id: &str,
    headers: &HeaderMap,
    body: Result<ApiJson<PaymentStartRequest, PLEDGE_BODY_LIMIT>, ApiError>,
) -> ApiResult<Response> {
    let cohort = state.cofund().cohort(slug).await?;
    cors::check_pledge_origin(&cohort.definition, cors::origin(headers))?;
    let key =
        headers.get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).and_then(domain::IdempotencyKey::parse).ok_or_else(
            || {
                ApiError::coded(
                    ErrorCode::IdempotencyKeyRequired,
                    "An Idempotency-Key header of 1 to 128 visible ASCII characters is required.",
                )
            },
        )?;
    let ApiJson(request) = body?;
    let started = state.cofund().start_payment(slug, id, &request.return_url, key.as_str(), domain::now()).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], axum::Json(started)).into_response())
}

/// `GET /api/v1/cohorts/{slug}/pledges/{id}/payment`: the pledge's payment as the donor
/// sees it on returning. Pledge ids are unguessable and the answer holds nothing
/// personal, so any page may read it.
pub async fn state(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>) -> Response {
    let resp = match state.cofund().payment_state(&slug, &id, domain::now()).await {
        Ok(s) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(s)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    };
    cors::readable_anywhere(resp)
}

#[derive(Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    id: Option<String>,
}

/// `POST /api/v1/payments/webhook` with `id=tr_…` (form-encoded, as Mollie sends it).
/// The body is never trusted: it only names a payment. `200` once the payment's status
/// is applied (or when the id is not ours); `500` when the provider could not be asked,
/// so the provider calls again later.
pub async fn webhook(
    State(state): State<AppState>,
    form: Result<Form<WebhookForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Some(id) = form.ok().and_then(|Form(f)| f.id).filter(|id| !id.is_empty() && id.len() <= 128) else {
        return ApiError::coded(ErrorCode::BadRequest, "A webhook names a payment: id=tr_…").into_response();
    };
    match state.cofund().payment_webhook(&id, domain::now()).await {
        Ok(WebhookOutcome::Unknown | WebhookOutcome::Applied { .. }) => StatusCode::OK.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
