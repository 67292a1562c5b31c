//! The one error type of the HTTP API, mapped once to the shared wire shape
//! `{"error": {"code", "message", "fields": [...]}}` (`cofund_core::api::ApiErrorBody`).

use crate::storage::StoreError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::api::ApiErrorBody;
use cofund_core::FieldError;

#[derive(Debug)]
pub enum ApiError {
    /// 400 with a stable code, e.g. `malformed_json`, `idempotency_key_required`, `bad_cursor`.
    BadRequest { code: &'static str, message: String },
    /// 401: missing, unknown or revoked admin token.
    Unauthorized,
    /// 403 with a stable code, e.g. `origin_not_allowed`, `forbidden`.
    Forbidden { code: &'static str, message: String },
    /// 404.
    NotFound(String),
    /// 409 with a stable code, e.g. `campaign_not_open`, `idempotency_key_reused`.
    Conflict { code: &'static str, message: String },
    /// 413.
    PayloadTooLarge { limit: usize },
    /// 422 `validation_failed` with every field error.
    Validation(Vec<FieldError>),
    /// 422 with another stable code, e.g. `idempotency_key_reused`.
    Unprocessable { code: &'static str, message: String },
    /// 500 `internal`; the cause is logged, never sent.
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
        ApiError::BadRequest { code: "malformed_json", message: format!("The request body is not valid JSON: {detail}") }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) | ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The wire body.
    pub fn body(&self) -> ApiErrorBody {
        let (code, message, fields): (&str, String, Vec<FieldError>) = match self {
            ApiError::BadRequest { code, message } => (code, message.clone(), vec![]),
            ApiError::Unauthorized => ("unauthorized", "A valid admin token is required: Authorization: Bearer cfd_…".into(), vec![]),
            ApiError::Forbidden { code, message } => (code, message.clone(), vec![]),
            ApiError::NotFound(what) => ("not_found", format!("{what} not found."), vec![]),
            ApiError::Conflict { code, message } | ApiError::Unprocessable { code, message } => {
                (code, message.clone(), vec![])
            }
            ApiError::PayloadTooLarge { limit } => {
                ("payload_too_large", format!("The request body is larger than {limit} bytes."), vec![])
            }
            ApiError::Validation(fields) => {
                let message = if fields.is_empty() {
                    "The request is not valid.".to_owned()
                } else {
                    let parts: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                    format!("The request is not valid: {}.", parts.join("; "))
                };
                ("validation_failed", message, fields.clone())
            }
            ApiError::Internal(_) => ("internal", "Something went wrong on our side. Please try again.".into(), vec![]),
        };
        ApiErrorBody { error: cofund_core::api::ApiError { code: code.to_owned(), message, fields } }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("The resource".into()),
            StoreError::Invalid(fields) => ApiError::Validation(fields),
            StoreError::Conflict { code, message } => ApiError::Conflict { code, message },
            StoreError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let body = serde_json::to_vec(&self.body()).unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".to_vec());
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"cofund-admin\""));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
