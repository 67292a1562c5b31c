//! The built-in test provider (`--payments demo`): a stand-in for Mollie served by this
//! server under `/demo-psp/`. It speaks the same API as Mollie's payments API v2
//! (`POST /v2/payments`, `GET /v2/payments/{id}`, bearer key, `Idempotency-Key`, the same
//! JSON and error shapes), so the server talks to it with the real [`MollieClient`], and
//! it has its own small checkout page with "paid", "failed" and "cancelled" buttons that
//! call the webhook and send the donor back, as the real checkout does. Payments live in
//! memory: it is for demos and tests, never for money.
//!
//! [`MollieClient`]: super::mollie::MollieClient

use super::{parse_amount_value, PaymentStatus};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the test provider is mounted on this server.
pub const MOUNT: &str = "/demo-psp";
/// Most payments the test provider keeps in memory; beyond that it refuses new ones
/// (`503`), so nobody can grow the server's memory through it.
pub const MAX_PAYMENTS: usize = 10_000;

/// Whether the test provider may run: only on a server that listens on loopback and
/// whose public URL is plain http on loopback, i.e. a developer's machine or a test.
/// Anywhere else its checkout page would let anyone mark pledges received without
/// paying, so the server refuses to start, naming why.
pub fn check_allowed(listen: std::net::SocketAddr, public_url: &str) -> anyhow::Result<()> {
    let public_loopback = reqwest::Url::parse(public_url).ok().is_some_and(|u| {
        u.scheme() == "http"
            && u.host_str().is_some_and(|h| {
                h.eq_ignore_ascii_case("localhost")
                    || h.trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|a| a.is_loopback())
            })
    });
    if !listen.ip().is_loopback() || !public_loopback {
        anyhow::bail!(
            "--payments demo (the built-in test provider, where anyone can mark a pledge paid without paying) runs only on \
             loopback: listen on 127.0.0.1 or ::1 (not {listen}) with a plain-http loopback public URL (not {public_url}). \
             Use --payments mollie in production"
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct DemoPayment {
    id: String,
    status: PaymentStatus,
    currency: String,
    value: String,
    description: String,
    redirect_url: String,
    webhook_url: Option<String>,
    metadata: Value,
}

/// The test provider's state.
pub struct DemoProvider {
    /// This server's public base URL, for the checkout links.
    public_url: String,
    /// A random key made at start, known only to this process: only this server's own
    /// Mollie client can create or read payments (a fixed, published key would let
    /// anyone use the provider's API).
    api_key: String,
    /// The only webhook URL accepted: this server's.
    webhook_url: String,
    payments: Mutex<HashMap<String, DemoPayment>>,
    /// Idempotency key → payment id.
    keys: Mutex<HashMap<String, String>>,
    http: reqwest::Client,
}

impl DemoProvider {
    /// `webhook_url`: this server's webhook, the only one it calls.
    pub fn new(public_url: &str, webhook_url: &str) -> Arc<DemoProvider> {
        Arc::new(DemoProvider {
            public_url: public_url.trim_end_matches('/').to_owned(),
            api_key: format!("test_{}", crate::domain::hex(&crate::domain::random_bytes::<24>())),
            webhook_url: webhook_url.to_owned(),
            payments: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("an HTTP client"),
        })
    }

    /// The key this provider accepts (for this server's Mollie client only).
    pub fn api_key(&self) -> super::ApiKey {
        super::ApiKey::new(self.api_key.clone())
    }

    /// The provider's routes, to be nested under [`MOUNT`].
    pub fn router(self: &Arc<DemoProvider>) -> Router {
        Router::new()
            .route("/v2/payments", axum::routing::post(create))
            .route("/v2/payments/{id}", get(fetch).delete(cancel))
            .route("/checkout/{id}", get(checkout_page).post(checkout_choice))
            .with_state(self.clone())
    }

    fn resource(&self, p: &DemoPayment) -> Value {
        let mut links = json!({"self": {"href": format!("{}{MOUNT}/v2/payments/{}", self.public_url, p.id), "type": "application/hal+json"}});
        if !p.status.is_final() {
            links["checkout"] =
                json!({"href": format!("{}{MOUNT}/checkout/{}", self.public_url, p.id), "type": "text/html"});
        }
        json!({
            "resource": "payment",
            "id": p.id,
            "mode": "test",
            "status": p.status.as_str(),
            "amount": {"currency": p.currency, "value": p.value},
            "description": p.description,
            "method": "ideal",
            "metadata": p.metadata,
            "redirectUrl": p.redirect_url,
            "webhookUrl": p.webhook_url,
            "_links": links,
        })
    }
}

/// Mollie's error shape.
fn error(status: StatusCode, detail: &str, field: Option<&str>) -> Response {
    let mut body =
        json!({"status": status.as_u16(), "title": status.canonical_reason().unwrap_or(""), "detail": detail});
    if let Some(f) = field {
        body["field"] = json!(f);
    }
    (status, [(header::CONTENT_TYPE, "application/hal+json")], body.to_string()).into_response()
}

fn authorised(demo: &DemoProvider, headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {}", demo.api_key))
}

fn hal(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/hal+json")], body.to_string()).into_response()
}

async fn create(State(demo): State<Arc<DemoProvider>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&demo, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Missing authentication, or failed to authenticate", None);
    }
    let text = |path: &[&str]| path.iter().try_fold(&body, |v, k| v.get(k)).and_then(Value::as_str).map(str::to_owned);
    let (Some(currency), Some(value)) = (text(&["amount", "currency"]), text(&["amount", "value"])) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The amount is required", Some("amount"));
    };
    if parse_amount_value(&value).is_none_or(|c| c <= 0) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The amount is invalid", Some("amount"));
    }
    let Some(description) = text(&["description"]).filter(|d| !d.trim().is_empty()) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The description is required", Some("description"));
    };
    // A redirect URL must be usable as a `Location` header as it is (no control
    // characters), else the checkout could not send the donor back.
    let Some(redirect_url) = text(&["redirectUrl"])
        .filter(|u| (u.starts_with("http://") || u.starts_with("https://")) && u.len() <= 2048)
        .filter(|u| axum::http::HeaderValue::from_str(u).is_ok() && !u.chars().any(char::is_control))
    else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The redirect URL is invalid", Some("redirectUrl"));
    };
    // It calls only this server's webhook: never a URL someone else chose.
    let webhook_url = text(&["webhookUrl"]);
    if webhook_url.as_deref().is_some_and(|u| u != demo.webhook_url) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The webhook URL must be this server's", Some("webhookUrl"));
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(k) = &key {
        let known = demo.keys.lock().expect("keys").get(k).cloned();
        if let Some(p) = known.and_then(|id| demo.payments.lock().expect("payments").get(&id).cloned()) {
            return hal(StatusCode::CREATED, demo.resource(&p));
        }
    }
    if demo.payments.lock().expect("payments").len() >= MAX_PAYMENTS {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The test provider holds as many payments as it keeps; restart the server",
            None,
        );
    }
    let id = format!("tr_{}", crate::domain::base32(&crate::domain::random_bytes::<8>()).to_ascii_lowercase());
    let payment = DemoPayment {
        id: id.clone(),
        status: PaymentStatus::Open,
        currency,
        value,
        description,
        redirect_url,
        webhook_url,
        metadata: body.get("metadata").cloned().unwrap_or(Value::Null),
    };
    let resource = demo.resource(&payment);
    demo.payments.lock().expect("payments").insert(id.clone(), payment);
    if let Some(k) = key {
        demo.keys.lock().expect("keys").insert(k, id);
    }
    hal(StatusCode::CREATED, resource)
}

