//! The server against a scripted stand-in for Mollie's API, for what the built-in test
//! provider cannot show: a provider answer that names another pledge or amount, and a
//! donor who is back before the webhook.

use crate::helpers::*;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Json;
use cofund_server::config::PaymentsSetting;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Script {
    status: String,
    /// What the payment was created with: the pledge id and the amount value.
    created: Option<(String, String)>,
    /// Answered instead of the real pledge id / amount, when set.
    other_pledge: Option<String>,
    other_amount: Option<String>,
    fetched: usize,
    /// `DELETE /v2/payments/{id}` calls.
    cancelled: usize,
}

type Shared = Arc<Mutex<Script>>;

fn payment(s: &Script) -> Value {
    let (pledge, amount) = s.created.clone().unwrap();
    json!({"resource": "payment", "id": "tr_scripted1", "mode": "test", "status": s.status,
           "amount": {"value": s.other_amount.clone().unwrap_or(amount), "currency": "EUR"},
           "metadata": {"pledge_id": s.other_pledge.clone().unwrap_or(pledge)},
           "_links": {"checkout": {"href": "https://www.mollie.com/checkout/select-method/scripted1"}}})
}

async fn create(State(s): State<Shared>, Json(body): Json<Value>) -> (axum::http::StatusCode, Json<Value>) {
    let mut s = s.lock().unwrap();
    s.status = "open".into();
    s.created = Some((
        body["metadata"]["pledge_id"].as_str().unwrap().to_owned(),
        body["amount"]["value"].as_str().unwrap().to_owned(),
    ));
    (axum::http::StatusCode::CREATED, Json(payment(&s)))
}

async fn fetch(State(s): State<Shared>, Path(_id): Path<String>) -> Json<Value> {
    let mut s = s.lock().unwrap();
    s.fetched += 1;
    Json(payment(&s))
}

async fn cancel(State(s): State<Shared>, Path(_id): Path<String>) -> Json<Value> {
    let mut s = s.lock().unwrap();
    s.cancelled += 1;
    s.status = "canceled".into();
    Json(payment(&s))
}

const KEY: &str = "test_scriptedkey123";

/// A server on Mollie's stand-in; also the database and the API's address, for the CLI.
async fn scripted() -> (TestApp, Shared, std::ffi::OsString, String, tempfile::TempDir) {
    let script: Shared = Arc::default();
    let router = axum::Router::new()
        .route("/v2/payments", post(create))
        .route("/v2/payments/{id}", get(fetch).delete(cancel))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "scripted").await;
    let database = database_arg(&db);
    let url = api.clone();
    let app = spawn_with(move |s| {
        s.database = db;
        s.payments = PaymentsSetting::parse("mollie", Some(KEY.into()), Some(url)).unwrap();
    })
    .await;
    let mut def = definition("utrecht");
    def["online_payment"] = json!(true);
    app.cohort("utrecht", def).await;
    (app, script, database, api, dir)
}

async fn scripted_server() -> (TestApp, Shared, tempfile::TempDir) {
    let (app, script, _, _, dir) = scripted().await;
    (app, script, dir)
}

async fn started_pledge(app: &TestApp) -> Value {
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "scripted@example.nl")).await;
    let r = app
        .client
        .post(pledge["online_payment"]["start_url"].as_str().unwrap())
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": "https://www.starters4communities.nl/steun"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    pledge
}

async fn webhook(app: &TestApp) -> u16 {
    app.client
        .post(app.url("/api/v1/payments/webhook"))
        .form(&[("id", "tr_scripted1")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_provider_answer_that_names_another_pledge_or_amount_is_not_applied() {
    let (app, script, _dir) = scripted_server().await;
    started_pledge(&app).await;
    let before = app.document("utrecht").await["crowd"].clone();
    script.lock().unwrap().status = "paid".into();
    for (pledge, amount) in [(Some("pl_0000000000000000"), None), (None, Some("1.00"))] {
        {
            let mut s = script.lock().unwrap();
            s.other_pledge = pledge.map(str::to_owned);
            s.other_amount = amount.map(str::to_owned);
        }
        // Not applied, and not acknowledged: the provider calls again later.
        assert_eq!(webhook(&app).await, 500, "{pledge:?} {amount:?}");
        assert_eq!(app.document("utrecht").await["crowd"], before, "{pledge:?} {amount:?}: nothing received");
    }
    // The same payment, answered as it was made: applied.
    {
        let mut s = script.lock().unwrap();
        s.other_pledge = None;
        s.other_amount = None;
    }
    assert_eq!(webhook(&app).await, 200);
    let after = app.document("utrecht").await["crowd"].clone();
    assert_eq!(after["received_cents"].as_i64().unwrap(), before["received_cents"].as_i64().unwrap() + 2500);
}

#[tokio::test]
async fn a_donor_back_before_the_webhook_sees_the_payment_paid() {
    let (app, script, _dir) = scripted_server().await;
    let pledge = started_pledge(&app).await;
    let before = app.document("utrecht").await["crowd"]["received_cents"].as_i64().unwrap();
    let status_url = pledge["online_payment"]["status_url"].as_str().unwrap();
    let state: Value = app.client.get(status_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["online"], "pending");
    // Paid at the provider; no webhook has come.
    script.lock().unwrap().status = "paid".into();
    let fetched_before = script.lock().unwrap().fetched;
    let state: Value = app.client.get(status_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (state["online"].as_str(), state["pledge"]["status"].as_str()),
        (Some("paid"), Some("received")),
        "{state}"
    );
    assert!(script.lock().unwrap().fetched > fetched_before, "the server asked the provider");
    assert_eq!(app.document("utrecht").await["crowd"]["received_cents"].as_i64().unwrap(), before + 2500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pledge_cancelled_with_the_cli_cancels_its_open_payment_at_mollie() {
    let (app, script, database, api, _dir) = scripted().await;
    let pledge = started_pledge(&app).await;
    let id = pledge["pledge"]["id"].as_str().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["pledge", "cancel", id, "--database"])
        .arg(&database)
        .env("COFUND_LOG", "warn")
        .env("COFUND_PAYMENTS", "mollie")
        .env("COFUND_MOLLIE_API_KEY", KEY)
        .env("COFUND_MOLLIE_API_URL", &api)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(script.lock().unwrap().cancelled, 1, "the CLI cancelled the payment at the provider");
    let stored = app.storage.get_payment("tr_scripted1").await.unwrap().unwrap();
    assert_eq!(stored.status.as_str(), "canceled");
}
