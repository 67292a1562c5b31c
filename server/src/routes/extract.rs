//! The one JSON body extractor of the API: `application/json` or `415`, at most
//! `LIMIT` bytes or `413`, JSON or `400 malformed_json`, the right shape or `422` naming
//! the field. Every handler that takes a body takes it through [`ApiJson`].

use crate::domain::json::{parse_json, JsonError};
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

/// Largest pledge request body.
pub const PLEDGE_BODY_LIMIT: usize = 16 * 1024;
/// Largest admin request body (a cohort definition).
pub const ADMIN_BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body read as `T`. An empty body reads as JSON `null`, so
/// `ApiJson<Option<T>>` accepts a request without a body.
pub struct ApiJson<T, const LIMIT: usize = ADMIN_BODY_LIMIT>(pub T);

impl<S: Send + Sync, T: DeserializeOwned, const LIMIT: usize> FromRequest<S> for ApiJson<T, LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let declared =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > LIMIT as u64) {
            return Err(ApiError::PayloadTooLarge { limit: LIMIT });
        }
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit: LIMIT })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return parse_json::<T>(b"null").map(ApiJson).map_err(|_| ApiError::malformed_json("the body is empty"));
        }
        if !content_type.as_deref().is_some_and(is_json) {
            return Err(ApiError::UnsupportedMediaType { found: content_type });
        }
        match parse_json::<T>(&bytes) {
            Ok(v) => Ok(ApiJson(v)),
            Err(JsonError::Syntax(m)) => Err(ApiError::malformed_json(m)),
            Err(JsonError::Shape(fields)) => Err(ApiError::Validation(fields)),
        }
    }
}

/// `application/json`, with parameters (`; charset=utf-8`) or a `+json` suffix type.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_media_types() {
        assert!(super::is_json("application/json"));
        assert!(super::is_json("Application/JSON; charset=utf-8"));
        assert!(super::is_json("application/merge-patch+json"));
        assert!(!super::is_json("text/plain"));
        assert!(!super::is_json("application/x-www-form-urlencoded"));
    }
}
