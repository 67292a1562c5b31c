use crate::helpers::*;

#[tokio::test]
async fn health_openapi_pages_and_widget_files() {
    let app = spawn_with(|s| {
        let dist = s.widget_dir.clone();
        std::fs::create_dir_all(dist.join("cohorts")).unwrap();
        std::fs::write(dist.join("cofund-widget.js"), "export default function init() {}").unwrap();
        std::fs::write(dist.join("cofund-widget_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dist.join("cofund-widget_bg.wasm.gz"), b"gzip bytes").unwrap();
        std::fs::write(dist.join("cofund-widget_bg.wasm.br"), b"brotli bytes").unwrap();
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
    assert_eq!(r.headers()["vary"], "accept-encoding");
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");
    // The precompressed copies, by what the browser accepts, with the wasm's own type.
    for (accept, encoding, body) in [("gzip", "gzip", &b"gzip bytes"[..]), ("gzip, deflate, br", "br", b"brotli bytes")]
    {
        let r = app
            .client
            .get(app.url("/widget/cofund-widget_bg.wasm"))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], encoding);
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(r.bytes().await.unwrap().as_ref(), body);
    }
    let r = app.get("/widget/cofund-widget.js").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(app.get("/widget/missing.js").await.status(), 404);

    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    // The page and the dashboard's embed tools write the snippet with core's one
    // generator: the same element, fallback link and loader (they once differed).
    let snippet = cofund_core::embed::Embed {
        origin: &app.address,
        slug: "s",
        locale: "nl-NL",
        refresh_secs: None,
        colours: &[],
    }
    .snippet();
    assert!(html.contains(&snippet), "the live embed");
    assert!(html.contains(&format!("<a href=\"{}/embed/s\">Steun het cohort</a>", app.address)), "the fallback link");
    assert!(html.contains("<pre><code>&lt;cofund-widget src="), "the snippet shown as code");
    assert!(html.contains(&format!("<script type=\"module\" src=\"{}/widget/cofund.js\" async></script>", app.address)));

    let html = app.get("/embed/s?locale=en-GB").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("data-cofund-locale=\"en-GB\""));
    assert!(html.contains("<h1>") && html.contains("cofund:height"));
    let framed = app.get("/embed/s?frame=1").await.text().await.unwrap();
    assert!(!framed.contains("<h1>"), "iframe mode shows the widget only");
    assert_eq!(error_of(app.get("/embed/nope").await).await.0, 404);
    assert_eq!(error_of(app.get("/no/such/page").await).await.0, 404);
}

#[tokio::test]
async fn a_missing_widget_directory_is_404_not_a_failure() {
    let app = spawn().await;
    assert_eq!(app.get("/widget/cofund-widget.js").await.status(), 404);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn the_demo_seeds_five_valid_cohorts_and_the_programme_pot_once() {
    let app = spawn().await;
    let first = cofund_server::demo::seed(app.storage.as_ref(), &app.address, now()).await.unwrap();
    assert_eq!(first.cohorts, 5);
    assert!(first.pledges_added > 400, "{}", first.pledges_added);
    let again = cofund_server::demo::seed(app.storage.as_ref(), &app.address, now()).await.unwrap();
    assert_eq!(again.pledges_added, 0, "seeding is idempotent");

    let doc = |slug: &'static str| {
        let app = &app;
        async move {
            let v = app.document(slug).await;
            cofund_core::Cohort::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{slug}: {e}"))
        }
    };
    let t = now();
    let utrecht = doc("utrecht-voorjaar-2027").await;
    assert!(utrecht.accepts_pledges(t));
    assert!(!utrecht.summary().crowd.target_met);
    assert!(utrecht.summary().crowd.percent_of_target.unwrap() > 20);
    assert!(!utrecht.document().recent_pledges.is_empty() && utrecht.document().history.len() > 10);
    // Contract 1.1: the municipality's trigger and the fund's match, evaluated from the
    // seeded pledges; the match (€ 25 a gift at most) still has money left to preview.
    let d = utrecht.document();
    assert_eq!(d.schema, cofund_core::SCHEMA_V1_1);
    assert!(d.stakeholders[0].evaluation.as_ref().is_some_and(|e| e.rules.len() == 1));
    let preview = utrecht.gift_preview(2_500, t);
    assert_eq!(preview.len(), 1, "{preview:?}");
    assert_eq!((preview[0].stakeholder, preview[0].adds_cents), (2, 2_500));
    let rotterdam = doc("rotterdam-zuid-najaar-2027").await;
    assert!(rotterdam.accepts_pledges(t));
    assert!(rotterdam.document().crowd.backers <= 3);
    let amsterdam = doc("amsterdam-noord-2026").await;
    assert!(amsterdam.accepts_pledges(t) && amsterdam.summary().crowd.target_met, "over-funded and open");
    let den_haag = doc("den-haag-najaar-2026").await;
    assert_eq!(den_haag.phase(t), cofund_core::CampaignPhase::Closed);
    let zwolle = doc("zwolle-voorjaar-2027").await;
    assert!(zwolle.document().links.pledge.is_none() && !zwolle.accepts_pledges(t), "read-only");
    assert!(zwolle.document().crowd.pledged_cents > 0);

    // The programme's multiplier pot over its cohorts, and its impact figures.
    let pot = utrecht.document().pot.as_ref().expect("the demo programme has a pot");
    assert_eq!((pot.pot_cents, pot.funders.len()), (1_500_000, 2));
    let programme: serde_json::Value = app.get("/api/v1/programmes/starters4communities").await.json().await.unwrap();
    let given: i64 =
        programme["pot"]["per_cohort"].as_array().unwrap().iter().map(|c| c["added_cents"].as_i64().unwrap()).sum();
    assert!(given > 0 && given + programme["pot"]["left_cents"].as_i64().unwrap() == 1_500_000);
    assert_eq!(programme["impact"].as_array().unwrap().len(), 4);
    assert_eq!(
        programme["impact"][0],
        serde_json::json!({"kind": "participants", "value": 250, "as_of": programme["impact"][0]["as_of"], "source": programme["impact"][0]["source"]})
    );

    // The hidden spam message is nowhere public.
    for slug in ["utrecht-voorjaar-2027", "amsterdam-noord-2026"] {
        let text = app.get(&format!("/api/v1/cohorts/{slug}/pledges?limit=100")).await.text().await.unwrap();
        assert!(!text.contains("zonnebrillen"));
    }
    let html = app.get("/").await.text().await.unwrap();
    assert_eq!(html.matches("<section id=").count(), 5);
}

/// A build as `scripts/hash-widget.sh` leaves it: the loader, the fixed-name module and
/// wasm, the same under content names, a manifest, and the brotli copy of the wasm.
fn write_hashed_build(dist: &std::path::Path) {
    std::fs::create_dir_all(dist).unwrap();
    let names = r#"{"glue":"cofund-widget-0123456789abcdef.js","wasm":"cofund-widget-fedcba9876543210_bg.wasm"}"#;
    std::fs::write(dist.join("cofund.js"), format!("const FILES = {names};\n")).unwrap();
    std::fs::write(dist.join("widget-manifest.json"), names).unwrap();
    std::fs::write(dist.join("cofund-widget.js"), "export default function init() {}").unwrap();
    std::fs::write(dist.join("cofund-widget-0123456789abcdef.js"), "export default function init() {}").unwrap();
    std::fs::write(dist.join("cofund-widget_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dist.join("cofund-widget-fedcba9876543210_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dist.join("cofund-widget-fedcba9876543210_bg.wasm.br"), b"brotli bytes").unwrap();
}

#[tokio::test]
async fn content_named_widget_files_are_immutable_and_the_loader_revalidates() {
    let app = spawn_with(|s| {
        write_hashed_build(&s.widget_dir);
        s.loader_max_age_secs = 120;
    })
    .await;
    app.open_cohort("s").await;
    let get = |path: &'static str, headers: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let mut req = app.client.get(app.url(path));
            for (k, v) in headers {
                req = req.header(k, v);
            }
            req.send().await.unwrap()
        }
    };

    // Content-named: a year, immutable, with an ETag that a conditional request meets.
    for path in ["/widget/cofund-widget-0123456789abcdef.js", "/widget/cofund-widget-fedcba9876543210_bg.wasm"] {
        let r = get(path, vec![]).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "{path}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10, "a strong ETag: {etag}");
        let again = get(path, vec![("if-none-match", etag.clone())]).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty(), "a 304 has no body");
    }
    // The brotli copy is another representation: its own ETag, so a cache never mixes them.
    let plain = get("/widget/cofund-widget-fedcba9876543210_bg.wasm", vec![]).await;
    let br = get("/widget/cofund-widget-fedcba9876543210_bg.wasm", vec![("accept-encoding", "br".into())]).await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_ne!(plain.headers()["etag"], br.headers()["etag"]);
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli bytes");

    // The loader and the other fixed names: the configured short time, then a 304.
    for path in ["/widget/cofund.js", "/widget/cofund-widget.js", "/widget/cofund-widget_bg.wasm"] {
        let r = get(path, vec![]).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=120", "{path}");
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(get(path, vec![("if-none-match", etag.clone())]).await.status(), 304, "{path}");
        assert_eq!(get(path, vec![("if-none-match", format!("W/{etag}"))]).await.status(), 304, "weak comparison");
        assert_eq!(get(path, vec![("if-none-match", "\"other\"".into())]).await.status(), 200, "{path}");
    }

    // /embed/{slug} has the first view in the page and names no widget file but the
    // loader, which fetches the current content-named ones after that view.
    let html = app.get("/embed/s").await.text().await.unwrap();
    assert!(html.contains("data-cofund-ssr") && html.contains("/widget/cofund.js\""), "{html}");
    assert!(!html.contains("_bg.wasm") && !html.contains("modulepreload"), "nothing of the wasm before the first view");
    assert_eq!(get("/widget/../Cargo.toml", vec![]).await.status(), 404);
}

