//! Cross-origin rules. Anyone may read documents and public pledges (`*`); pledges are
//! accepted from a browser only on the origins a cohort allows.

use crate::domain::{self, CohortDefinition};
use crate::error::ApiError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::api::ErrorCode;

/// Adds the headers that let any origin read a response (and its ETag).
pub fn readable_anywhere(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag, x-request-id"));
    resp
}

/// The answer to a preflight for reading.
pub fn read_preflight() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("if-none-match, last-event-id"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    resp
}

/// The request's `Origin`, if it has one.
pub fn origin(headers: &HeaderMap) -> Option<&HeaderValue> {
    headers.get(header::ORIGIN)
}

fn refused() -> ApiError {
    ApiError::coded(ErrorCode::OriginNotAllowed, "Pledges are not accepted from this origin.")
}

/// `Ok` for a request without `Origin` (not from a browser page) or from an allowed one.
pub fn check_pledge_origin(def: &CohortDefinition, origin: Option<&HeaderValue>) -> Result<(), ApiError> {
    match origin {
        None => Ok(()),
        Some(o) if o.to_str().is_ok_and(|o| domain::origin_allowed(&def.allowed_origins, o)) => Ok(()),
        Some(_) => Err(refused()),
    }
}

/// The answer to a preflight for `POST`ing a pledge from `origin`.
pub fn pledge_preflight(def: &CohortDefinition, origin: Option<&HeaderValue>) -> Response {
    let mut resp = match (origin, check_pledge_origin(def, origin)) {
        (Some(o), Ok(())) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, idempotency-key"));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            resp
        }
        (_, Err(e)) => e.into_response(),
        (None, Ok(())) => StatusCode::NO_CONTENT.into_response(),
    };
    resp.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
    resp
}

/// Lets an allowed page read the answer to its pledge.
pub fn pledge_answer(mut resp: Response, origin: Option<HeaderValue>) -> Response {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-request-id"));
    }
    resp
}
