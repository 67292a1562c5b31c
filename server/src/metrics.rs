//! Operating figures in the Prometheus/OpenMetrics text format (`GET /metrics`, off
//! unless `--metrics`): requests by route template and status, pledges accepted and
//! refused, open live streams, and how long storage calls take. One registry per
//! server, so several servers in one process (tests) do not mix their figures.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The matched route template (`/api/v1/cohorts/{slug}`), never the raw path.
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `created` or `replayed` (an idempotent retry).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    /// The error code of the refusal (`validation_failed`, `rate_limited`, …).
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// The storage method (`create_pledge`, `snapshot`, …).
    pub operation: &'static str,
}

/// Storage call durations by operation.
pub type StorageLatency = Family<OperationLabels, Histogram, fn() -> Histogram>;

fn storage_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    pledges_accepted: Family<OutcomeLabels, Counter>,
    pledges_refused: Family<CodeLabels, Counter>,
    live_subscribers: Gauge,
    storage_latency: StorageLatency,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("cofund");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route template, method and status", requests.clone());
        let pledges_accepted = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "pledges_accepted",
            "Pledge POSTs answered 201: created, or replayed for a known idempotency key",
            pledges_accepted.clone(),
        );
        let pledges_refused = Family::<CodeLabels, Counter>::default();
        registry.register("pledges_refused", "Pledge POSTs refused, by error code", pledges_refused.clone());
        let live_subscribers = Gauge::default();
        registry.register(
            "live_subscribers",
            "Open live-progress event streams on this instance",
            live_subscribers.clone(),
        );
        let storage_latency: StorageLatency = Family::new_with_constructor(storage_histogram as fn() -> Histogram);
        registry.register(
            "storage_call_duration_seconds",
            "Duration of storage calls, by operation",
            storage_latency.clone(),
        );
        Arc::new(Metrics { registry, requests, pledges_accepted, pledges_refused, live_subscribers, storage_latency })
    }

    pub fn request(&self, route: &str, method: &str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels { route: route.to_owned(), method: method.to_owned(), status })
            .inc();
    }

    pub fn pledge_accepted(&self, created: bool) {
        self.pledges_accepted
            .get_or_create(&OutcomeLabels { outcome: if created { "created" } else { "replayed" } })
            .inc();
    }

    pub fn pledge_refused(&self, code: &'static str) {
        self.pledges_refused.get_or_create(&CodeLabels { code }).inc();
    }

    pub fn storage_latency(&self) -> StorageLatency {
        self.storage_latency.clone()
    }

    /// The text exposition, with the live-subscriber gauge set to `subscribers` now.
    pub fn render(&self, subscribers: usize) -> String {
        self.live_subscribers.set(i64::try_from(subscribers).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Records one storage call's duration.
pub fn observe(latency: &StorageLatency, operation: &'static str, took: Duration) {
    latency.get_or_create(&OperationLabels { operation }).observe(took.as_secs_f64());
}
