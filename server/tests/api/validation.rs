use crate::helpers::*;
use serde_json::json;

async fn fields_of(app: &TestApp, body: serde_json::Value) -> Vec<String> {
    let (status, code, fields) = error_of(app.pledge("v", &key(), &body).await).await;
    assert_eq!((status, code.as_str()), (422, "validation_failed"), "{body}");
    fields
}

#[tokio::test]
async fn every_pledge_field_is_checked_and_reported_at_once() {
    let app = spawn().await;
    app.open_cohort("v").await;

    let all_wrong = json!({"amount_cents": 100, "name": "x".repeat(81), "show_name": true, "email": "geen-adres",
                           "message": "x".repeat(281), "consent": false, "website": "http://spam"});
    assert_eq!(fields_of(&app, all_wrong).await, ["amount_cents", "name", "email", "message", "consent", "website"]);

    let ok = pledge_body(2500, "a@example.nl");
    let with = |k: &str, v: serde_json::Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    assert_eq!(fields_of(&app, with("amount_cents", json!(499))).await, ["amount_cents"]);
    assert_eq!(fields_of(&app, with("amount_cents", json!(500_001))).await, ["amount_cents"]);
    assert_eq!(fields_of(&app, with("amount_cents", json!(25.5))).await, ["amount_cents"]);
    assert_eq!(fields_of(&app, with("amount_cents", json!("2500"))).await, ["amount_cents"]);
    assert_eq!(fields_of(&app, without("amount_cents")).await, ["amount_cents"]);
    assert_eq!(fields_of(&app, with("name", json!("a\u{0007}b"))).await, ["name"]);
    assert_eq!(fields_of(&app, with("name", json!(null))).await, ["name"], "show_name needs a name");
    assert_eq!(fields_of(&app, with("name", json!(12))).await, ["name"]);
    assert_eq!(fields_of(&app, with("show_name", json!("yes"))).await, ["show_name"]);
    assert_eq!(fields_of(&app, with("show_amount", json!(1))).await, ["show_amount"]);
    assert_eq!(fields_of(&app, without("email")).await, ["email"]);
    assert_eq!(fields_of(&app, with("email", json!("a@b"))).await, ["email"]);
    assert_eq!(fields_of(&app, with("email", json!(format!("{}@example.nl", "a".repeat(250))))).await, ["email"]);
    assert_eq!(fields_of(&app, with("message", json!("x".repeat(281)))).await, ["message"]);
    assert_eq!(fields_of(&app, with("message", json!("tab\there"))).await, ["message"]);
    assert_eq!(fields_of(&app, without("consent")).await, ["consent"]);
    assert_eq!(fields_of(&app, with("consent", json!(false))).await, ["consent"]);
    assert_eq!(fields_of(&app, with("website", json!("x"))).await, ["website"]);
    // Mistyped and invalid fields together are still all reported.
    assert_eq!(
        fields_of(&app, json!({"amount_cents": "10", "email": "x", "consent": false})).await,
        ["amount_cents", "email", "consent"]
    );

    // Limits are inclusive; a message of exactly 280 characters with a line break is fine.
    let mut edge = with("amount_cents", json!(500));
    edge["message"] = json!(format!("{}\n{}", "x".repeat(139), "y".repeat(140)));
    assert_eq!(app.pledge("v", &key(), &edge).await.status(), 201);

    // Nothing invalid was stored.
    let doc = app.document("v").await;
    assert_eq!(doc["crowd"]["pledged_cents"], 500);
    // The document and the pledges list both keep the donor's line break.
    assert_eq!(doc["recent_pledges"][0]["message"], edge["message"]);
    let page: serde_json::Value = app.get("/api/v1/cohorts/v/pledges").await.json().await.unwrap();
    assert_eq!(page["pledges"][0]["message"], edge["message"]);
}

