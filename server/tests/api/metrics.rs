//! `/metrics`: off unless configured; an admin token or an allowed address reads it.

use crate::helpers::*;

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The value of the sample `name{labels}` (labels exactly as exposed), 0 if absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_are_off_unless_configured() {
    let app = spawn().await;
    assert_eq!(scrape(&app, Some(&app.token)).await.status(), 404);
}

#[tokio::test]
async fn metrics_need_an_admin_token_from_an_address_not_allowed() {
    let app = spawn_with(|s| {
        s.metrics = true;
        s.metrics_allow = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let r = scrape(&app, None).await;
    assert_eq!(error_of(r).await.0, 401);
    assert_eq!(error_of(scrape(&app, Some("cfd_not-a-token")).await).await.0, 401);
    // A revoked token no longer reads them.
    let (info, secret) = app.storage.create_token(None, Some("scraper".into()), now()).await.unwrap();
    assert_eq!(scrape(&app, Some(&secret)).await.status(), 200);
    app.storage.revoke_token(&info.id, now()).await.unwrap();
    assert_eq!(scrape(&app, Some(&secret)).await.status(), 401);
}

#[tokio::test]
async fn an_allowed_address_reads_metrics_without_a_token() {
    let app = spawn_with(|s| {
        s.metrics = true;
        s.metrics_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let r = scrape(&app, None).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("cofund_live_subscribers"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_pledges_by_outcome_subscribers_and_storage_time() {
    let app = spawn_with(|s| s.metrics = true).await;
    app.open_cohort("metered").await;
    let before = scrape(&app, Some(&app.token)).await;
    assert_eq!(before.status(), 200);
    assert!(before.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let before = before.text().await.unwrap();
    let created = r#"cofund_pledges_accepted_total{outcome="created"}"#;
    let replayed = r#"cofund_pledges_accepted_total{outcome="replayed"}"#;
    let invalid = r#"cofund_pledges_refused_total{code="validation_failed"}"#;
    let missing_key = r#"cofund_pledges_refused_total{code="idempotency_key_required"}"#;

    let k = key();
    let body = pledge_body(2500, "metered@example.nl");
    assert_eq!(app.pledge("metered", &k, &body).await.status(), 201);
    assert_eq!(app.pledge("metered", &k, &body).await.status(), 201);
    assert_eq!(app.pledge("metered", &key(), &pledge_body(1, "metered@example.nl")).await.status(), 422);
    let r = app.client.post(app.url("/api/v1/cohorts/metered/pledges")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 400);
    app.document("metered").await;
    let stream = Events::open(&app.url("/api/v1/cohorts/metered/events"), None).await;
    assert_eq!(stream.status(), 200);

    let after = scrape(&app, Some(&app.token)).await.text().await.unwrap();
    assert_eq!(sample(&after, created) - sample(&before, created), 1.0, "{after}");
    assert_eq!(sample(&after, replayed) - sample(&before, replayed), 1.0, "{after}");
    assert_eq!(sample(&after, invalid) - sample(&before, invalid), 1.0, "{after}");
    assert_eq!(sample(&after, missing_key) - sample(&before, missing_key), 1.0, "{after}");
    // Requests by route template and status, never by raw path.
    assert!(
        sample(&after, r#"cofund_http_requests_total{route="/api/v1/cohorts/{slug}",method="GET",status="200"}"#)
            >= 1.0,
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            r#"cofund_http_requests_total{route="/api/v1/cohorts/{slug}/pledges",method="POST",status="201"}"#
        ),
        2.0,
        "{after}"
    );
    assert!(!after.contains("/api/v1/cohorts/metered"), "a raw path leaked into labels: {after}");
    assert_eq!(sample(&after, "cofund_live_subscribers"), 1.0, "{after}");
    // Storage time: one observation per create_pledge call — the pledge, its replay and
    // the invalid one (the key is looked up under the write before validation refuses).
    assert_eq!(
        sample(&after, r#"cofund_storage_call_duration_seconds_count{operation="create_pledge"}"#),
        3.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, r#"cofund_storage_call_duration_seconds_bucket{le="+Inf",operation="create_pledge"}"#),
        3.0,
        "{after}"
    );
    drop(stream);
}
