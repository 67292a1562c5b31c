//! Online payment through the built-in test provider, which speaks Mollie's API: the
//! server's real Mollie client talks to it over loopback, its checkout calls the
//! webhook and sends the donor back. The webhook is never trusted, replays change
//! nothing, and return URLs are held to the cohort's allowed origins.

use crate::helpers::*;
use cofund_server::config::PaymentsSetting;
use reqwest::redirect::Policy;
use serde_json::{json, Value};

async fn spawn_paying() -> TestApp {
    spawn_with(|s| s.payments = PaymentsSetting::Demo).await
}

fn paying_definition(slug: &str) -> Value {
    let mut def = definition(slug);
    def["online_payment"] = json!(true);
    def
}

const RETURN: &str = "https://www.starters4communities.nl/steun?campagne=utrecht#formulier";

impl TestApp {
    /// Starts a payment; returns the status and the body.
    async fn start_payment(&self, start_url: &str, return_url: &str, key: &str) -> (u16, Value) {
        let r = self
            .client
            .post(start_url)
            .header("Idempotency-Key", key)
            .json(&json!({"return_url": return_url}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Chooses an outcome on the test provider's checkout page, as a donor would; returns
    /// where the donor is sent back to.
    async fn checkout(&self, checkout_url: &str, outcome: &str) -> String {
        let page = self.client.get(checkout_url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains(&format!("value=\"{outcome}\"")));
        let donor = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let r = donor.post(checkout_url).form(&[("outcome", outcome)]).send().await.unwrap();
        assert_eq!(r.status(), 303, "the checkout sends the donor back");
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    async fn webhook(&self, body: &[(&str, &str)]) -> u16 {
        self.client.post(self.url("/api/v1/payments/webhook")).form(body).send().await.unwrap().status().as_u16()
    }

    async fn payment_state(&self, status_url: &str) -> Value {
        let r = self.client.get(status_url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn etag(&self, slug: &str) -> String {
        let r = self.client.get(self.url(&format!("/api/v1/cohorts/{slug}"))).send().await.unwrap();
        r.headers()["etag"].to_str().unwrap().to_owned()
    }
}

fn payment_id(checkout_url: &str) -> String {
    checkout_url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_paid_payment_makes_the_pledge_received_once_however_often_the_webhook_comes() {
    let app = spawn_paying().await;
    app.cohort("utrecht", paying_definition("utrecht")).await;
    let before = app.document("utrecht").await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2550, "ideal@example.nl")).await;
    let online = &pledge["online_payment"];
    assert_eq!(online["method"], "ideal");
    let pledge_id = pledge["pledge"]["id"].as_str().unwrap();
    let start_url = online["start_url"].as_str().unwrap();
    assert_eq!(start_url, app.url(&format!("/api/v1/cohorts/utrecht/pledges/{pledge_id}/payments")));

    let key = key();
    let (status, started) = app.start_payment(start_url, RETURN, &key).await;
    assert_eq!(status, 201, "{started}");
    let checkout_url = started["checkout_url"].as_str().unwrap().to_owned();
    assert!(checkout_url.starts_with(&app.url("/demo-psp/checkout/tr_")), "{checkout_url}");
    // A retry of the same start (same key) is the same payment.
    let (_, again) = app.start_payment(start_url, RETURN, &key).await;
    assert_eq!(again["checkout_url"], started["checkout_url"]);
    let status_url = online["status_url"].as_str().unwrap();
    assert_eq!(app.payment_state(status_url).await["online"], "pending");

    // A webhook that claims "paid" in its body is not believed: only the provider is.
    assert_eq!(app.webhook(&[("id", &payment_id(&checkout_url)), ("status", "paid")]).await, 200);
    assert_eq!(app.document("utrecht").await["crowd"]["received_cents"], before["crowd"]["received_cents"]);

    let back = app.checkout(&checkout_url, "paid").await;
    assert_eq!(back, format!("https://www.starters4communities.nl/steun?campagne=utrecht&cofund_payment={pledge_id}"));
    let after = app.document("utrecht").await;
    assert_eq!(
        after["crowd"]["received_cents"].as_i64().unwrap(),
        before["crowd"]["received_cents"].as_i64().unwrap() + 2550
    );
    assert_eq!(
        after["crowd"]["pledged_cents"].as_i64().unwrap(),
        before["crowd"]["pledged_cents"].as_i64().unwrap() + 2550
    );
    let state = app.payment_state(status_url).await;
    assert_eq!((state["online"].as_str(), state["pledge"]["status"].as_str()), (Some("paid"), Some("received")));
    assert!(state.get("online_payment").is_none(), "a paid pledge is not offered another payment");

    // The provider calls again, three times: nothing changes, not even the revision.
    let etag = app.etag("utrecht").await;
    for _ in 0..3 {
        assert_eq!(app.webhook(&[("id", &payment_id(&checkout_url))]).await, 200);
    }
    assert_eq!(app.etag("utrecht").await, etag);
    assert_eq!(app.document("utrecht").await["crowd"]["received_cents"], after["crowd"]["received_cents"]);
    // And a paid pledge cannot be paid twice.
    let (status, body) = app.start_payment(start_url, RETURN, &crate::helpers::key()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("payment_unavailable")));
}

#[tokio::test]
async fn a_failed_payment_counts_nothing_and_the_donor_can_pay_again() {
    let app = spawn_paying().await;
    app.cohort("utrecht", paying_definition("utrecht")).await;
    let before = app.document("utrecht").await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(4000, "retry@example.nl")).await;
    let start_url = pledge["online_payment"]["start_url"].as_str().unwrap();
    let status_url = pledge["online_payment"]["status_url"].as_str().unwrap();
    for outcome in ["failed", "canceled"] {
        let (_, started) = app.start_payment(start_url, RETURN, &key()).await;
        app.checkout(started["checkout_url"].as_str().unwrap(), outcome).await;
        let state = app.payment_state(status_url).await;
        assert_eq!(
            (state["online"].as_str(), state["pledge"]["status"].as_str()),
            (Some("failed"), Some("pledged")),
            "{outcome}"
        );
        assert_eq!(state["online_payment"]["start_url"], pledge["online_payment"]["start_url"], "a retry is offered");
        assert_eq!(state["payment"]["reference"], pledge["payment"]["reference"], "and the transfer details");
        assert_eq!(
            app.document("utrecht").await["crowd"]["received_cents"],
            before["crowd"]["received_cents"],
            "nothing received"
        );
    }
    let (_, started) = app.start_payment(start_url, RETURN, &key()).await;
    app.checkout(started["checkout_url"].as_str().unwrap(), "paid").await;
    assert_eq!(
        app.document("utrecht").await["crowd"]["received_cents"].as_i64().unwrap(),
        before["crowd"]["received_cents"].as_i64().unwrap() + 4000
    );
}

#[tokio::test]
async fn a_forged_webhook_changes_nothing() {
    let app = spawn_paying().await;
    app.cohort("utrecht", paying_definition("utrecht")).await;
    app.pledge_ok("utrecht", &pledge_body(2500, "forged@example.nl")).await;
    let etag = app.etag("utrecht").await;
    let before = app.document("utrecht").await;
    for body in
        [vec![("id", "tr_forged123")], vec![("id", "tr_forged123"), ("status", "paid")], vec![("id", "../../admin")]]
    {
        assert_eq!(app.webhook(&body).await, 200, "an unknown payment is acknowledged and ignored");
    }
    assert_eq!(app.webhook(&[]).await, 400, "a webhook names a payment");
    assert_eq!(app.etag("utrecht").await, etag);
    assert_eq!(app.document("utrecht").await["crowd"], before["crowd"]);
}

#[tokio::test]
async fn return_urls_stay_on_the_cohorts_origins() {
    let app = spawn_paying().await;
    app.cohort("utrecht", paying_definition("utrecht")).await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "return@example.nl")).await;
    let start_url = pledge["online_payment"]["start_url"].as_str().unwrap();
    for foreign in [
        "https://evil.example/steal",
        "https://www.starters4communities.nl.evil.example/",
        "javascript:alert(1)",
        "//evil.example/",
        "https://user@www.starters4communities.nl/",
        "not a url",
    ] {
        let (status, body) = app.start_payment(start_url, foreign, &key()).await;
        assert_eq!(status, 422, "{foreign}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "return_url", "{foreign}");
    }
    // This server's own embed page is fine; so is a localhost page the cohort allows.
    for own in [app.url("/embed/utrecht"), "http://localhost:3000/steun".to_owned()] {
        let (status, body) = app.start_payment(start_url, &own, &key()).await;
        assert_eq!(status, 201, "{own}: {body}");
    }
    // A page on a foreign origin may not start a payment at all.
    let r = app
        .client
        .post(start_url)
        .header("Origin", "https://evil.example")
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": RETURN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // `*` lets any page pledge, but sends donors back only to listed origins.
    let mut open = paying_definition("open");
    open["allowed_origins"] = json!(["*"]);
    app.cohort("open", open).await;
    let pledge = app.pledge_ok("open", &pledge_body(2500, "star@example.nl")).await;
    let (status, _) = app
        .start_payment(pledge["online_payment"]["start_url"].as_str().unwrap(), "https://anywhere.example/", &key())
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn online_payment_is_a_per_cohort_choice_and_needs_a_provider() {
    let app = spawn_paying().await;
    app.open_cohort("utrecht").await; // online payment off by default
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "off@example.nl")).await;
    assert!(pledge.get("online_payment").is_none(), "{pledge}");
    let pledge_id = pledge["pledge"]["id"].as_str().unwrap();
    let start = app.url(&format!("/api/v1/cohorts/utrecht/pledges/{pledge_id}/payments"));
    let (status, body) = app.start_payment(&start, RETURN, &key()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("payment_unavailable")));

