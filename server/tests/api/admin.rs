use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn a_missing_wrong_or_revoked_token_is_401_and_changes_nothing() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let pledge = app.pledge_ok("a", &pledge_body(2500, "a@example.nl")).await;
    let id = pledge["pledge"]["id"].as_str().unwrap().to_owned();

    // A second token, revoked over the API.
    let r = app
        .client
        .post(app.url("/api/v1/admin/tokens"))
        .bearer_auth(&app.token)
        .json(&json!({"label": "weg"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let revoked = created["token"].as_str().unwrap().to_owned();
    assert!(revoked.starts_with("cfd_"));
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/admin/tokens/{}", created["id"].as_str().unwrap())))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap()["revoked_at"].is_string());

    let mut changed = definition("a");
    changed["name"] = json!("Gekaapt");
    let wrong = format!("cfd_{}", "0".repeat(64));
    for auth in [None, Some(wrong.as_str()), Some(revoked.as_str()), Some("Basic YWRtaW46YWRtaW4=")] {
        let with = |rb: reqwest::RequestBuilder| match auth {
            Some(t) if t.starts_with("Basic") => rb.header("Authorization", t),
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        let c = &app.client;
        let requests = vec![
            with(c.put(app.url("/api/v1/admin/cohorts/a"))).json(&changed),
            with(c.put(app.url("/api/v1/admin/cohorts/new"))).json(&definition("new")),
            with(c.put(app.url("/api/v1/admin/cohorts/a/stakeholders/X")))
                .json(&json!({"kind": "fund", "status": "paid", "amount_cents": 1})),
            with(c.post(app.url("/api/v1/admin/cohorts/a/own-contributions"))).json(&json!({"add": 1})),
            with(c.post(app.url(&format!("/api/v1/admin/pledges/{id}/confirm")))),
            with(c.post(app.url(&format!("/api/v1/admin/pledges/{id}/cancel")))),
            with(c.post(app.url(&format!("/api/v1/admin/pledges/{id}/hide-message")))),
            with(c.get(app.url("/api/v1/admin/cohorts/a/pledges.csv"))),
            with(c.get(app.url("/api/v1/admin/cohorts/a/pledges"))),
            with(c.post(app.url("/api/v1/admin/tokens"))),
            with(c.delete(app.url("/api/v1/admin/tokens/tok_x"))),
        ];
        for rb in requests {
            let r = rb.send().await.unwrap();
            let url = r.url().to_string();
            let (status, code, _) = error_of(r).await;
            assert_eq!((status, code.as_str()), (401, "unauthorized"), "{url} with {auth:?}");
        }
    }
    let doc = app.document("a").await;
    assert_eq!(doc["name"], definition("a")["name"]);
    assert_eq!(doc["own_contributions"]["received"], 3);
    assert_eq!(doc["stakeholders"].as_array().unwrap().len(), 1);
    assert_eq!(doc["recent_pledges"][0]["message"], "Zet hem op!");
    let rows = app.storage.all_pledges("a").await.unwrap().unwrap();
    assert_eq!(rows[0].status, cofund_core::api::PledgeStatus::Pledged);
    assert_eq!(error_of(app.get("/api/v1/cohorts/new").await).await.0, 404);
    assert_eq!(app.storage.list_tokens().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_programme_token_only_touches_its_programme() {
    let app = spawn().await;
    app.open_cohort("ours").await;
    let mut theirs = definition("theirs");
    theirs["programme"]["name"] = json!("Ander Programma");
    app.cohort("theirs", theirs.clone()).await;
    let theirs_pledge = app.pledge_ok("theirs", &pledge_body(2500, "t@example.nl")).await;
    let theirs_id = theirs_pledge["pledge"]["id"].as_str().unwrap();
    let ours_pledge = app.pledge_ok("ours", &pledge_body(2500, "o@example.nl")).await;
    let ours_id = ours_pledge["pledge"]["id"].as_str().unwrap();

    let (_, scoped) = app.storage.create_token(Some(PROGRAMME.into()), None, now()).await.unwrap();
    let c = &app.client;
    // Allowed on its own programme.
    let r =
        c.post(app.url(&format!("/api/v1/admin/pledges/{ours_id}/confirm"))).bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(app.url("/api/v1/admin/cohorts/ours/pledges.csv")).bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // 403 on another programme's cohorts and pledges, and nothing changes.
    let mut renamed = theirs.clone();
    renamed["name"] = json!("Overgenomen");
    let forbidden = vec![
        c.put(app.url("/api/v1/admin/cohorts/theirs")).bearer_auth(&scoped).json(&renamed),
        c.post(app.url(&format!("/api/v1/admin/pledges/{theirs_id}/confirm"))).bearer_auth(&scoped),
        c.post(app.url(&format!("/api/v1/admin/pledges/{theirs_id}/hide-message"))).bearer_auth(&scoped),
        c.get(app.url("/api/v1/admin/cohorts/theirs/pledges.csv")).bearer_auth(&scoped),
        c.post(app.url("/api/v1/admin/cohorts/theirs/own-contributions")).bearer_auth(&scoped).json(&json!({"add": 1})),
        // Moving one's own cohort to another programme, or creating a token for it.
        c.put(app.url("/api/v1/admin/cohorts/ours")).bearer_auth(&scoped).json(&{
            let mut d = definition("ours");
            d["programme"]["name"] = json!("Ander Programma");
            d
        }),
        c.post(app.url("/api/v1/admin/tokens")).bearer_auth(&scoped).json(&json!({"programme": "Ander Programma"})),
    ];
    for rb in forbidden {
        let r = rb.send().await.unwrap();
        let url = r.url().to_string();
        assert_eq!(error_of(r).await.0, 403, "{url}");
    }
    let doc = app.document("theirs").await;
    assert_eq!(doc["name"], theirs["name"]);
    assert_eq!(doc["crowd"]["received_cents"], 0);
    assert_eq!(doc["own_contributions"]["received"], 3);
    assert_eq!(app.document("ours").await["programme"]["name"], PROGRAMME);

    // A token it creates is limited to its programme too.
    let r = c.post(app.url("/api/v1/admin/tokens")).bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["programme"], PROGRAMME);
}
