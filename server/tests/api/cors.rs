use crate::helpers::*;

#[tokio::test]
async fn anyone_may_read() {
    let app = spawn().await;
    app.open_cohort("c").await;
    for path in ["/api/v1/cohorts/c", "/api/v1/cohorts/c/pledges"] {
        let r = app.client.get(app.url(path)).header("Origin", "https://elders.example.org").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
    }
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/cohorts/c"))
        .header("Origin", "https://elders.example.org")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "if-none-match")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("if-none-match"));
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/cohorts/c/pledges"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,idempotency-key")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_configured_origins_may_pledge() {
    let app = spawn().await;
    app.open_cohort("c").await;

    // Allowed: the exact origin and any localhost port.
    for origin in [ORIGIN, "http://localhost:5173"] {
        let r = preflight(&app, origin).await;
        assert!(r.status().is_success(), "{origin}");
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], origin);
        assert!(h["access-control-allow-methods"].to_str().unwrap().contains("POST"));
        let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
        assert!(allowed.contains("content-type") && allowed.contains("idempotency-key"));
        let r = app
            .client
            .post(app.url("/api/v1/cohorts/c/pledges"))
            .header("Origin", origin)
            .header("Idempotency-Key", key())
            .json(&pledge_body(2500, "a@example.nl"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["access-control-allow-origin"], origin);
        assert!(r.headers()["vary"].to_str().unwrap().to_ascii_lowercase().contains("origin"));
    }
    // Validation errors carry the header too, so the widget can read them.
    let r = app
        .client
        .post(app.url("/api/v1/cohorts/c/pledges"))
        .header("Origin", ORIGIN)
        .header("Idempotency-Key", key())
        .json(&pledge_body(1, "a@example.nl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);

    // Refused: another origin, and look-alikes.
    for origin in
        ["https://evil.example", "http://localhost.evil.example", "https://www.starters4communities.nl.evil.example"]
    {
        let r = preflight(&app, origin).await;
        assert!(r.headers().get("access-control-allow-origin").is_none(), "{origin}");
        let r = app
            .client
            .post(app.url("/api/v1/cohorts/c/pledges"))
            .header("Origin", origin)
            .header("Idempotency-Key", key())
            .json(&pledge_body(2500, "a@example.nl"))
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none());
        assert_eq!(error_of(r).await, (403, "origin_not_allowed".into(), vec![]), "{origin}");
    }

    // Without an Origin (curl, a server) pledging works.
    assert_eq!(app.pledge("c", &key(), &pledge_body(2500, "b@example.nl")).await.status(), 201);
    assert_eq!(app.storage.all_pledges("c").await.unwrap().unwrap().len(), 3);
}
