//! Issue 20, the security review's findings: each test here failed before its fix.

use crate::helpers::*;
use cofund_server::config::{PaymentsSetting, Settings};
use cofund_server::domain::access::Grant;
use cofund_server::domain::pledging::PledgeChange;
use cofund_server::domain::Cofund;
use cofund_server::Application;
use futures_util::StreamExt;
use reqwest::redirect::Policy;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::Duration;

const RETURN: &str = "https://www.starters4communities.nl/steun";

fn no_redirects() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Signs in with a new link for `grant`; returns the `Set-Cookie` header, the cookie
/// pair and the CSRF token.
async fn session(app: &TestApp, grant: Grant) -> (String, String, String) {
    let cofund = Cofund::new(app.storage.clone(), app.address.clone());
    let link = cofund.create_login_link(&grant, 24, now()).await.unwrap();
    let r = no_redirects()
        .post(app.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("link={link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    let r = app.client.get(app.url("/api/v1/session")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(r.status(), 200, "the new session works");
    let me: Value = r.json().await.unwrap();
    (set_cookie, pair, me["csrf_token"].as_str().unwrap().to_owned())
}

fn paying(slug: &str) -> Value {
    let mut def = definition(slug);
    def["online_payment"] = json!(true);
    def
}

async fn start_payment(app: &TestApp, pledge: &Value) -> String {
    let r = app
        .client
        .post(pledge["online_payment"]["start_url"].as_str().unwrap())
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": RETURN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["checkout_url"].as_str().unwrap().to_owned()
}

// 1. A member could read hidden amounts through pledge ids and the payment status.
#[tokio::test]
async fn a_member_gets_no_pledge_ids_and_the_payment_status_is_only_where_online_payment_is() {
    let app = spawn_with(|s| s.payments = PaymentsSetting::Demo).await;
    app.open_cohort("plain").await; // no online payment
    let mut body = pledge_body(4321, "hidden@example.nl");
    body["show_amount"] = json!(false);
    let pledge = app.pledge_ok("plain", &body).await;
    let id = pledge["pledge"]["id"].as_str().unwrap().to_owned();

    let (_, cookie, _) = session(&app, Grant::member("plain".into())).await;
    let r =
        app.client.get(app.url("/api/v1/admin/cohorts/plain/pledges")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains(&id), "a member's list holds no pledge id: {text}");
    assert!(!text.contains("4321"), "nor the hidden amount: {text}");
    let list: Value = serde_json::from_str(&text).unwrap();
    let row_key = list["pledges"][0]["id"].as_str().unwrap().to_owned();
    assert!(row_key.starts_with("row_"), "{row_key}");
    // The row key opens nothing.
    let r = app.get(&format!("/api/v1/cohorts/plain/pledges/{row_key}/payment")).await;
    assert_eq!(r.status(), 404);
    // A cohort without online payment has no payment status, even for the real id.
    let r = app.get(&format!("/api/v1/cohorts/plain/pledges/{id}/payment")).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("4321"));
    // Where it is on, the donor (who holds the id) reads it.
    app.cohort("online", paying("online")).await;
    let pledge = app.pledge_ok("online", &body).await;
    let r = app.client.get(pledge["online_payment"]["status_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

// 3. The test provider ran anywhere, with a published key.
#[tokio::test]
async fn the_test_provider_refuses_to_start_off_loopback_and_takes_no_published_key() {
    let dir = tempfile::tempdir().unwrap();
    for (addr, public_url) in [
        ("0.0.0.0:0", None),
        ("127.0.0.1:0", Some("https://cofund.example.org")),
        ("127.0.0.1:0", Some("http://cofund.example.org")),
    ] {
        let mut settings = Settings::for_tests(&dir.path().join("demo.db"));
        settings.database = test_database(dir.path(), "demo").await;
        settings.addr = addr.to_owned();
        settings.public_url = public_url.map(str::to_owned);
        settings.payments = PaymentsSetting::Demo;
        let e = Application::build(settings).await.err().unwrap_or_else(|| panic!("{addr} {public_url:?}: started"));
        assert!(e.to_string().contains("--payments demo") && e.to_string().contains("loopback"), "{e}");
    }
    let app = spawn_with(|s| s.payments = PaymentsSetting::Demo).await;
    let r = app
        .client
        .post(app.url("/demo-psp/v2/payments"))
        .bearer_auth("test_cofund_demo_provider")
        .json(&json!({"amount": {"currency": "EUR", "value": "10.00"}, "description": "x", "redirectUrl": "https://evil.example/",
                      "webhookUrl": "https://evil.example/hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "only this server's own client may use the test provider");
}

// 4. Any method became a new metrics series.
#[tokio::test]
async fn metrics_label_invented_methods_as_other() {
    let app = spawn_with(|s| s.metrics = true).await;
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        app.client.request(method, app.url("/healthz")).send().await.unwrap();
    }
    let text = app.client.get(app.url("/metrics")).bearer_auth(&app.token).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("INVENTED"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
}

// 5. Payment starts were not limited.
#[tokio::test]
async fn payment_starts_count_against_the_clients_allowance() {
    let app = spawn_with(|s| {
        s.payments = PaymentsSetting::Demo;
        s.pledge_rate_per_minute = 1;
        s.pledge_burst = 3;
    })
    .await;
    app.cohort("utrecht", paying("utrecht")).await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "flood@example.nl")).await; // 1 of 3
    start_payment(&app, &pledge).await; // 2
    start_payment(&app, &pledge).await; // 3
    let r = app
        .client
        .post(pledge["online_payment"]["start_url"].as_str().unwrap())
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": RETURN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

async fn checkout_page(app: &TestApp, checkout_url: &str) -> String {
    let r = app.client.get(checkout_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn pay(checkout_url: &str) {
    let r = no_redirects().post(checkout_url).form(&[("outcome", "paid")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
}

// 6. Open payments stayed payable after a coordinator cancelled or confirmed the pledge,
// and money for a cancelled pledge was ignored in silence.
#[tokio::test]
async fn cancelling_or_confirming_a_pledge_cancels_its_open_payment_at_the_provider() {
    let app = spawn_with(|s| s.payments = PaymentsSetting::Demo).await;
    app.cohort("utrecht", paying("utrecht")).await;
    for action in ["cancel", "confirm"] {
        let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "open@example.nl")).await;
        let id = pledge["pledge"]["id"].as_str().unwrap();
        let checkout = start_payment(&app, &pledge).await;
        assert!(checkout_page(&app, &checkout).await.contains("value=\"paid\""));
        assert_eq!(app.admin_post(&format!("/api/v1/admin/pledges/{id}/{action}")).await.status(), 200);
        let page = checkout_page(&app, &checkout).await;
        assert!(
            page.contains("canceled") && !page.contains("value=\"paid\""),
            "{action}: the payment is cancelled at the provider: {page}"
        );
        let before = app.document("utrecht").await["crowd"].clone();
        pay(&checkout).await;
        assert_eq!(app.document("utrecht").await["crowd"], before, "{action}: nothing paid, nothing counted");
    }
}

#[tokio::test]
async fn money_for_a_cancelled_pledge_is_shown_to_its_coordinators() {
    let app = spawn_with(|s| s.payments = PaymentsSetting::Demo).await;
    app.cohort("utrecht", paying("utrecht")).await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "late@example.nl")).await;
    let id = pledge["pledge"]["id"].as_str().unwrap();
    let checkout = start_payment(&app, &pledge).await;
    // Cancelled where no provider can be told (the CLI): the payment stays open.
    Cofund::new(app.storage.clone(), app.address.clone()).change_pledge(id, PledgeChange::Cancel, now()).await.unwrap();
    let get = || app.client.get(app.url(&format!("/api/v1/admin/pledges/{id}"))).bearer_auth(&app.token).send();
    assert!(get().await.unwrap().json::<Value>().await.unwrap().get("payment_conflict").is_none());
    pay(&checkout).await;
    let seen: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(
        (seen["status"].as_str(), seen["payment_conflict"].as_str()),
        (Some("cancelled"), Some("paid_while_cancelled")),
        "{seen}"
    );
    let list: Value = app
        .client
        .get(app.url("/api/v1/admin/cohorts/utrecht/pledges"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["pledges"][0]["payment_conflict"], "paid_while_cancelled", "also in the coordinators' list");
}

// 7. Revoking a token left the sessions started with it alive.
#[tokio::test]
async fn revoking_a_token_ends_the_sessions_started_with_it() {
    let app = spawn().await;
    let (info, secret) = app.storage.create_token(None, Some("browser".into()), now()).await.unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .header("origin", app.address.clone())
        .json(&json!({"token": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me = || app.client.get(app.url("/api/v1/session")).header("cookie", &cookie).send();
    assert_eq!(me().await.unwrap().status(), 200);
    // Another token's session and a link's session live on.
    let (_, other) = app.storage.create_token(None, None, now()).await.unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .header("origin", app.address.clone())
        .json(&json!({"token": other}))
        .send()
        .await
        .unwrap();
    let other_cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    let r = app
        .client
        .delete(app.url(&format!("/api/v1/admin/tokens/{}", info.id)))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(me().await.unwrap().status(), 401, "the session ended with its token");
    let r = app.client.get(app.url("/api/v1/admin/tokens")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app.client.get(app.url("/api/v1/session")).header("cookie", &other_cookie).send().await.unwrap();
    assert_eq!(r.status(), 200, "another token's session is untouched");
}

// 8. Any session, a member's too, read /metrics.
#[tokio::test]
async fn only_an_administrator_of_every_programme_reads_metrics() {
    let app = spawn_with(|s| s.metrics = true).await;
    app.open_cohort("a").await;
    let scrape = |cookie: String| app.client.get(app.url("/metrics")).header("cookie", cookie).send();
    let (_, member, _) = session(&app, Grant::member("a".into())).await;
    assert_eq!(scrape(member).await.unwrap().status(), 403);
    let (_, limited, _) = session(&app, Grant::coordinator(Some(PROGRAMME.into()))).await;
    assert_eq!(scrape(limited).await.unwrap().status(), 403);
    let (_, everything, _) = session(&app, Grant::coordinator(None)).await;
    assert_eq!(scrape(everything).await.unwrap().status(), 200);
    let (_, limited_token) = app.storage.create_token(Some(PROGRAMME.into()), None, now()).await.unwrap();
    assert_eq!(app.client.get(app.url("/metrics")).bearer_auth(limited_token).send().await.unwrap().status(), 403);
    assert_eq!(app.client.get(app.url("/metrics")).bearer_auth(&app.token).send().await.unwrap().status(), 200);
}

// 9. One client could hold every stream, for ever.
#[tokio::test]
async fn one_client_holds_at_most_its_share_of_streams_and_streams_end_after_their_lifetime() {
    let app = spawn_with(|s| {
        s.max_streams_per_client = 2;
        s.stream_lifetime = Duration::from_secs(1);
    })
    .await;
    app.open_cohort("live").await;
    let url = app.url("/api/v1/cohorts/live/events");
    let a = Events::open(&url, None).await;
    let b = Events::open(&url, None).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let c = Events::open(&url, None).await;
    assert_eq!(c.status(), 503, "a third stream from the same address");
    assert!(c.headers().contains_key("retry-after"));
    // Each stream ends after its lifetime (the client reconnects with Last-Event-ID).
    for stream in [a, b] {
        let mut body = stream.bytes_stream();
        let ended = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(chunk) = body.next().await {
                if chunk.is_err() {
                    break;
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the stream ended by itself");
    }
    // Their places are free again.
    let mut reopened = false;
    for _ in 0..400 {
        if Events::open(&url, Some("1")).await.status() == 200 {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(reopened, "a reconnect after the end is accepted");
}

// 10. No __Host- prefix on https; sign-in page and dashboard could be framed.
#[tokio::test]
async fn on_https_the_session_cookie_has_the_host_prefix_and_sign_in_and_dashboard_refuse_frames() {
    let dashboard = tempfile::tempdir().unwrap();
    std::fs::write(dashboard.path().join("index.html"), "<!doctype html><title>dashboard</title>").unwrap();
    let dir = dashboard.path().to_owned();
    let app = spawn_with(move |s| {
        s.public_url = Some("https://cofund.example.org".into());
        s.dashboard_dir = dir;
    })
    .await;
    app.open_cohort("a").await;
    let cofund = Cofund::new(app.storage.clone(), app.address.clone());
    let link = cofund.create_login_link(&Grant::member("a".into()), 24, now()).await.unwrap();
    let page = app.get(&format!("/sign-in?link={link}")).await;
    for r in [&page, &app.get("/manage/").await] {
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{}", r.url());
        assert!(
            r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"),
            "{}",
            r.url()
        );
    }
    let r = no_redirects()
        .post(app.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("link={link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("__Host-cofund_session=cfs_"), "{set_cookie}");
    assert!(
        set_cookie.contains("; Secure") && set_cookie.contains("Path=/") && !set_cookie.contains("Domain"),
        "{set_cookie}"
    );
    let secret = set_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let me = |cookie: String| app.client.get(app.url("/api/v1/session")).header("cookie", cookie).send();
    assert_eq!(me(format!("__Host-cofund_session={secret}")).await.unwrap().status(), 200);
    assert_eq!(
        me(format!("cofund_session={secret}")).await.unwrap().status(),
        401,
        "the unprefixed name is not read on https"
    );
}

// 11. A Mollie test key was accepted on a public https server; a payment's mode was
// never checked.
#[tokio::test]
async fn a_mollie_test_key_is_refused_on_an_https_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_tests(&dir.path().join("m.db"));
    settings.database = test_database(dir.path(), "m").await;
    settings.public_url = Some("https://cofund.example.org".into());
    settings.payments =
        PaymentsSetting::parse("mollie", Some("test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".into()), None).unwrap();
    let e = Application::build(settings).await.err().expect("refused");
    assert!(e.to_string().contains("test key"), "{e}");
}

/// A stand-in for Mollie that answers every payment in `mode`.
async fn fake_mollie(mode: &'static str) -> String {
    use axum::routing::post;
    let answer = move |axum::Json(body): axum::Json<Value>| async move {
        let metadata = body["metadata"].clone();
        (
            axum::http::StatusCode::CREATED,
            axum::Json(json!({"resource": "payment", "id": "tr_fake1", "mode": mode, "status": "open",
                "amount": {"value": "25.00", "currency": "EUR"}, "metadata": metadata,
                "_links": {"checkout": {"href": "https://www.mollie.com/checkout/select-method/fake1"}}})),
        )
    };
    let router = axum::Router::new().route("/v2/payments", post(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_payment_in_the_other_mode_than_the_key_is_refused() {
    let api = fake_mollie("live").await;
    let app = spawn_with(|s| {
        s.payments =
            PaymentsSetting::parse("mollie", Some("test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".into()), Some(api)).unwrap();
    })
    .await;
    app.cohort("utrecht", paying("utrecht")).await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "mode@example.nl")).await;
    let r = app
        .client
        .post(pledge["online_payment"]["start_url"].as_str().unwrap())
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": RETURN}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (502, "payment_provider_failed"), "a live payment for a test key is not used");

    let api = fake_mollie("test").await;
    let app = spawn_with(|s| {
        s.payments =
            PaymentsSetting::parse("mollie", Some("test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".into()), Some(api)).unwrap();
    })
    .await;
    app.cohort("utrecht", paying("utrecht")).await;
    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "mode@example.nl")).await;
    start_payment(&app, &pledge).await;
}

// 12. An unknown webhook id was logged as sent, line breaks and all.
#[tokio::test]
async fn a_webhook_id_is_never_logged_as_sent() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "log").await;
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = crate::durability::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--payments", "demo", "--database"])
        .arg(database_arg(&db))
        .env("COFUND_LOG", "info")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..400 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "the server started");
    for id in ["tr_x\nFORGED level=ERROR admin signed in", &format!("tr_{}", "A".repeat(70)), "tr_\u{202e}evil"] {
        let r = client.post(format!("{base}/api/v1/payments/webhook")).form(&[("id", id)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged and ignored");
    }
    // Wait for the three log lines.
    let mut text = String::new();
    for _ in 0..400 {
        text = std::fs::read_to_string(&log_path).unwrap();
        if text.matches("payment id ignored").count() >= 3 || text.matches("ignored").count() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.matches("ignored").count() >= 3, "{text}");
    assert!(!text.lines().any(|l| l.starts_with("FORGED")), "a forged log line: {text}");
    assert!(!text.contains(&"A".repeat(40)) && !text.contains('\u{202e}'), "{text}");
}
