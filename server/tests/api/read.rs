use crate::helpers::*;

#[tokio::test]
async fn etag_and_304() {
    let app = spawn().await;
    app.open_cohort("e").await;
    let r = app.get("/api/v1/cohorts/e").await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10, "a strong ETag: {etag}");
    let cache = r.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.contains("max-age=15"), "{cache}");
    assert_eq!(r.headers()["content-type"], "application/json");

    let r = app.client.get(app.url("/api/v1/cohorts/e")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.bytes().await.unwrap().is_empty());
    // In a list, and weak, it still matches; another tag does not.
    let r = app
        .client
        .get(app.url("/api/v1/cohorts/e"))
        .header("If-None-Match", format!("\"x\", W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = app.client.get(app.url("/api/v1/cohorts/e")).header("If-None-Match", "\"other\"").send().await.unwrap();
    assert_eq!(r.status(), 200);

    // A pledge changes the document and so its ETag.
    app.pledge_ok("e", &pledge_body(2500, "a@example.nl")).await;
    let r = app.client.get(app.url("/api/v1/cohorts/e")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["crowd"]["pledged_cents"], 2500);
}
