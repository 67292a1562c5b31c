//! `GET /api/v1/cohorts/{slug}/events`: the cohort's live progress as Server-Sent
//! Events (see `domain::live`). Readable from any origin, like the document.

use super::cors;
use super::limits::ClientAddress;
use super::AppState;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;

/// A comment line this often keeps proxies from closing a quiet stream.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
const RETRY: Duration = Duration::from_secs(3);

pub async fn events(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let cofund = state.cofund().clone();
    let subscribed = cofund.subscribe(&slug, last_event_id, client).await;
    stream(cofund, subscribed, last_event_id)
}

/// `GET /api/v1/programmes/{slug}/events`: the programme's live figures, in the same
/// format: one event whenever any of its cohorts' documents, or its pot, changes.
pub async fn programme_events(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let cofund = state.cofund().clone();
    let subscribed = cofund.subscribe_programme(&slug, last_event_id, client).await;
    stream(cofund, subscribed, last_event_id)
}

type Subscribed =
    crate::domain::DomainResult<(Option<crate::domain::live::ProgressEvent>, crate::domain::live::Subscription)>;

/// The event stream of a subscription: the current state first (if the client has not
/// seen it), then every newer event, until the server stops or the stream's lifetime ends.
fn stream(
    cofund: std::sync::Arc<crate::domain::Cofund>,
    subscribed: Subscribed,
    last_event_id: Option<i64>,
) -> Response {
    let (initial, subscription) = match subscribed {
        Ok(s) => s,
        Err(e) => {
            let mut resp = ApiError::from(e).into_response();
            if resp.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            return cors::readable_anywhere(resp);
        }
    };
    let place = subscription.place;
    let mut last_sent = last_event_id.unwrap_or(0);
    let first = futures_util::stream::iter(initial.map(std::sync::Arc::new));
    // A lagging stream skips events: the next one carries the whole current state.
    let updates = BroadcastStream::new(subscription.events).filter_map(|e| std::future::ready(e.ok()));
    let stream = first
        .chain(updates)
        .filter(move |e| {
            let newer = e.revision > last_sent;
            if newer {
                last_sent = e.revision;
            }
            std::future::ready(newer)
        })
        .map(move |e| {
            let _held = &place; // the subscriber's place lives as long as the stream
            Ok::<_, Infallible>(
                Event::default().event("progress").id(e.revision.to_string()).retry(RETRY).data(e.data.clone()),
            )
        })
        .take_until(cofund.stopped())
        // A stream ends after its lifetime; the browser reconnects with Last-Event-ID
        // (after `RETRY`) and misses nothing.
        .take_until(tokio::time::sleep(cofund.stream_lifetime()));
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tells nginx not to buffer the stream.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    cors::readable_anywhere(resp)
}