    // A coordinator turns it on through the admin API.
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/utrecht/online-payment"))
        .bearer_auth(&app.token)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"enabled": true, "provider": "demo"}));
    assert!(app.pledge_ok("utrecht", &pledge_body(2500, "on@example.nl")).await["online_payment"].is_object());
    let (status, _) = app.start_payment(&start, RETURN, &key()).await;
    assert_eq!(status, 201, "an earlier pledge can now be paid online too");
    let unauthorised = app
        .client
        .put(app.url("/api/v1/admin/cohorts/utrecht/online-payment"))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);

    // A server without a payment provider never offers it, whatever the cohort says.
    let plain = spawn().await;
    plain.cohort("utrecht", paying_definition("utrecht")).await;
    let pledge = plain.pledge_ok("utrecht", &pledge_body(2500, "plain@example.nl")).await;
    assert!(pledge.get("online_payment").is_none());
    let pledge_id = pledge["pledge"]["id"].as_str().unwrap();
    let (status, _) = plain
        .start_payment(&plain.url(&format!("/api/v1/cohorts/utrecht/pledges/{pledge_id}/payments")), RETURN, &key())
        .await;
    assert_eq!(status, 409);
    // The definition never holds a provider key.
    let stored = plain
        .client
        .get(plain.url("/api/v1/admin/cohorts/utrecht"))
        .bearer_auth(&plain.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!stored.contains("test_cofund_demo_provider") && !stored.contains("api_key"));
}
