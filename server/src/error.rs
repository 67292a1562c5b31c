//! The one error type of the HTTP API, mapped once to the shared wire shape
//! `{"error": {"code", "message", "fields": [...]}}` (`cofund_core::api::ApiErrorBody`),
//! with the stable codes of `cofund_core::api::ErrorCode`.

use crate::domain::DomainError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::api::{ApiErrorBody, ErrorCode};
use cofund_core::FieldError;

#[derive(Debug)]
pub enum ApiError {
    /// A refusal with a stable code; the status follows from the code.
    Coded { code: ErrorCode, message: String },
    /// 401: missing, unknown or revoked admin token.
    Unauthorized,
    /// 404.
    NotFound(String),
    /// 413.
    PayloadTooLarge { limit: usize },
    /// 415: the body is not `application/json`.
    UnsupportedMediaType { found: Option<String> },
    /// 422 `validation_failed` with every field error.
    Validation(Vec<FieldError>),
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// 503 `unavailable` with `Retry-After`: the database cannot serve now; the cause
    /// is logged, never sent.
    Unavailable(anyhow::Error),
    /// 500 `internal`; the cause is logged, never sent.
    Internal(anyhow::Error),
}

/// `Retry-After` of a `503 unavailable`, in seconds.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The HTTP status of a refusal with `code`.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::ValidationFailed | ErrorCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::MalformedJson | ErrorCode::IdempotencyKeyRequired | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::CampaignNotOpen | ErrorCode::InvalidTransition | ErrorCode::StaleRevision => StatusCode::CONFLICT,
        ErrorCode::OriginNotAllowed | ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManySubscribers => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::PaymentUnavailable => StatusCode::CONFLICT,
        ErrorCode::PaymentProviderFailed => StatusCode::BAD_GATEWAY,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn coded(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Coded { code, message: message.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::coded(ErrorCode::Forbidden, message)
    }

    pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
        ApiError::coded(ErrorCode::MalformedJson, format!("The request body is not valid JSON: {detail}"))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Coded { code, .. } => *code,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType { .. } => ErrorCode::UnsupportedMediaType,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        status_of(self.code())
    }

    /// The wire body.
    pub fn body(&self) -> ApiErrorBody {
        let (message, fields): (String, Vec<FieldError>) = match self {
            ApiError::Coded { message, .. } => (message.clone(), vec![]),
            ApiError::Unauthorized => ("Sign in: a valid admin token (Authorization: Bearer cfd_…) or dashboard session is required.".into(), vec![]),
            ApiError::NotFound(what) => (format!("{what} not found."), vec![]),
            ApiError::PayloadTooLarge { limit } => (format!("The request body is larger than {limit} bytes."), vec![]),
            ApiError::UnsupportedMediaType { found } => (
                match found {
                    Some(t) => format!("The request body must be application/json, not {t}."),
                    None => "The request body must be application/json (Content-Type header missing).".into(),
                },
                vec![],
            ),
            ApiError::Validation(fields) => {
                let message = if fields.is_empty() {
                    "The request is not valid.".to_owned()
                } else {
                    let parts: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                    format!("The request is not valid: {}.", parts.join("; "))
                };
                (message, fields.clone())
            }
            ApiError::RateLimited { retry_after_secs } => {
                (format!("Too many requests from this address; try again in {retry_after_secs} s."), vec![])
            }
            ApiError::Unavailable(_) => (
                format!("The database is unavailable for a moment; nothing was changed. Try again in {UNAVAILABLE_RETRY_AFTER_SECS} s (with the same Idempotency-Key)."),
                vec![],
            ),
            ApiError::Internal(_) => ("Something went wrong on our side. Please try again.".into(), vec![]),
        };
        ApiErrorBody { error: cofund_core::api::ApiError { code: self.code().as_str().to_owned(), message, fields } }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => ApiError::NotFound(what),
            DomainError::Invalid(fields) => ApiError::Validation(fields),
            DomainError::Refused { code, message } => ApiError::Coded { code, message },
            DomainError::Unavailable(e) => ApiError::Unavailable(e),
            DomainError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = format!("{e:#}"), "database unavailable"),
            _ => {}
        }
        let body = serde_json::to_vec(&self.body())
            .unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".to_vec());
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match &self {
            ApiError::Unauthorized => {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"cofund-admin\""));
            }
            ApiError::RateLimited { retry_after_secs } => {
                h.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::Unavailable(_) => {
                h.insert(header::RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
            }
            _ => {}
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_serve_is_a_503_with_retry_after() {
        let e: ApiError = DomainError::from(sqlx::Error::PoolTimedOut).into();
        let resp = e.into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], UNAVAILABLE_RETRY_AFTER_SECS.to_string().as_str());
        let e: ApiError = DomainError::from(sqlx::Error::PoolTimedOut).into();
        assert_eq!(e.body().error.code, "unavailable");
    }
}
