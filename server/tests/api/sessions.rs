//! Dashboard sign-in: single-use links, session cookies, CSRF, roles, stale edits,
//! bulk confirmation and the QR code, over HTTP against the real server.
use crate::helpers::*;
use cofund_server::domain::access::{Grant, LinkProblem};
use cofund_server::domain::Cofund;
use reqwest::redirect::Policy;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

fn no_redirects() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Signs in with a new link for `grant`; returns the cookie pair and the CSRF token.
async fn session(app: &TestApp, grant: Grant) -> (String, String) {
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
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let r = app.client.get(app.url("/api/v1/session")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    (pair, me["csrf_token"].as_str().unwrap().to_owned())
}

fn with_session(rb: RequestBuilder, app: &TestApp, cookie: &str, csrf: &str) -> RequestBuilder {
    rb.header("cookie", cookie).header("origin", app.address.clone()).header("x-csrf-token", csrf)
}

#[tokio::test]
async fn a_sign_in_link_works_once_and_says_clearly_when_it_does_not() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let cofund = Cofund::new(app.storage.clone(), app.address.clone());
    let link = cofund.create_login_link(&Grant::coordinator(Some(PROGRAMME.into())), 24, now()).await.unwrap();

    // Opening the link does not use it: a page with one button does.
    let r = app.get(&format!("/sign-in?link={link}")).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("method=\"post\""));
    let post = |link: String| {
        no_redirects()
            .post(app.url("/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("link={link}"))
            .send()
    };
    let r = post(link.clone()).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/manage/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("cofund_session=cfs_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain http public URL: no Secure");

    let r = post(link.clone()).await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("al gebruikt"));
    let r = post(format!("cfl_{}", "0".repeat(64))).await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("klopt niet"));

    // A link is valid for its hours, not a second more.
    let link = cofund.create_login_link(&Grant::member("a".into()), 24, now()).await.unwrap();
    let later = cofund_core::Timestamp(now().0 + 24 * 3600 + 1);
    assert_eq!(cofund.sign_in_with_link(&link, later).await.unwrap().err(), Some(LinkProblem::Expired));
    // A link for a cohort or programme that does not exist is not made.
    assert!(cofund.create_login_link(&Grant::member("nope".into()), 24, now()).await.is_err());
    assert!(cofund.create_login_link(&Grant::coordinator(Some("Other".into())), 24, now()).await.is_err());
}

#[tokio::test]
async fn cookie_changes_need_this_origin_and_the_csrf_token_and_sign_out_ends_the_session() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let (cookie, csrf) = session(&app, Grant::coordinator(None)).await;
    let url = app.url("/api/v1/admin/cohorts/a/own-contributions");
    let c = &app.client;
    let refused = [
        c.post(&url).header("cookie", &cookie).json(&json!({"add": 1})),
        c.post(&url)
            .header("cookie", &cookie)
            .header("origin", "http://evil.example")
            .header("x-csrf-token", &csrf)
            .json(&json!({"add": 1})),
        c.post(&url)
            .header("cookie", &cookie)
            .header("origin", app.address.clone())
            .header("x-csrf-token", "0".repeat(48))
            .json(&json!({"add": 1})),
        c.post(&url).header("cookie", &cookie).header("origin", app.address.clone()).json(&json!({"add": 1})),
    ];
    for rb in refused {
        let (status, code, _) = error_of(rb.send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (403, "forbidden"));
    }
    assert_eq!(app.document("a").await["own_contributions"]["received"], 3, "nothing changed");
    let r = with_session(c.post(&url), &app, &cookie, &csrf).json(&json!({"add": 1})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.document("a").await["own_contributions"]["received"], 4);

    let r = with_session(c.delete(app.url("/api/v1/session")), &app, &cookie, &csrf).send().await.unwrap();
    assert_eq!(r.status(), 204);
    for path in ["/api/v1/session", "/api/v1/admin/cohorts"] {
        let r = c.get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path} after sign-out");
    }
    let listed = Cofund::new(app.storage.clone(), app.address.clone()).sessions().await.unwrap();
    assert!(listed[0].revoked_at.is_some());
}

