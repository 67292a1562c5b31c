//! Request ids: every request gets one — the incoming `X-Request-Id` when it is
//! well-formed (a load balancer's or another instance's), a new UUID otherwise — which
//! is returned in the response's `X-Request-Id` and is a field of the request's span,
//! so every log line written while handling it names it.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use tower_http::request_id::RequestId;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// 1 to 128 of `A-Z a-z 0-9 - _ . : + / =`: UUIDs, ULIDs, hex, base64 and the ids of
/// common proxies fit; nothing that could forge a log line does.
pub fn well_formed(id: &[u8]) -> bool {
    (1..=128).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
}

/// Removes an incoming `X-Request-Id` that is not well-formed (or is sent twice), so a
/// new one is made for the request. (Synchronous: it runs on every request.)
pub fn drop_malformed(mut req: Request) -> Request {
    let ids = req.headers().get_all(&X_REQUEST_ID);
    let mut it = ids.iter();
    let keep = matches!((it.next(), it.next()), (Some(v), None) if well_formed(v.as_bytes()));
    if !keep {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    req
}

/// The span of one request: its id, method and route template (never the client's
/// address, and not the raw URL, which may carry a pledge id).
pub fn span(req: &Request) -> tracing::Span {
    let id = req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("(unmatched)");
    tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_common_shapes_are_well_formed_and_others_not() {
        for ok in
            ["3f2b1c1e-7a8e-4c55-9d2a-0c3c8f6b2e11", "01HZX3J5M6", "Root=1-67891233-abcdef012345678912345678", "a"]
        {
            assert!(well_formed(ok.as_bytes()), "{ok}");
        }
        let long = "x".repeat(129);
        for bad in ["", "two words", "line\nbreak", "quote\"", "ünïcode", long.as_str()] {
            assert!(!well_formed(bad.as_bytes()), "{bad:?}");
        }
    }
}