#[tokio::test]
async fn a_new_build_is_served_without_a_restart_and_changes_the_loaders_etag() {
    let app = spawn_with(|s| write_hashed_build(&s.widget_dir)).await;
    app.open_cohort("s").await;
    let first = app.get("/widget/cofund.js").await;
    assert_eq!(first.headers()["cache-control"], "public, max-age=300", "the default");
    let old_etag = first.headers()["etag"].to_str().unwrap().to_owned();

    // The next build: new names in the loader and the manifest, the old files kept.
    let dist = app._dir.path().join("dist");
    let names = r#"{"glue":"cofund-widget-1111111111111111.js","wasm":"cofund-widget-2222222222222222_bg.wasm"}"#;
    std::fs::write(dist.join("cofund-widget-1111111111111111.js"), "export default function init() { /* 2 */ }")
        .unwrap();
    std::fs::write(dist.join("cofund-widget-2222222222222222_bg.wasm"), b"\0asm\x01\0\0\0\0").unwrap();
    std::fs::write(dist.join("cofund.js"), format!("const FILES = {names};\n// the next build\n")).unwrap();
    std::fs::write(dist.join("widget-manifest.json"), names).unwrap();

    let r = app.client.get(app.url("/widget/cofund.js")).header("if-none-match", &old_etag).send().await.unwrap();
    assert_eq!(r.status(), 200, "the changed loader is sent again, not a 304");
    assert_ne!(r.headers()["etag"].to_str().unwrap(), old_etag);
    assert!(r.text().await.unwrap().contains("cofund-widget-1111111111111111.js"));
    // What the old loader names is still there for pages that loaded it.
    assert_eq!(app.get("/widget/cofund-widget-0123456789abcdef.js").await.status(), 200);
    assert_eq!(app.get("/widget/cofund-widget-fedcba9876543210_bg.wasm").await.status(), 200);
}

