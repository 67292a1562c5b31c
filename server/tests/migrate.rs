//! `cofund migrate`: a SQLite database copied into an empty PostgreSQL database serves
//! the same documents, pledge lists, tokens and idempotent replays; a second copy into
//! the now non-empty database is refused. Needs `COFUND_TEST_POSTGRES` (scripts/test.sh
//! starts a throw-away cluster).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use cofund_server::storage::DatabaseLocation;
use helpers::*;
use serde_json::{json, Value};
use std::process::Command;

const PUBLIC_URL: &str = "https://cofund.example.org";

fn migrate(from: &str, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["migrate", "--from", from, "--to", to])
        .env("COFUND_LOG", "warn")
        .output()
        .unwrap()
}

async fn admin_get(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn public_pages(app: &TestApp, slug: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = app.get(&format!("/api/v1/cohorts/{slug}/pledges?limit=2&cursor={cursor}")).await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        let next = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        match next {
            Some(c) => cursor = c,
            None => return pages,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_migrated_to_postgres_serves_the_same_and_a_second_migration_is_refused() {
    let src_dir = tempfile::tempdir().unwrap();
    let src_path = src_dir.path().join("source.db");
    let sqlite = spawn_with(|s| {
        s.database = DatabaseLocation::Sqlite(src_path.clone());
        s.public_url = Some(PUBLIC_URL.into());
    })
    .await;
    sqlite.open_cohort("utrecht").await;
    sqlite.open_cohort("zwolle").await;
    let mut ids = Vec::new();
    for (i, email) in
        ["a@example.nl", "b@example.nl", "c@example.nl", "A@example.nl", "d@example.nl"].iter().enumerate()
    {
        let mut body = pledge_body(1000 + 250 * i as i64, email);
        body["show_name"] = json!(i % 2 == 0);
        ids.push(sqlite.pledge_ok("utrecht", &body).await["pledge"]["id"].as_str().unwrap().to_owned());
    }
    let known_key = key();
    let known_body = pledge_body(7500, "known@example.nl");
    let first_answer = sqlite.pledge("zwolle", &known_key, &known_body).await.text().await.unwrap();
    // Several statuses and a hidden message.
    assert_eq!(sqlite.admin_post(&format!("/api/v1/admin/pledges/{}/confirm", ids[0])).await.status(), 200);
    assert_eq!(sqlite.admin_post(&format!("/api/v1/admin/pledges/{}/confirm", ids[3])).await.status(), 200);
    assert_eq!(sqlite.admin_post(&format!("/api/v1/admin/pledges/{}/cancel", ids[1])).await.status(), 200);
    assert_eq!(sqlite.admin_post(&format!("/api/v1/admin/pledges/{}/hide-message", ids[2])).await.status(), 200);
    let (limited, _) =
        sqlite.storage.create_token(Some(PROGRAMME.into()), Some("coordinator".into()), now()).await.unwrap();
    let (revoked, _) = sqlite.storage.create_token(None, Some("old".into()), now()).await.unwrap();
    sqlite.storage.revoke_token(&revoked.id, now()).await.unwrap();
    // The programme with a multiplier pot and an impact figure (issue 14): the documents
    // compared below carry the pot.
    let settings: cofund_core::programme::ProgrammeSettings = serde_json::from_value(json!({
        "name": PROGRAMME,
        "pot": {"name": "Pot", "funders": [{"name": "Oranje Fonds", "amount_cents": 5000}], "pot_cents": 5000, "ratio_bps": 10000},
        "impact": [{"kind": "participants", "value": 250, "as_of": "2026-06-30", "source": "Jaarverslag 2025"}]
    }))
    .unwrap();
    sqlite.storage.put_programme("starters4communities", &settings, None, now()).await.unwrap();

    // News sent (issue 16): "target reached" must not go out again after the move.
    let news = cofund_server::domain::mail::NewsRecord {
        id: "nw_target".into(),
        cohort_slug: "utrecht".into(),
        key: "target_reached".into(),
        subject: "target_reached".into(),
        recipients: 0,
        created_at: now(),
    };
    assert_eq!(sqlite.storage.queue_news(&news, &[]).await.unwrap(), Some(0));

    let target = fresh_postgres_database().await;
    let out = migrate(&format!("sqlite:{}", src_path.display()), &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "migrate failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("cohorts 2, pledges 6, admin tokens 3, idempotency records 6"), "{stdout}");
    // utrecht: 5 rows of 10.00 to 20.00; pledged = all but the cancelled 12.50; received =
    // the two confirmed (10.00 and 17.50);
    // backers: a, c, A (= a) and d are three.
    let utrecht = stdout.lines().find(|l| l.trim_start().starts_with("utrecht")).unwrap_or_else(|| panic!("{stdout}"));
    let figures: Vec<&str> = utrecht.split_whitespace().collect();
    assert_eq!(figures[2..], ["5", "6250", "2750", "3"], "{stdout}");

    let pg = spawn_with(|s| {
        s.database = DatabaseLocation::Postgres(target.clone());
        s.public_url = Some(PUBLIC_URL.into());
    })
    .await;
    for slug in ["utrecht", "zwolle"] {
        let a = sqlite.get(&format!("/api/v1/cohorts/{slug}")).await;
        let b = pg.get(&format!("/api/v1/cohorts/{slug}")).await;
        assert_eq!(a.headers()["etag"], b.headers()["etag"], "{slug}: same revision and bytes");
        assert_eq!(a.text().await.unwrap(), b.text().await.unwrap(), "{slug}: the same document");
        assert_eq!(public_pages(&sqlite, slug).await, public_pages(&pg, slug).await, "{slug}: the same public pages");
        // The SQLite server's token is valid on the copy: its hash came along.
        let path = format!("/api/v1/admin/cohorts/{slug}/pledges");
        assert_eq!(admin_get(&sqlite, &sqlite.token, &path).await, admin_get(&pg, &sqlite.token, &path).await);
        assert_eq!(
            sqlite.storage.all_pledges(slug).await.unwrap().unwrap(),
            pg.storage.all_pledges(slug).await.unwrap().unwrap(),
            "{slug}: every pledge row, with sequence, reference, status and times"
        );
    }
    assert_eq!(
        sqlite.storage.get_programme("starters4communities").await.unwrap(),
        pg.storage.get_programme("starters4communities").await.unwrap(),
        "the programme, its pot and impact figures, with revision and times"
    );
    let copied_news = pg.storage.news_of("utrecht").await.unwrap();
    assert_eq!(copied_news.len(), 1, "the news sent came along");
    assert_eq!((copied_news[0].id.as_str(), copied_news[0].key.as_str()), ("nw_target", "target_reached"));
    assert_eq!(pg.storage.queue_news(&news, &[]).await.unwrap(), None, "recorded once: not sent again");
    let doc = pg.document("utrecht").await;
    assert_eq!(doc["pot"]["added_cents"], 5000, "1:1 on € 62,50 from a pot of € 50");
    assert_eq!(doc["crowd"]["pledged_cents"], 6250);
    assert_eq!(doc["crowd"]["received_cents"], 2750);
    assert_eq!(doc["crowd"]["backers"], 3);
    let tokens = pg.storage.list_tokens().await.unwrap();
    assert!(tokens.iter().any(|t| t.id == limited.id && t.programme.as_deref() == Some(PROGRAMME)));
    assert!(tokens.iter().any(|t| t.id == revoked.id && t.revoked_at.is_some()));

    // The idempotency record came along: a retry gets its first answer, not a second pledge.
    let retry = pg.pledge("zwolle", &known_key, &known_body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.text().await.unwrap(), first_answer);
    // New pledges continue after the copied ones.
    pg.pledge_ok("utrecht", &pledge_body(1000, "e@example.nl")).await;
    let rows = pg.storage.all_pledges("utrecht").await.unwrap().unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows[5].seq > rows[..5].iter().map(|r| r.seq).max().unwrap());

    // Into a database that holds data: refused, and nothing changes.
    let again = migrate(&format!("sqlite:{}", src_path.display()), &target);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(stderr.contains("is not empty") && stderr.contains("2 cohorts, 7 pledges"), "{stderr}");
    assert_eq!(pg.storage.all_pledges("utrecht").await.unwrap().unwrap().len(), 6);
}

#[tokio::test]
async fn migrate_names_what_is_wrong_with_its_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let out = migrate(&format!("sqlite:{}", missing.display()), "postgres://cofund@127.0.0.1:1/x");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no SQLite database at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!missing.exists(), "no empty database was created");
    let out = migrate("sqlite:a.db", "sqlite:b.db");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to must be a PostgreSQL URL"));
    let out = migrate("postgres://cofund@127.0.0.1:1/x", "postgres://cofund@127.0.0.1:1/y");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from must be a SQLite database"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_payments_sign_in_links_and_sessions_and_refuses_a_target_holding_any() {
    use cofund_server::config::PaymentsSetting;
    use cofund_server::domain::access::{Grant, SessionInfo};
    use cofund_server::domain::Cofund;
    let src_dir = tempfile::tempdir().unwrap();
    let src_path = src_dir.path().join("source.db");
    let sqlite = spawn_with(|s| {
        s.database = DatabaseLocation::Sqlite(src_path.clone());
        s.payments = PaymentsSetting::Demo;
    })
    .await;
    let mut def = definition("utrecht");
    def["online_payment"] = json!(true);
    sqlite.cohort("utrecht", def).await;
    let pledge = sqlite.pledge_ok("utrecht", &pledge_body(2500, "paying@example.nl")).await;
    let r = sqlite
        .client
        .post(pledge["online_payment"]["start_url"].as_str().unwrap())
        .header("Idempotency-Key", key())
        .json(&json!({"return_url": "https://www.starters4communities.nl/steun"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let checkout: Value = r.json().await.unwrap();
    let payment_id = checkout["checkout_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let cofund = Cofund::new(sqlite.storage.clone(), sqlite.address.clone());
    let unused_link = cofund.create_login_link(&Grant::coordinator(None), 24, now()).await.unwrap();
    let used_link = cofund.create_login_link(&Grant::member("utrecht".into()), 24, now()).await.unwrap();
    let (_, session_secret) = cofund.sign_in_with_link(&used_link, now()).await.unwrap().unwrap();

    let target = fresh_postgres_database().await;
    let out = migrate(&format!("sqlite:{}", src_path.display()), &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "migrate failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("payments 1, sign-in links 2, sessions 1"), "{stdout}");
    let pg = cofund_server::storage::open(&DatabaseLocation::Postgres(target.clone())).await.unwrap();
    let payment = pg.get_payment(&payment_id).await.unwrap().expect("the payment came along");
    assert_eq!(payment.pledge_id, pledge["pledge"]["id"].as_str().unwrap());
    assert!(pg.session_by_secret(&session_secret, now()).await.unwrap().is_some(), "the session came along");
    let moved = Cofund::new(pg.clone(), PUBLIC_URL.into());
    assert!(moved.sign_in_with_link(&unused_link, now()).await.unwrap().is_ok(), "an unused link still works once");

    // A target that holds only a session is not empty either.
    let other = fresh_postgres_database().await;
    let st = cofund_server::storage::open(&DatabaseLocation::Postgres(other.clone())).await.unwrap();
    let session = SessionInfo {
        id: "ses_x".into(),
        grant: Grant::coordinator(None),
        csrf_token: "c".into(),
        created_at: now(),
        expires_at: now(),
        revoked_at: None,
    };
    st.create_session(&session, "hash", None).await.unwrap();
    let refused = migrate(&format!("sqlite:{}", src_path.display()), &other);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("is not empty") && stderr.contains("1 sessions"), "{stderr}");
}