#[tokio::test]
async fn a_member_sees_one_cohort_as_the_public_does_and_changes_nothing() {
    let app = spawn().await;
    app.open_cohort("a").await;
    app.open_cohort("b").await;
    let mut hidden = pledge_body(2500, "verborgen@example.nl");
    hidden["name"] = json!("Geheime Naam");
    hidden["show_name"] = json!(false);
    let p = app.pledge_ok("a", &hidden).await;
    let id = p["pledge"]["id"].as_str().unwrap().to_owned();
    let (cookie, csrf) = session(&app, Grant::member("a".into())).await;
    let c = &app.client;

    let r = c.get(app.url("/api/v1/admin/cohorts")).header("cookie", &cookie).send().await.unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["cohorts"].as_array().unwrap().len(), 1, "only the member's cohort");
    let r = c.get(app.url("/api/v1/admin/cohorts/a/pledges")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains('@') && !text.contains("Geheime Naam"), "{text}");
    assert!(text.contains("\"status\":\"pledged\""));

    let changes = [
        c.post(app.url(&format!("/api/v1/admin/pledges/{id}/confirm"))),
        c.post(app.url(&format!("/api/v1/admin/pledges/{id}/cancel"))),
        c.post(app.url(&format!("/api/v1/admin/pledges/{id}/hide-message"))),
        c.post(app.url("/api/v1/admin/cohorts/a/own-contributions")).json(&json!({"add": 1})),
        c.put(app.url("/api/v1/admin/cohorts/a/stakeholders/X"))
            .json(&json!({"kind": "fund", "status": "paid", "amount_cents": 1})),
        c.post(app.url("/api/v1/admin/cohorts/a/pledges/confirm")).json(&json!({"pledges": [id]})),
        c.post(app.url("/api/v1/admin/tokens")),
    ];
    for rb in changes {
        let r = with_session(rb, &app, &cookie, &csrf).send().await.unwrap();
        let url = r.url().to_string();
        assert_eq!(r.status(), 403, "{url}");
    }
    for path in [
        "/api/v1/admin/cohorts/a",
        "/api/v1/admin/cohorts/a/pledges.csv",
        "/api/v1/admin/cohorts/b/pledges",
        "/api/v1/admin/tokens",
    ] {
        let r = c.get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let rows = app.storage.all_pledges("a").await.unwrap().unwrap();
    assert_eq!(rows[0].status, cofund_core::api::PledgeStatus::Pledged);
    assert_eq!(app.document("a").await["own_contributions"]["received"], 3);
}

#[tokio::test]
async fn a_stale_edit_is_409_and_bulk_confirmation_checks_every_pledge_first() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let r = app.client.get(app.url("/api/v1/admin/cohorts/a")).bearer_auth(&app.token).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let edit = |tag: &str| {
        app.client
            .put(app.url("/api/v1/admin/cohorts/a/stakeholders/Fonds"))
            .bearer_auth(&app.token)
            .header("if-match", tag)
            .json(&json!({"kind": "fund", "status": "paid", "amount_cents": 100_000}))
            .send()
    };
    assert_eq!(edit(&etag).await.unwrap().status(), 201);
    let (status, code, _) = error_of(edit(&etag).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "stale_revision"));

    let a = app.pledge_ok("a", &pledge_body(2500, "a@example.nl")).await["pledge"]["id"].as_str().unwrap().to_owned();
    let b = app.pledge_ok("a", &pledge_body(5000, "b@example.nl")).await["pledge"]["id"].as_str().unwrap().to_owned();
    let confirm = |ids: Value| {
        app.client
            .post(app.url("/api/v1/admin/cohorts/a/pledges/confirm"))
            .bearer_auth(&app.token)
            .json(&json!({"pledges": ids}))
            .send()
    };
    let (status, _, fields) = error_of(confirm(json!([a, "pl_nope"])).await.unwrap()).await;
    assert_eq!((status, fields), (422, vec!["pledges[1]".to_owned()]));
    assert_eq!(app.document("a").await["crowd"]["received_cents"], 0, "nothing marked");
    assert_eq!(confirm(json!([a, b])).await.unwrap().status(), 200);
    assert_eq!(app.document("a").await["crowd"]["received_cents"], 7500);

    let r = app.get("/api/v1/cohorts/a/qr.svg").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn a_session_ends_after_its_hours() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let cofund = Cofund::new(app.storage.clone(), app.address.clone());
    let link = cofund.create_login_link(&Grant::member("a".into()), 24, now()).await.unwrap();
    let started = now();
    let (session, secret) = cofund.sign_in_with_link(&link, started).await.unwrap().unwrap();
    let hours = cofund_server::domain::access::SESSION_HOURS * 3600;
    assert_eq!(session.expires_at.0, started.0 + hours);
    let at = |secs: i64| cofund.session(&secret, cofund_core::Timestamp(started.0 + secs));
    assert!(at(hours - 1).await.unwrap().is_some(), "valid until its last second");
    assert!(at(hours).await.unwrap().is_none(), "over when its hours are");
    // And over HTTP, the cookie works now.
    let r = app
        .client
        .get(app.url("/api/v1/session"))
        .header("cookie", format!("cofund_session={secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