/// The widget's first view, rendered by the server from the widget's own components:
/// the figures the widget shows, in the language asked for, cacheable by its ETag.
#[tokio::test]
async fn the_first_view_is_rendered_by_the_server_with_the_widgets_figures() {
    let app = spawn().await;
    app.open_cohort("v").await;
    app.pledge_ok("v", &pledge_body(123_456, "a@example.nl")).await;
    let pledged = "1.234,56"; // € 1.234,56 in Dutch, €1,234.56 in English

    let r = app.get("/api/v1/cohorts/v/view?locale=nl-NL").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["content-language"], "nl-NL");
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let nl = r.text().await.unwrap();
    assert!(nl.starts_with("<style data-cofund-ssr=\"\">:host{"), "the stylesheet first: {}", &nl[..60]);
    assert!(nl.contains("<div class=\"cofund-root\" data-cofund-ssr=\"\"><div lang=\"nl-NL\""), "{nl}");
    assert!(nl.contains(&format!("€\u{a0}{pledged}")), "the pledged figure as the widget writes it");
    assert!(nl.contains("Starters4Communities v") && nl.contains("<form"), "the title and the pledge form");

    // Unchanged: 304 with the same tag. Another language: other bytes, another tag.
    let again = app.client.get(app.url("/api/v1/cohorts/v/view?locale=nl-NL")).header("if-none-match", &etag);
    let again = again.send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    let r = app.get("/api/v1/cohorts/v/view?locale=en-GB").await;
    assert_eq!(r.headers()["content-language"], "en-GB");
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(r.text().await.unwrap().contains("€1,234.56"));
    // No locale: the document's (nl-NL here) before the page's language, as the widget
    // decides; an unknown one is none.
    let r = app.get("/api/v1/cohorts/v/view?lang=en").await;
    assert_eq!(r.headers()["content-language"], "nl-NL");
    let r = app.get("/api/v1/cohorts/v/view?locale=fr-FR").await;
    assert_eq!(r.headers()["content-language"], "nl-NL");

    // A pledge changes the view (and its tag).
    app.pledge_ok("v", &pledge_body(1_000, "b@example.nl")).await;
    let after = app.client.get(app.url("/api/v1/cohorts/v/view?locale=nl-NL")).header("if-none-match", &etag);
    let after = after.send().await.unwrap();
    assert_eq!(after.status(), 200);
    assert!(after.text().await.unwrap().contains("€\u{a0}1.244,56"));

    assert_eq!(error_of(app.get("/api/v1/cohorts/nope/view").await).await.0, 404);

    // /embed/{slug}: the same view inline, with the widget's stylesheet in the head.
    let html = app.get("/embed/v?locale=en-GB").await.text().await.unwrap();
    assert!(html.contains("<style id=\"cofund-widget-style\">"));
    assert!(
        html.contains("data-cofund-locale=\"en-GB\"><div lang=\"en-GB\" aria-busy=\"false\" data-cofund-ssr"),
        "{html}"
    );
    assert!(html.contains("€1,244.56"));
}
