use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn the_whole_story() {
    let app = spawn().await;
    app.open_cohort("utrecht").await;

    // A fresh cohort: nothing pledged, an absolute pledge link.
    let doc = app.document("utrecht").await;
    assert_eq!(doc["schema"], "cofund/cohort@1");
    assert_eq!(doc["crowd"]["pledged_cents"], 0);
    assert_eq!(doc["crowd"]["backers"], 0);
    assert_eq!(doc["links"]["pledge"], format!("{}/api/v1/cohorts/utrecht/pledges", app.address));
    assert_eq!(doc["history"], json!([]));
    cofund_core::Cohort::from_json(&doc.to_string()).expect("the shared crate accepts the document");

    // Two donors pledge; one twice with another capitalisation of her address.
    let first = app.pledge_ok("utrecht", &pledge_body(2500, "fatima@example.nl")).await;
    assert_eq!(first["pledge"]["status"], "pledged");
    assert_eq!(first["pledge"]["amount_cents"], 2500);
    assert!(first["pledge"]["id"].as_str().unwrap().starts_with("pl_"));
    assert_eq!(first["payment"]["iban"], "NL91ABNA0417164300");
    assert_eq!(first["payment"]["amount_cents"], 2500);
    assert!(first["payment"]["reference"].as_str().unwrap().starts_with("S4C-UTR-"));
    assert_eq!(first["totals"], json!({"pledged_cents": 2500, "received_cents": 0, "backers": 1}));

    let second = app
        .pledge_ok(
            "utrecht",
            &json!({"amount_cents": 10000, "name": "Joris", "show_name": false, "show_amount": false,
                    "email": "joris@example.nl", "message": "Voor de moestuin", "consent": true}),
        )
        .await;
    assert_eq!(second["totals"], json!({"pledged_cents": 12500, "received_cents": 0, "backers": 2}));
    assert_ne!(first["payment"]["reference"], second["payment"]["reference"]);
    let third = app.pledge_ok("utrecht", &pledge_body(1000, "FATIMA@example.nl")).await;
    assert_eq!(third["totals"], json!({"pledged_cents": 13500, "received_cents": 0, "backers": 2}));

    // A coordinator confirms the first and cancels the third.
    let id1 = first["pledge"]["id"].as_str().unwrap();
    let id3 = third["pledge"]["id"].as_str().unwrap();
    let r = app.admin_post(&format!("/api/v1/admin/pledges/{id1}/confirm")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "received");
    let r = app.admin_post(&format!("/api/v1/admin/pledges/{id3}/cancel")).await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    // A cancelled pledge cannot be confirmed.
    let (status, code, _) = error_of(app.admin_post(&format!("/api/v1/admin/pledges/{id3}/confirm")).await).await;
    assert_eq!((status, code.as_str()), (409, "invalid_transition"));

    let doc = app.document("utrecht").await;
    assert_eq!(doc["crowd"]["pledged_cents"], 12500);
    assert_eq!(doc["crowd"]["received_cents"], 2500);
    assert_eq!(doc["crowd"]["backers"], 2);
    let today = now().date_utc().to_string();
    assert_eq!(doc["history"], json!([{"date": today, "pledged_cents": 12500}]));
    let recent = doc["recent_pledges"].as_array().unwrap();
    assert_eq!(recent.len(), 2, "cancelled pledges are not shown: {recent:?}");
    // Newest first: Joris (hidden name and amount), then Fatima.
    assert_eq!(recent[0]["name"], Value::Null);
    assert_eq!(recent[0]["amount_cents"], Value::Null);
    assert_eq!(recent[0]["message"], "Voor de moestuin");
    assert_eq!(recent[1]["name"], "Fatima El Amrani");
    assert_eq!(recent[1]["amount_cents"], 2500);

    // The public list says the same.
    let page: Value = app.get("/api/v1/cohorts/utrecht/pledges").await.json().await.unwrap();
    assert_eq!(page["pledges"].as_array().unwrap().len(), 2);
    assert_eq!(page["pledges"][0]["message"], "Voor de moestuin");
    assert!(page.get("next_cursor").is_none());

    // Hiding a message removes it from everything public.
    let id2 = second["pledge"]["id"].as_str().unwrap();
    let r = app.admin_post(&format!("/api/v1/admin/pledges/{id2}/hide-message")).await;
    assert_eq!(r.json::<Value>().await.unwrap()["message_hidden"], true);
    let doc = app.document("utrecht").await;
    assert_eq!(doc["recent_pledges"][0]["message"], Value::Null);
    let page: Value = app.get("/api/v1/cohorts/utrecht/pledges").await.json().await.unwrap();
    assert_eq!(page["pledges"][0]["message"], Value::Null);

    // Stakeholders and own contributions.
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/utrecht/stakeholders/Oranje%20Fonds"))
        .bearer_auth(&app.token)
        .json(&json!({"kind": "fund", "status": "conditional", "amount_cents": 400000, "condition": "als de helft binnen is"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/utrecht/stakeholders/Oranje%20Fonds"))
        .bearer_auth(&app.token)
        .json(&json!({"kind": "fund", "status": "paid", "amount_cents": 450000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(app.url("/api/v1/admin/cohorts/utrecht/own-contributions"))
        .bearer_auth(&app.token)
        .json(&json!({"add": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["received"], 5);
    let r = app
        .client
        .post(app.url("/api/v1/admin/cohorts/utrecht/own-contributions"))
        .bearer_auth(&app.token)
        .json(&json!({"received": 21}))
        .send()
        .await
        .unwrap();
    let (status, code, fields) = error_of(r).await;
    assert_eq!((status, code.as_str()), (422, "validation_failed"));
    assert_eq!(fields, ["own_contributions.received"]);
    let doc = app.document("utrecht").await;
    assert_eq!(doc["own_contributions"]["received"], 5);
    let stakeholders = doc["stakeholders"].as_array().unwrap();
    assert_eq!(stakeholders.len(), 2);
    assert_eq!(stakeholders[1]["name"], "Oranje Fonds");
    assert_eq!(stakeholders[1]["status"], "paid");
    assert_eq!(stakeholders[1]["amount_cents"], 450000);

    // The export has every pledge, with e-mail addresses, for coordinators only.
    let r = app
        .client
        .get(app.url("/api/v1/admin/cohorts/utrecht/pledges.csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("id,created_at,status,amount_cents"));
    assert!(csv.contains("fatima@example.nl") && csv.contains("joris@example.nl") && csv.contains("FATIMA@example.nl"));
    assert!(lines[1].contains(",received,2500,25.00,"), "{}", lines[1]);
    assert!(lines[3].contains(",cancelled,1000,"), "{}", lines[3]);

    // Updating the definition keeps the pledges.
    let mut def = definition("utrecht");
    def["name"] = json!("Utrecht, voorjaar");
    let r = app.put_cohort_with("utrecht", &def, &app.token).await;
    assert_eq!(r.status(), 200);
    let doc = app.document("utrecht").await;
    assert_eq!(doc["name"], "Utrecht, voorjaar");
    assert_eq!(doc["crowd"]["pledged_cents"], 12500);
}

#[tokio::test]
async fn public_pledges_are_paginated_newest_first() {
    let app = spawn().await;
    app.open_cohort("paged").await;
    for i in 0..7 {
        let mut body = pledge_body(1000 + i, &format!("d{i}@example.nl"));
        body["message"] = json!(format!("nummer {i}"));
        app.pledge_ok("paged", &body).await;
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/cohorts/paged/pledges?limit=3".to_owned();
    loop {
        let page: Value = app.get(&url).await.json().await.unwrap();
        let items = page["pledges"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|p| p["message"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/cohorts/paged/pledges?limit=3&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("nummer {i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn coordinators_list_every_pledge_newest_first_with_addresses() {
    let app = spawn().await;
    app.open_cohort("c").await;
    let a = app.pledge_ok("c", &pledge_body(1000, "a@example.nl")).await;
    let b = app.pledge_ok("c", &pledge_body(2000, "b@example.nl")).await;
    let id_a = a["pledge"]["id"].as_str().unwrap();
    assert_eq!(app.admin_post(&format!("/api/v1/admin/pledges/{id_a}/cancel")).await.status(), 200);
    let r = app.client.get(app.url("/api/v1/admin/cohorts/c/pledges")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.unwrap();
    let pledges = list["pledges"].as_array().unwrap();
    assert_eq!(pledges.len(), 2, "cancelled pledges are listed for coordinators");
    assert_eq!(pledges[0]["id"], b["pledge"]["id"]);
    assert_eq!(pledges[0]["email"], "b@example.nl");
    assert_eq!(pledges[1]["status"], "cancelled");
    let r = app.client.get(app.url("/api/v1/admin/cohorts/nope/pledges")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn backers_are_counted_by_address_whatever_its_case_in_any_script() {
    let app = spawn().await;
    app.open_cohort("c").await;
    app.pledge_ok("c", &pledge_body(1000, "Élise@Example.nl")).await;
    let same = app.pledge_ok("c", &pledge_body(1000, "élise@example.NL")).await;
    assert_eq!(same["totals"]["backers"], 1, "one backer, two pledges: {same}");
    let other = app.pledge_ok("c", &pledge_body(1000, "elise@example.nl")).await;
    assert_eq!(other["totals"]["backers"], 2, "e and é are different addresses");
    assert_eq!(app.document("c").await["crowd"]["backers"], 2);
}
