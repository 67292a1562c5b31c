//! Authorisation over every route, as one table: each route tried with no credentials,
//! a cohort member's session, another programme's coordinator, a coordinator's cookie
//! without the CSRF header, and a coordinator's cookie from a foreign `Origin`; each
//! with the status it must get, and proof that nothing changed.

use crate::helpers::*;
use cofund_server::domain::access::Grant;
use cofund_server::domain::Cofund;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

/// Who asks.
#[derive(Debug, Clone, Copy)]
enum Who {
    Nobody,
    Member,
    OtherProgramme,
    NoCsrf,
    ForeignOrigin,
}

/// A route template, the method, the path tried, its body, and the status for each of
/// [`WHO`] in order.
type Row = (&'static str, Method, String, Option<Value>, [u16; 5]);

const WHO: [Who; 5] = [Who::Nobody, Who::Member, Who::OtherProgramme, Who::NoCsrf, Who::ForeignOrigin];

struct Credentials {
    member_cookie: String,
    member_csrf: String,
    other_token: String,
    coordinator_cookie: String,
    coordinator_csrf: String,
}

async fn sign_in(app: &TestApp, grant: Grant) -> (String, String) {
    let cofund = Cofund::new(app.storage.clone(), app.address.clone());
    let link = cofund.create_login_link(&grant, 24, now()).await.unwrap();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("link={link}"))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: Value = app
        .client
        .get(app.url("/api/v1/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (cookie, me["csrf_token"].as_str().unwrap().to_owned())
}

fn as_who(rb: RequestBuilder, who: Who, app: &TestApp, c: &Credentials) -> RequestBuilder {
    match who {
        Who::Nobody => rb,
        Who::Member => {
            rb.header("cookie", &c.member_cookie).header("origin", &app.address).header("x-csrf-token", &c.member_csrf)
        }
        Who::OtherProgramme => rb.bearer_auth(&c.other_token),
        Who::NoCsrf => rb.header("cookie", &c.coordinator_cookie).header("origin", &app.address),
        Who::ForeignOrigin => rb
            .header("cookie", &c.coordinator_cookie)
            .header("origin", "https://evil.example")
            .header("x-csrf-token", &c.coordinator_csrf),
    }
}

/// What must not change: the cohorts' definitions and revisions, every pledge row, the
/// tokens, and that no cohort `new` exists.
async fn state(app: &TestApp) -> Value {
    let mut cohorts = Vec::new();
    for c in app.storage.list_cohorts().await.unwrap() {
        cohorts.push(json!({"slug": c.definition.slug, "revision": c.revision, "definition": serde_json::to_value(&c.definition).unwrap()}));
    }
    let pledges: Vec<Value> = app
        .storage
        .all_pledges("a")
        .await
        .unwrap()
        .unwrap()
        .iter()
        .map(|p| json!([p.id, p.status.as_str(), p.message_hidden, p.updated_at.0]))
        .collect();
    let tokens = serde_json::to_value(app.storage.list_tokens().await.unwrap()).unwrap();
    let programme = app
        .storage
        .get_programme("starters4communities")
        .await
        .unwrap()
        .map(|p| json!({"revision": p.revision, "settings": serde_json::to_value(&p.settings).unwrap()}));
    json!({"cohorts": cohorts, "pledges": pledges, "tokens": tokens, "programme": programme})
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_it_must_and_nothing_changes() {
    let app = spawn_with(|s| s.metrics = true).await;
    app.open_cohort("a").await;
    let pledge = app.pledge_ok("a", &pledge_body(2500, "secret@example.nl")).await;
    let id = pledge["pledge"]["id"].as_str().unwrap().to_owned();
    // The programme has a pot, so its pot's history and funders' statements answer 200.
    let settings = serde_json::from_value(json!({"name": PROGRAMME, "pot": {"name": "Pot", "funders": [{"name": "Oranje Fonds", "amount_cents": 5000}], "pot_cents": 5000, "ratio_bps": 10000}, "impact": []})).unwrap();
    app.storage.put_programme("starters4communities", &settings, None, now()).await.unwrap();
    let (victim, _) = app.storage.create_token(None, Some("victim".into()), now()).await.unwrap();
    let (_, other_token) = app.storage.create_token(Some("Ander Programma".into()), None, now()).await.unwrap();
    let (member_cookie, member_csrf) = sign_in(&app, Grant::member("a".into())).await;
    let (coordinator_cookie, coordinator_csrf) = sign_in(&app, Grant::coordinator(None)).await;
    let c = Credentials { member_cookie, member_csrf, other_token, coordinator_cookie, coordinator_csrf };

    let mut changed = definition("a");
    changed["name"] = json!("Gekaapt");
    let stakeholder = json!({"kind": "fund", "status": "paid", "amount_cents": 1});
    let wrong_token = json!({"token": format!("cfd_{}", "0".repeat(64))});
    // (route template, method, path, body, statuses for Nobody, Member, OtherProgramme, NoCsrf, ForeignOrigin)
    let table: Vec<Row> = vec![
        ("/metrics", Method::GET, "/metrics".into(), None, [401, 403, 403, 200, 200]),
        ("/healthz", Method::GET, "/healthz".into(), None, [200; 5]),
        ("/api/v1/openapi.yaml", Method::GET, "/api/v1/openapi.yaml".into(), None, [200; 5]),
        ("/api/v1/cohorts/{slug}", Method::GET, "/api/v1/cohorts/a".into(), None, [200; 5]),
        ("/api/v1/cohorts/{slug}/events", Method::GET, "/api/v1/cohorts/a/events".into(), None, [200; 5]),
        ("/api/v1/cohorts/{slug}/view", Method::GET, "/api/v1/cohorts/a/view".into(), None, [200; 5]),
        ("/api/v1/cohorts/{slug}/pledges", Method::GET, "/api/v1/cohorts/a/pledges".into(), None, [200; 5]),
        (
            "/api/v1/cohorts/{slug}/pledges/{id}/payments",
            Method::POST,
            format!("/api/v1/cohorts/a/pledges/{id}/payments"),
            Some(json!({"return_url": ORIGIN})),
            [409, 403, 409, 403, 403],
        ),
        (
            "/api/v1/cohorts/{slug}/pledges/{id}/payment",
            Method::GET,
            format!("/api/v1/cohorts/a/pledges/{id}/payment"),
            None,
            [404; 5],
        ),
        ("/api/v1/payments/webhook", Method::POST, "/api/v1/payments/webhook".into(), None, [400; 5]),
        ("/api/v1/cohorts/{slug}/qr.svg", Method::GET, "/api/v1/cohorts/a/qr.svg".into(), None, [200; 5]),
        ("/embed/{slug}", Method::GET, "/embed/a".into(), None, [200; 5]),
        ("/api/v1/programmes/{slug}", Method::GET, "/api/v1/programmes/starters4communities".into(), None, [200; 5]),
        (
            "/api/v1/programmes/{slug}/events",
            Method::GET,
            "/api/v1/programmes/starters4communities/events".into(),
            None,
            [200; 5],
        ),
        // A programme's settings (pot, impact): its coordinators only.
        (
            "/api/v1/admin/programmes/{slug}",
            Method::GET,
            "/api/v1/admin/programmes/starters4communities".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/programmes/{slug}",
            Method::PUT,
            "/api/v1/admin/programmes/starters4communities".into(),
            Some(json!({"name": PROGRAMME, "pot": null, "impact": []})),
            [401, 403, 403, 403, 403],
        ),
        // The pot's use over time and its funders' statements: coordinators of the programme only.
        (
            "/api/v1/admin/programmes/{slug}/pot-history",
            Method::GET,
            "/api/v1/admin/programmes/starters4communities/pot-history".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/programmes/{slug}/settlements",
            Method::GET,
            "/api/v1/admin/programmes/starters4communities/settlements".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/programmes/{slug}/settlements.csv",
            Method::GET,
            "/api/v1/admin/programmes/starters4communities/settlements.csv".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        // Settlement statements: what stakeholders owe, coordinators of the programme only.
        (
            "/api/v1/admin/cohorts/{slug}/settlements",
            Method::GET,
            "/api/v1/admin/cohorts/a/settlements".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/settlements.csv",
            Method::GET,
            "/api/v1/admin/cohorts/a/settlements.csv".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        // The widget's files: public (no widget directory in these tests, so 404 for all).
        ("/widget", Method::GET, "/widget".into(), None, [404; 5]),
        ("/widget/", Method::GET, "/widget/".into(), None, [404; 5]),
        ("/widget/{*path}", Method::GET, "/widget/cofund.js".into(), None, [404; 5]),
        ("/sign-in", Method::GET, "/sign-in".into(), None, [400; 5]),
        ("/api/v1/admin/cohorts", Method::GET, "/api/v1/admin/cohorts".into(), None, [401, 200, 200, 200, 200]),
        (
            "/api/v1/admin/cohorts/{slug}",
            Method::GET,
            "/api/v1/admin/cohorts/a".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/cohorts/{slug}",
            Method::PUT,
            "/api/v1/admin/cohorts/a".into(),
            Some(changed.clone()),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}",
            Method::PUT,
            "/api/v1/admin/cohorts/new".into(),
            Some(definition("new")),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/stakeholders/{name}",
            Method::PUT,
            "/api/v1/admin/cohorts/a/stakeholders/X".into(),
            Some(stakeholder),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/own-contributions",
            Method::POST,
            "/api/v1/admin/cohorts/a/own-contributions".into(),
            Some(json!({"add": 1})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/online-payment",
            Method::PUT,
            "/api/v1/admin/cohorts/a/online-payment".into(),
            Some(json!({"enabled": true})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/pledges",
            Method::GET,
            "/api/v1/admin/cohorts/a/pledges".into(),
            None,
            [401, 200, 403, 200, 200],
        ),
        // The outbox names donors' addresses: coordinators of the cohort's programme only.
        (
            "/api/v1/admin/cohorts/{slug}/outbox",
            Method::GET,
            "/api/v1/admin/cohorts/a/outbox".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        // The unsubscribe link's page and button: without a signed link, nothing.
        ("/mail/unsubscribe", Method::GET, "/mail/unsubscribe".into(), None, [404; 5]),
        ("/mail/unsubscribe", Method::POST, "/mail/unsubscribe".into(), None, [404; 5]),
        // The donor's pages: without a signed link (and, here, with e-mail off), nothing.
        ("/mail/donor", Method::GET, "/mail/donor".into(), None, [404; 5]),
        ("/mail/donor/data.json", Method::GET, "/mail/donor/data.json".into(), None, [404; 5]),
        ("/mail/donor/anonymise", Method::POST, "/mail/donor/anonymise".into(), None, [404; 5]),
        ("/mail/donor/statement", Method::GET, "/mail/donor/statement?year=2026".into(), None, [404; 5]),
        // News and retries write to donors: coordinators of the cohort's programme only.
        (
            "/api/v1/admin/cohorts/{slug}/news",
            Method::GET,
            "/api/v1/admin/cohorts/a/news".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/news",
            Method::POST,
            "/api/v1/admin/cohorts/a/news".into(),
            Some(json!({"subject": "Nieuws", "body": "Tekst"})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/news/preview",
            Method::POST,
            "/api/v1/admin/cohorts/a/news/preview".into(),
            Some(json!({"subject": "Nieuws", "body": "Tekst"})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/news/test",
            Method::POST,
            "/api/v1/admin/cohorts/a/news/test".into(),
            Some(json!({"subject": "Nieuws", "body": "Tekst"})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/outbox/{id}/retry",
            Method::POST,
            "/api/v1/admin/cohorts/a/outbox/ob_x/retry".into(),
            None,
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/pledges.csv",
            Method::GET,
            "/api/v1/admin/cohorts/a/pledges.csv".into(),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/cohorts/{slug}/pledges/confirm",
            Method::POST,
            "/api/v1/admin/cohorts/a/pledges/confirm".into(),
            Some(json!({"pledges": [id]})),
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/pledges/{id}",
            Method::GET,
            format!("/api/v1/admin/pledges/{id}"),
            None,
            [401, 403, 403, 200, 200],
        ),
        (
            "/api/v1/admin/pledges/{id}/confirm",
            Method::POST,
            format!("/api/v1/admin/pledges/{id}/confirm"),
            None,
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/pledges/{id}/cancel",
            Method::POST,
            format!("/api/v1/admin/pledges/{id}/cancel"),
            None,
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/pledges/{id}/hide-message",
            Method::POST,
            format!("/api/v1/admin/pledges/{id}/hide-message"),
            None,
            [401, 403, 403, 403, 403],
        ),
        (
            "/api/v1/admin/tokens",
            Method::POST,
            "/api/v1/admin/tokens".into(),
            Some(json!({"programme": PROGRAMME})),
            [401, 403, 403, 403, 403],
        ),
        ("/api/v1/admin/tokens", Method::GET, "/api/v1/admin/tokens".into(), None, [401, 403, 200, 200, 200]),
        (
            "/api/v1/admin/tokens/{id}",
            Method::DELETE,
            format!("/api/v1/admin/tokens/{}", victim.id),
            None,
            [401, 403, 403, 403, 403],
        ),
        ("/api/v1/session", Method::GET, "/api/v1/session".into(), None, [401, 200, 401, 200, 200]),
        ("/api/v1/session", Method::POST, "/api/v1/session".into(), Some(wrong_token), [403, 401, 403, 401, 403]),
        // Last: a member may sign itself out (and nobody else may end a session this way).
        ("/api/v1/session", Method::DELETE, "/api/v1/session".into(), None, [401, 204, 403, 403, 403]),
    ];

    // Every route of the router is in the table (a new route fails this test until it is).
    let source = include_str!("../../src/routes/mod.rs");
    for line in source.lines().map(str::trim).filter(|l| l.starts_with(".route(") || l.starts_with("\"/")) {
        let Some(path) = line.split('"').nth(1) else { continue };
        if ["/", "/manage"].contains(&path) {
            continue; // the demo page and a redirect: nothing to authorise
        }
        assert!(table.iter().any(|(route, ..)| *route == path), "route {path} is not in the table");
    }

    let before = state(&app).await;
    for (route, method, path, body, expected) in &table {
        for (who, want) in WHO.iter().zip(expected) {
            let mut rb = as_who(app.client.request(method.clone(), app.url(path)), *who, &app, &c)
                .header("idempotency-key", key());
            if let Some(b) = body {
                rb = rb.json(b);
            }
            let r = rb.send().await.unwrap();
            let status = r.status().as_u16();
            // An event stream stays open: its status is the answer.
            let text = if path.ends_with("/events") { String::new() } else { r.text().await.unwrap() };
            assert_eq!(status, *want, "{method} {path} ({route}) as {who:?}: {text}");
            if *want >= 400 {
                assert!(!text.contains("secret@example.nl"), "{method} {path} as {who:?} leaks an e-mail address");
            }
        }
    }
    assert_eq!(state(&app).await, before, "nothing changed");
    assert_eq!(error_of(app.get("/api/v1/cohorts/new").await).await.0, 404);
    let r = app.client.get(app.url("/api/v1/session")).header("cookie", &c.member_cookie).send().await.unwrap();
    assert_eq!(r.status(), 401, "the member signed out");
}
