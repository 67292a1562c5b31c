use crate::helpers::*;

#[tokio::test]
async fn health_openapi_pages_and_widget_files() {
    let app = spawn_with(|s| {
        let dist = s.widget_dir.clone();
        std::fs::create_dir_all(dist.join("cohorts")).unwrap();
        std::fs::write(dist.join("cofund-widget.js"), "export default function init() {}").unwrap();
        std::fs::write(dist.join("cofund-widget_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    })
    .await;
    app.open_cohort("s").await;

    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");

    let r = app.get("/api/v1/openapi.yaml").await;
    assert_eq!(r.status(), 200);
    let spec = r.text().await.unwrap();
    assert!(spec.starts_with("openapi: 3.1"));
    for path in ["/api/v1/cohorts/{slug}:", "/api/v1/cohorts/{slug}/pledges:", "/api/v1/admin/tokens:", "/healthz:"] {
        assert!(spec.contains(path), "{path} documented");
    }

    let r = app.get("/widget/cofund-widget_bg.wasm").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let r = app.get("/widget/cofund-widget.js").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(app.get("/widget/missing.js").await.status(), 404);

    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    let snippet = format!("<div data-cofund-src=\"{0}/api/v1/cohorts/s\" data-cofund-locale=\"nl-NL\"></div>", app.address);
    assert!(html.contains(&snippet), "the live embed");
    assert!(html.contains("<pre><code>&lt;div data-cofund-src="), "the snippet shown as code");
    assert!(html.contains(&format!("import init from \"{}/widget/cofund-widget.js\"; init();", app.address)));

    let html = app.get("/embed/s?locale=en-GB").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("data-cofund-locale=\"en-GB\""));
    assert_eq!(error_of(app.get("/embed/nope").await).await.0, 404);
    assert_eq!(error_of(app.get("/no/such/page").await).await.0, 404);
}

#[tokio::test]
async fn a_missing_widget_directory_is_404_not_a_failure() {
    let app = spawn().await;
    assert_eq!(app.get("/widget/cofund-widget.js").await.status(), 404);
    assert_eq!(app.get("/healthz").await.status(), 200);
}
