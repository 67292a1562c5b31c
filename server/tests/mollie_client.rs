//! The real Mollie client against a local fake of Mollie's payments API v2 that
//! records every request: what the client sends (method, path, bearer key, idempotency
//! key, JSON body) and how it reads answers, errors and silence.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cofund_server::payments::mollie::MollieClient;
use cofund_server::payments::{ApiKey, NewPayment, PaymentProvider, PaymentStatus, ProviderError};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    idempotency_key: Option<String>,
    content_type: Option<String>,
    body: Value,
}

/// How the fake answers the next requests.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Documented,
    Unprocessable,
    Silent,
}

#[derive(Clone)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    mode: Arc<Mutex<Mode>>,
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn record(fake: &Fake, method: Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Mode {
    fake.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_owned(),
        authorization: header(headers, "authorization"),
        idempotency_key: header(headers, "idempotency-key"),
        content_type: header(headers, "content-type"),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    let mode = *fake.mode.lock().unwrap();
    if mode == Mode::Silent {
        // Never answers: only the client's own timeout can end the request.
        std::future::pending::<()>().await;
    }
    mode
}

/// A payment resource as Mollie's documentation shows it.
fn resource(id: &str, status: &str, body: &Value) -> Value {
    let mut r = json!({
        "resource": "payment", "id": id, "mode": "test", "createdAt": "2027-03-20T10:56:15+00:00",
        "amount": body.get("amount").cloned().unwrap_or(json!({"value": "25.50", "currency": "EUR"})),
        "description": body.get("description").cloned().unwrap_or(json!("S4C-UTR-7KQ2M9XD")),
        "method": "ideal", "metadata": body.get("metadata").cloned().unwrap_or(json!({"pledge_id": "pl_KNOWN"})),
        "status": status, "isCancelable": false, "profileId": "pfl_QkEhN94Ba", "sequenceType": "oneoff",
        "redirectUrl": body.get("redirectUrl").cloned().unwrap_or(json!("https://www.example.nl/steun")),
        "_links": {"self": {"href": format!("https://api.mollie.com/v2/payments/{id}"), "type": "application/hal+json"}}
    });
    if status == "open" {
        r["_links"]["checkout"] =
            json!({"href": format!("https://www.mollie.com/checkout/select-method/{id}"), "type": "text/html"});
    }
    r
}

async fn create(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mode = record(&fake, method, &uri, &headers, &body).await;
    if header(&headers, "authorization").as_deref() != Some(&format!("Bearer {KEY}")) {
        return (StatusCode::UNAUTHORIZED, json!({"status": 401, "title": "Unauthorized Request", "detail": "Missing authentication, or failed to authenticate"}).to_string()).into_response();
    }
    if mode == Mode::Unprocessable {
        let e = json!({"status": 422, "title": "Unprocessable Entity", "detail": "The amount is higher than the maximum", "field": "amount",
                        "_links": {"documentation": {"href": "https://docs.mollie.com/overview/handling-errors", "type": "text/html"}}});
        return (StatusCode::UNPROCESSABLE_ENTITY, [("content-type", "application/hal+json")], e.to_string())
            .into_response();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (
        StatusCode::CREATED,
        [("content-type", "application/hal+json")],
        resource("tr_WDqYK6vllg", "open", &body).to_string(),
    )
        .into_response()
}

async fn fetch(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&fake, method, &uri, &headers, &body).await;
    if id != "tr_WDqYK6vllg" {
        return (
            StatusCode::NOT_FOUND,
            json!({"status": 404, "title": "Not Found", "detail": format!("No payment exists with token {id}.")})
                .to_string(),
        )
            .into_response();
    }
    (StatusCode::OK, resource(&id, "paid", &Value::Null).to_string()).into_response()
}

async fn start_fake() -> (String, Fake) {
    let fake = Fake { seen: Arc::default(), mode: Arc::new(Mutex::new(Mode::Documented)) };
    let app = Router::new()
        .route("/v2/payments", post(create))
        .route("/v2/payments/{id}", get(fetch))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn new_payment() -> NewPayment {
    NewPayment {
        amount_cents: 2550,
        currency: "EUR".into(),
        description: "S4C-UTR-7KQ2M9XD".into(),
        redirect_url: "https://www.example.nl/steun?cofund_payment=pl_KNOWN".into(),
        webhook_url: "https://cofund.example.org/api/v1/payments/webhook".into(),
        pledge_id: "pl_KNOWN".into(),
        idempotency_key: "pay-pl_KNOWN-1".into(),
    }
}

#[tokio::test]
async fn creating_a_payment_sends_what_mollie_documents() {
    let (base, fake) = start_fake().await;
    let client = MollieClient::new(&base, ApiKey::new(KEY), Duration::from_secs(2)).unwrap();
    let created = client.create_payment(&new_payment()).await.unwrap();
    assert_eq!(created.id, "tr_WDqYK6vllg");
    assert_eq!(created.status, PaymentStatus::Open);
    assert_eq!(created.amount_cents, 2550);
    assert_eq!(created.pledge_id.as_deref(), Some("pl_KNOWN"));
    assert_eq!(created.checkout_url.as_deref(), Some("https://www.mollie.com/checkout/select-method/tr_WDqYK6vllg"));

    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, Method::POST);
    assert_eq!(r.path, "/v2/payments");
    assert_eq!(r.authorization.as_deref(), Some(&*format!("Bearer {KEY}")));
    assert_eq!(r.idempotency_key.as_deref(), Some("pay-pl_KNOWN-1"));
    assert!(r.content_type.as_deref().unwrap_or_default().starts_with("application/json"));
    assert_eq!(
        r.body,
        json!({
            "amount": {"currency": "EUR", "value": "25.50"},
            "description": "S4C-UTR-7KQ2M9XD",
            "redirectUrl": "https://www.example.nl/steun?cofund_payment=pl_KNOWN",
            "webhookUrl": "https://cofund.example.org/api/v1/payments/webhook",
            "metadata": {"pledge_id": "pl_KNOWN"},
            "method": "ideal",
        })
    );
}

#[tokio::test]
async fn fetching_a_payment_reads_its_status_and_pledge() {
    let (base, fake) = start_fake().await;
    let client = MollieClient::new(&base, ApiKey::new(KEY), Duration::from_secs(2)).unwrap();
    let paid = client.get_payment("tr_WDqYK6vllg").await.unwrap();
    assert_eq!(
        (paid.status, paid.amount_cents, paid.pledge_id.as_deref()),
        (PaymentStatus::Paid, 2550, Some("pl_KNOWN"))
    );
    assert_eq!(paid.checkout_url, None, "a paid payment has no checkout");
    let r = fake.seen.lock().unwrap()[0].clone();
    assert_eq!((r.method, r.path.as_str()), (Method::GET, "/v2/payments/tr_WDqYK6vllg"));
    assert_eq!(r.authorization.as_deref(), Some(&*format!("Bearer {KEY}")));

    assert!(matches!(client.get_payment("tr_unknown1").await, Err(ProviderError::NotFound)));
    // A malformed id is never sent on.
    assert!(matches!(client.get_payment("tr_../../v2/refunds").await, Err(ProviderError::NotFound)));
    assert_eq!(fake.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_answer_says_what_mollie_said() {
    let (base, fake) = start_fake().await;
    *fake.mode.lock().unwrap() = Mode::Unprocessable;
    let client = MollieClient::new(&base, ApiKey::new(KEY), Duration::from_secs(2)).unwrap();
    match client.create_payment(&new_payment()).await {
        Err(ProviderError::Rejected { status: 422, detail }) => {
            assert_eq!(detail, "The amount is higher than the maximum (field amount)")
        }
        other => panic!("expected a 422 rejection, got {other:?}"),
    }
    // A wrong key: refused, and the key is in no error message.
    let wrong = MollieClient::new(&base, ApiKey::new("test_wrong_key_123"), Duration::from_secs(2)).unwrap();
    *fake.mode.lock().unwrap() = Mode::Documented;
    let e = wrong.create_payment(&new_payment()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Rejected { status: 401, .. }), "{e:?}");
    assert!(!e.to_string().contains("test_wrong_key_123") && !format!("{wrong:?}").contains("test_wrong_key_123"));
}

#[tokio::test]
async fn a_provider_that_does_not_answer_times_out() {
    let (base, fake) = start_fake().await;
    *fake.mode.lock().unwrap() = Mode::Silent;
    let client = MollieClient::new(&base, ApiKey::new(KEY), Duration::from_millis(300)).unwrap();
    // The fake never answers, so the call ends only by the client's timeout.
    let e = client.create_payment(&new_payment()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Timeout), "{e:?}");
    assert_eq!(fake.seen.lock().unwrap().len(), 1, "the request did arrive");

    // Nothing listening at all: unreachable, not a timeout.
    let closed = MollieClient::new("http://127.0.0.1:9", ApiKey::new(KEY), Duration::from_secs(2)).unwrap();
    assert!(matches!(closed.get_payment("tr_WDqYK6vllg").await, Err(ProviderError::Unreachable(_))));
}