async fn fetch(State(demo): State<Arc<DemoProvider>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&demo, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Missing authentication, or failed to authenticate", None);
    }
    match demo.payments.lock().expect("payments").get(&id) {
        Some(p) => hal(StatusCode::OK, demo.resource(p)),
        None => error(StatusCode::NOT_FOUND, &format!("No payment exists with token {id}."), None),
    }
}

/// Like Mollie: an open payment is cancelled; any other is refused with 422.
async fn cancel(State(demo): State<Arc<DemoProvider>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&demo, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Missing authentication, or failed to authenticate", None);
    }
    let mut payments = demo.payments.lock().expect("payments");
    let Some(p) = payments.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, &format!("No payment exists with token {id}."), None);
    };
    if p.status != PaymentStatus::Open {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "The payment cannot be canceled", None);
    }
    p.status = PaymentStatus::Canceled;
    hal(StatusCode::OK, demo.resource(p))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn checkout_page(State(demo): State<Arc<DemoProvider>>, Path(id): Path<String>) -> Response {
    let Some(p) = demo.payments.lock().expect("payments").get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, Html("<!doctype html><html lang=\"nl\"><title>Onbekende betaling</title><main><h1>Onbekende betaling</h1></main></html>")).into_response();
    };
    let amount = format!("{} {}", esc(&p.currency), esc(&p.value.replace('.', ",")));
    let body = if p.status.is_final() {
        format!(
            "<p>Deze betaling is al afgerond: <strong>{}</strong>.</p><p><a href=\"{}\">Terug naar de website</a></p>",
            p.status,
            esc(&p.redirect_url)
        )
    } else {
        format!(
            "<p class=\"amount\">{amount}</p><p>{}</p>\
             <form method=\"post\"><button name=\"outcome\" value=\"paid\">Betaald</button>\
             <button name=\"outcome\" value=\"failed\">Mislukt</button>\
             <button name=\"outcome\" value=\"canceled\">Geannuleerd</button></form>",
            esc(&p.description)
        )
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Testbetaling — iDEAL</title><style>\
         body{{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;background:#f4f4f8;color:#1b1b1b}}\
         main{{max-width:28rem;margin:0 auto;background:#fff;padding:1.5rem;border-radius:.5rem;border:1px solid #ccc}}\
         .amount{{font-size:2rem;font-weight:700;margin:.5rem 0}} form{{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}}\
         button{{font:inherit;font-weight:600;min-height:2.75rem;padding:.5rem 1rem;border-radius:.5rem;border:2px solid #a0005a;background:#a0005a;color:#fff;cursor:pointer}}\
         button[value=failed],button[value=canceled]{{background:#fff;color:#a0005a}}\
         button:focus-visible{{outline:3px solid #1a56db;outline-offset:2px}} .note{{color:#4f4f4f;font-size:.875rem}}</style></head>\
         <body><main><h1>Testbetaling met iDEAL</h1>\
         <p class=\"note\">Dit is de ingebouwde testaanbieder van Cofund: er wordt geen geld overgemaakt. Kies de uitkomst.</p>\
         {body}</main></body></html>\n"
    ))
    .into_response()
}

#[derive(Deserialize)]
struct Choice {
    outcome: String,
}

async fn checkout_choice(
    State(demo): State<Arc<DemoProvider>>,
    Path(id): Path<String>,
    Form(choice): Form<Choice>,
) -> Response {
    let status = match choice.outcome.as_str() {
        "paid" => PaymentStatus::Paid,
        "failed" => PaymentStatus::Failed,
        "canceled" => PaymentStatus::Canceled,
        "expired" => PaymentStatus::Expired,
        _ => {
            return (StatusCode::UNPROCESSABLE_ENTITY, "outcome must be paid, failed, canceled or expired")
                .into_response()
        }
    };
    let payment = {
        let mut payments = demo.payments.lock().expect("payments");
        let Some(p) = payments.get_mut(&id) else { return StatusCode::NOT_FOUND.into_response() };
        if !p.status.is_final() {
            p.status = status;
        }
        p.clone()
    };
    // Like Mollie: the webhook names the payment and nothing else; the server fetches it.
    if let Some(url) = &payment.webhook_url {
        match demo.http.post(url).form(&[("id", payment.id.as_str())]).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(payment = %payment.id, status = %r.status(), "demo provider: the webhook refused"),
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e.without_url(), "demo provider: the webhook could not be called")
            }
        }
    }
    // Checked when the payment was made; a refusal here would still never panic.
    match axum::http::HeaderValue::from_str(&payment.redirect_url) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, "the payment's redirect URL cannot be followed").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    const PUBLIC: &str = "http://127.0.0.1:8080";

    async fn create_with(demo: &Arc<DemoProvider>, redirect: &str, webhook: &str) -> StatusCode {
        let body = json!({"amount": {"currency": "EUR", "value": "10.00"}, "description": "S4C-UTR-1 Utrecht",
                          "redirectUrl": redirect, "webhookUrl": webhook, "metadata": {"pledge_id": "pl_X"}});
        let request = axum::http::Request::post("/v2/payments")
            .header(header::AUTHORIZATION, format!("Bearer {}", demo.api_key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        demo.router().oneshot(request).await.unwrap().status()
    }

    #[test]
    fn it_runs_only_on_loopback_with_a_plain_http_loopback_address() {
        let ok = [
            ("127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("127.0.0.1:8080", "http://localhost:8080"),
            ("[::1]:8080", "http://[::1]:8080"),
        ];
        for (listen, public) in ok {
            assert!(check_allowed(listen.parse().unwrap(), public).is_ok(), "{listen} {public}");
        }
        let refused = [
            ("0.0.0.0:8080", "http://127.0.0.1:8080"),
            ("192.0.2.1:8080", "http://127.0.0.1:8080"),
            ("127.0.0.1:8080", "https://127.0.0.1:8080"),
            ("127.0.0.1:8080", "http://cofund.example.org"),
            ("127.0.0.1:8080", "http://localhost.example.org"),
        ];
        for (listen, public) in refused {
            assert!(check_allowed(listen.parse().unwrap(), public).is_err(), "{listen} {public}");
        }
    }

    #[tokio::test]
    async fn it_calls_only_this_servers_webhook_and_refuses_redirects_it_could_not_follow() {
        let hook = format!("{PUBLIC}/api/v1/payments/webhook");
        let demo = DemoProvider::new(PUBLIC, &hook);
        assert_eq!(create_with(&demo, "https://www.starters4communities.nl/steun", &hook).await, StatusCode::CREATED);
        assert_eq!(
            create_with(&demo, "https://www.starters4communities.nl/steun", "https://evil.example/hook").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        for bad in ["https://a.example/\r\nSet-Cookie: x=1", "https://a.example/\u{7f}", "https://a.example/\u{85}"] {
            assert_eq!(create_with(&demo, bad, &hook).await, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        }
        assert_eq!(demo.payments.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn it_keeps_a_bounded_number_of_payments() {
        let hook = format!("{PUBLIC}/api/v1/payments/webhook");
        let demo = DemoProvider::new(PUBLIC, &hook);
        {
            let mut payments = demo.payments.lock().unwrap();
            for i in 0..MAX_PAYMENTS {
                let id = format!("tr_{i}");
                let p = DemoPayment {
                    id: id.clone(),
                    status: PaymentStatus::Open,
                    currency: "EUR".into(),
                    value: "1.00".into(),
                    description: "x".into(),
                    redirect_url: PUBLIC.into(),
                    webhook_url: None,
                    metadata: Value::Null,
                };
                payments.insert(id, p);
            }
        }
        assert_eq!(create_with(&demo, PUBLIC, &hook).await, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(demo.payments.lock().unwrap().len(), MAX_PAYMENTS);
    }
}