#[tokio::test]
async fn malformed_oversized_keyless_unknown_and_closed_requests_are_refused() {
    let app = spawn().await;
    app.open_cohort("v").await;
    let url = app.url("/api/v1/cohorts/v/pledges");

    // 400 malformed JSON, in the shared shape.
    let r = app
        .client
        .post(&url)
        .header("Idempotency-Key", key())
        .header("content-type", "application/json")
        .body("{\"amount_cents\": 25")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (400, "malformed_json".into(), vec![]));
    let r = app
        .client
        .post(&url)
        .header("Idempotency-Key", key())
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.1, "malformed_json");

    // 415 for a body that is not application/json, declared or not; nothing stored.
    let json_text = serde_json::to_string(&pledge_body(2500, "a@example.nl")).unwrap();
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut req = app.client.post(&url).header("Idempotency-Key", key()).body(json_text.clone());
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        assert_eq!(
            error_of(req.send().await.unwrap()).await,
            (415, "unsupported_media_type".into(), vec![]),
            "{content_type:?}"
        );
    }
    assert_eq!(app.document("v").await["crowd"]["backers"], 0);

    // 413 over 16 KiB.
    let mut big = pledge_body(2500, "a@example.nl");
    big["message"] = json!("x".repeat(17 * 1024));
    let r = app.pledge("v", &key(), &big).await;
    assert_eq!(error_of(r).await, (413, "payload_too_large".into(), vec![]));
    // Also without a Content-Length (chunked).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![b' '; 1024])).collect();
    let r = app
        .client
        .post(&url)
        .header("Idempotency-Key", key())
        .body(reqwest::Body::wrap_stream(tokio_stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.0, 413);

    // 400 without a valid idempotency key.
    let body = pledge_body(2500, "a@example.nl");
    let r = app.client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(error_of(r).await, (400, "idempotency_key_required".into(), vec![]));
    let r = app.client.post(&url).header("Idempotency-Key", "x".repeat(129)).json(&body).send().await.unwrap();
    assert_eq!(error_of(r).await.1, "idempotency_key_required");
    let r = app.client.post(&url).header("Idempotency-Key", "met spatie").json(&body).send().await.unwrap();
    assert_eq!(error_of(r).await.1, "idempotency_key_required");

    // 404 unknown cohort, for every public endpoint.
    assert_eq!(error_of(app.pledge("nope", &key(), &body).await).await, (404, "not_found".into(), vec![]));
    assert_eq!(error_of(app.get("/api/v1/cohorts/nope").await).await.0, 404);
    assert_eq!(error_of(app.get("/api/v1/cohorts/nope/pledges").await).await.0, 404);

    // 409 for a closed, an upcoming and a read-only campaign.
    let mut closed = definition("closed");
    closed["campaign"] = json!({"opens_at": days(-30), "closes_at": days(-1)});
    app.cohort("closed", closed).await;
    let mut upcoming = definition("upcoming");
    upcoming["campaign"] = json!({"opens_at": days(2), "closes_at": days(30)});
    app.cohort("upcoming", upcoming).await;
    let mut readonly = definition("readonly");
    readonly["pledging_enabled"] = json!(false);
    app.cohort("readonly", readonly).await;
    for slug in ["closed", "upcoming", "readonly"] {
        let (status, code, _) = error_of(app.pledge(slug, &key(), &body).await).await;
        assert_eq!((status, code.as_str()), (409, "campaign_not_open"), "{slug}");
    }
    assert!(app.document("readonly").await["links"].get("pledge").is_none(), "a read-only cohort has no pledge link");
    assert!(app.document("closed").await["links"]["pledge"].is_string());

    // Bad pagination parameters.
    let (status, code, fields) = error_of(app.get("/api/v1/cohorts/v/pledges?limit=0&cursor=zz").await).await;
    assert_eq!((status, code.as_str()), (422, "validation_failed"));
    assert_eq!(fields, ["limit", "cursor"]);
    assert_eq!(error_of(app.get("/api/v1/cohorts/v/pledges?limit=101").await).await.0, 422);

    // Nothing was stored.
    assert_eq!(app.document("v").await["crowd"]["pledged_cents"], 0);
}

#[tokio::test]
async fn an_invalid_cohort_definition_is_refused_with_field_paths() {
    let app = spawn().await;
    let mut def = definition("bad");
    def["budget_cents"] = json!(0);
    def["crowd"]["min_cents"] = json!(1000);
    def["crowd"]["max_cents"] = json!(500);
    def["campaign"]["closes_at"] = json!("gisteren");
    def["stakeholders"][0]["amount_cents"] = json!(-5);
    def["payment"]["iban"] = json!("NL00ABNA0417164300");
    def["allowed_origins"] = json!(["https://ok.example.nl", "https://bad.example.nl/pad"]);
    let r = app.put_cohort_with("bad", &def, &app.token).await;
    let (status, code, fields) = error_of(r).await;
    assert_eq!((status, code.as_str()), (422, "validation_failed"));
    for f in [
        "budget_cents",
        "campaign.closes_at",
        "crowd.max_cents",
        "stakeholders[0].amount_cents",
        "payment.iban",
        "allowed_origins[1]",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }

    // Wrong shapes name their field; a slug that differs from the URL is refused.
    let mut def = definition("bad");
    def["crowd"]["min_cents"] = json!("vijf");
    assert_eq!(error_of(app.put_cohort_with("bad", &def, &app.token).await).await.2, ["crowd.min_cents"]);
    let mut def = definition("bad");
    def.as_object_mut().unwrap().remove("budget_cents");
    assert_eq!(error_of(app.put_cohort_with("bad", &def, &app.token).await).await.2, ["budget_cents"]);
    assert_eq!(error_of(app.put_cohort_with("other", &definition("bad"), &app.token).await).await.2, ["slug"]);
    let mut def = definition("bad");
    def["pledging_enabled"] = json!(true);
    def.as_object_mut().unwrap().remove("payment");
    assert_eq!(error_of(app.put_cohort_with("bad", &def, &app.token).await).await.2, ["payment"]);
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/bad"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.1, "malformed_json");
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/bad"))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body(definition("bad").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.0, 415);

    // None of it was stored.
    assert_eq!(error_of(app.get("/api/v1/cohorts/bad").await).await.0, 404);
}

#[tokio::test]
async fn names_and_messages_with_invisible_formatting_are_refused() {
    let app = spawn().await;
    app.open_cohort("bidi").await;
    // A right-to-left override makes "Fatima\u{202E}gnp.exe" read as "Fatimaexe.png".
    for (field, text) in
        [("name", "Fatima\u{202E}gnp.exe"), ("message", "Succes \u{2066}x\u{2069}"), ("name", "A\u{200F}B")]
    {
        let mut body = pledge_body(2500, "bidi@example.nl");
        body[field] = json!(text);
        let (status, code, fields) = error_of(app.pledge("bidi", &key(), &body).await).await;
        assert_eq!((status, code.as_str(), fields), (422, "validation_failed", vec![field.to_owned()]), "{text:?}");
    }
    assert_eq!(app.document("bidi").await["crowd"]["backers"], 0);
}
