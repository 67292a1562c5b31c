//! Abuse limits on pledge POSTs, per client address.

use crate::helpers::*;
use reqwest::Response;
use serde_json::Value;

async fn post(app: &TestApp, slug: &str, forwarded_for: Option<&str>, body: &Value) -> Response {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/cohorts/{slug}/pledges")))
        .header("Idempotency-Key", key())
        .json(body);
    if let Some(xff) = forwarded_for {
        req = req.header("X-Forwarded-For", xff);
    }
    req.send().await.unwrap()
}

/// `429 rate_limited` with a `Retry-After` of whole seconds that is not zero.
async fn assert_limited(r: Response) -> u64 {
    let retry_after: u64 = r
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    assert_eq!(error_of(r).await, (429, "rate_limited".into(), vec![]));
    retry_after
}

#[tokio::test]
async fn pledges_over_the_burst_are_refused_with_retry_after_for_that_address_only() {
    let app = spawn_with(|s| {
        s.pledge_rate_per_minute = 2;
        s.pledge_burst = 3;
    })
    .await;
    app.open_cohort("limit-a").await;
    app.open_cohort("limit-b").await;
    let body = pledge_body(2500, "limit@example.nl");
    assert_eq!(post(&app, "limit-a", None, &body).await.status(), 201);
    // A refused (invalid) attempt counts too: the limit is against floods.
    assert_eq!(post(&app, "limit-a", None, &pledge_body(1, "limit@example.nl")).await.status(), 422);
    assert_eq!(post(&app, "limit-b", None, &body).await.status(), 201);
    // The fourth within the burst's time, in any cohort: refused, 30 s until the next (2/min).
    let wait = assert_limited(post(&app, "limit-a", None, &body).await).await;
    assert!(wait <= 30, "Retry-After {wait}");
    assert_limited(post(&app, "limit-b", None, &body).await).await;
    // Nothing was written by the refused requests; reading is not limited.
    assert_eq!(app.storage.all_pledges("limit-a").await.unwrap().unwrap().len(), 1);
    assert_eq!(app.document("limit-a").await["crowd"]["pledged_cents"], 2500);
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = spawn_with(|s| {
        s.pledge_rate_per_minute = 1;
        s.pledge_burst = 2;
    })
    .await;
    app.open_cohort("spoof").await;
    let body = pledge_body(2500, "spoof@example.nl");
    // Claiming a new address each time does not give a new allowance.
    assert_eq!(post(&app, "spoof", Some("203.0.113.1"), &body).await.status(), 201);
    assert_eq!(post(&app, "spoof", Some("203.0.113.2"), &body).await.status(), 201);
    assert_limited(post(&app, "spoof", Some("203.0.113.3"), &body).await).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = spawn_with(|s| {
        s.pledge_rate_per_minute = 1;
        s.pledge_burst = 1;
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    app.open_cohort("proxied").await;
    let body = pledge_body(2500, "proxied@example.nl");
    assert_eq!(post(&app, "proxied", Some("203.0.113.1"), &body).await.status(), 201);
    assert_limited(post(&app, "proxied", Some("203.0.113.1"), &body).await).await;
    // A client that puts a fake address first is still counted by what the proxy saw.
    assert_limited(post(&app, "proxied", Some("198.51.100.77, 203.0.113.1"), &body).await).await;
    assert_eq!(post(&app, "proxied", Some("203.0.113.2"), &body).await.status(), 201);
    // Without the header, the proxy itself is the client.
    assert_eq!(post(&app, "proxied", None, &body).await.status(), 201);
    assert_limited(post(&app, "proxied", None, &body).await).await;
}
