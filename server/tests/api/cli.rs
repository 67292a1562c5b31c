//! The CLI's administration commands, run as the real binary on the database a running
//! server uses: each command's effect is checked through the server's HTTP API, and a
//! change made by the CLI reaches the server's open event streams (the periodic check of
//! watched cohorts on SQLite, NOTIFY on PostgreSQL).

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;

struct Cli {
    database: std::ffi::OsString,
}

impl Cli {
    fn output(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_cofund"))
            .args(args)
            .arg("--database")
            .arg(&self.database)
            .env("COFUND_LOG", "warn")
            .output()
            .unwrap()
    }

    /// Runs `cofund ARGS --database …`; panics unless it succeeds; returns its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(out.status.success(), "cofund {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `cofund ARGS --database …`; panics if it succeeds; returns its stderr.
    fn fail(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(!out.status.success(), "cofund {args:?} succeeded");
        String::from_utf8(out.stderr).unwrap()
    }
}

// The CLI once made tokens for programme names the admin API refused (a tab, 201
// characters): both now ask the domain, which names the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_and_the_admin_api_refuse_the_same_programme_names() {
    let (app, cli, _dir) = server_with_cli().await;
    let long = "p".repeat(201);
    for bad in [" ", "Starters\tUtrecht", long.as_str()] {
        let r = app
            .client
            .post(app.url("/api/v1/admin/tokens"))
            .bearer_auth(&app.token)
            .json(&json!({"programme": bad}))
            .send()
            .await
            .unwrap();
        let (status, _, fields) = error_of(r).await;
        assert_eq!((status, fields), (422, vec!["programme".to_string()]), "{bad:?}");
        let err = cli.fail(&["token", "create", "--programme", bad]);
        assert!(err.contains("programme"), "{bad:?}: {err}");
    }
    assert!(cli.run(&["token", "list"]).lines().all(|l| !l.contains("Starters\t")), "nothing stored");
    let ok = cli.run(&["token", "create", "--programme", "Starters4Communities"]);
    assert!(ok.starts_with("cfd_"), "{ok}");
}

// The CLI's `--kind` and `--status` are core's contract names, not a copy of them.
#[test]
fn the_cli_offers_the_contracts_kinds_and_statuses() {
    let out = Command::new(env!("CARGO_BIN_EXE_cofund")).args(["stakeholder", "put", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for k in cofund_core::StakeholderKind::KNOWN {
        assert!(help.contains(k.as_str()), "{k:?}: {help}");
    }
    for s in cofund_core::StakeholderStatus::KNOWN {
        assert!(help.contains(s.as_str()), "{s:?}: {help}");
    }
    assert!(!help.contains("unrecognised"), "{help}");
}

async fn server_with_cli() -> (TestApp, Cli, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "cli").await;
    let database = database_arg(&db);
    // The server makes (and migrates) the database; the CLI opens the same one.
    let app = spawn_with(move |s| s.database = db).await;
    (app, Cli { database }, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_administers_cohorts_stakeholders_contributions_pledges_tokens_and_sessions() {
    let (app, cli, dir) = server_with_cli().await;
    let file = dir.path().join("utrecht.json");
    std::fs::write(&file, definition("utrecht").to_string()).unwrap();
    assert!(cli.run(&["cohort", "put", file.to_str().unwrap()]).contains("Created cohort utrecht"));
    assert!(cli.run(&["cohort", "list"]).contains("utrecht\tStarters4Communities"));
    let shown: Value = serde_json::from_str(&cli.run(&["cohort", "show", "utrecht"])).unwrap();
    assert_eq!(shown["slug"], "utrecht");

    cli.run(&[
        "stakeholder",
        "put",
        "utrecht",
        "--name",
        "Fonds Noord",
        "--kind",
        "fund",
        "--status",
        "committed",
        "--amount",
        "1.000",
    ]);
    let doc = app
        .document_when("utrecht", |d| {
            d["stakeholders"].as_array().is_some_and(|s| s.iter().any(|s| s["name"] == "Fonds Noord"))
        })
        .await;
    let fund =
        doc["stakeholders"].as_array().unwrap().iter().find(|s| s["name"] == "Fonds Noord").expect("the stakeholder");
    assert_eq!((fund["amount_cents"].as_i64(), fund["kind"].as_str()), (Some(100_000), Some("fund")));

    cli.run(&["contribution", "receive", "utrecht", "--count", "2"]);
    assert_eq!(
        app.document_when("utrecht", |d| d["own_contributions"]["received"] == 5).await["own_contributions"]
            ["received"],
        5
    );
    cli.run(&["contribution", "set", "utrecht", "7"]);
    assert_eq!(
        app.document_when("utrecht", |d| d["own_contributions"]["received"] == 7).await["own_contributions"]
            ["received"],
        7
    );

    cli.run(&["cohort", "online-payment", "utrecht", "on"]);
    assert_eq!(
        serde_json::from_str::<Value>(&cli.run(&["cohort", "show", "utrecht"])).unwrap()["online_payment"],
        true
    );

    let pledge = app.pledge_ok("utrecht", &pledge_body(2500, "cli@example.nl")).await;
    let id = pledge["pledge"]["id"].as_str().unwrap();
    let status = |app: &TestApp| {
        let get = app.client.get(app.url(&format!("/api/v1/admin/pledges/{id}"))).bearer_auth(&app.token).send();
        async move { get.await.unwrap().json::<Value>().await.unwrap() }
    };
    cli.run(&["pledge", "hide-message", id]);
    assert_eq!(status(&app).await["message_hidden"], true);
    cli.run(&["pledge", "confirm", id]);
    assert_eq!(status(&app).await["status"], "received");
    cli.run(&["pledge", "cancel", id]);
    assert_eq!(status(&app).await["status"], "cancelled");

    let csv = dir.path().join("export.csv");
    cli.run(&["export", "utrecht", "-o", csv.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&csv).unwrap().contains("cli@example.nl"));

    // Tokens: made, listed, revoked; the secret works until then.
    let secret = cli.run(&["token", "create", "--programme", PROGRAMME]).trim().to_owned();
    assert!(secret.starts_with("cfd_"));
    let listed = cli.run(&["token", "list"]);
    let token_id = listed.lines().find(|l| l.contains(PROGRAMME)).unwrap().split('\t').next().unwrap().to_owned();
    let admin_list = || app.client.get(app.url("/api/v1/admin/cohorts/utrecht/pledges")).bearer_auth(&secret).send();
    assert_eq!(admin_list().await.unwrap().status(), 200);
    assert!(cli.run(&["token", "revoke", &token_id]).contains("revoked"));
    assert_eq!(admin_list().await.unwrap().status(), 401);

    // A sign-in link and the session it starts; the CLI lists and ends it.
    let url = cli
        .run(&["login-link", "--cohort", "utrecht", "--role", "member", "--public-url", &app.address])
        .trim()
        .to_owned();
    let link = url.split("link=").nth(1).expect("a sign-in link").to_owned();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/sign-in"))
        .form(&[("link", link.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me = || app.client.get(app.url("/api/v1/session")).header("cookie", &cookie).send();
    assert_eq!(me().await.unwrap().status(), 200);
    let sessions = cli.run(&["session", "list"]);
    let session_id =
        sessions.lines().find(|l| l.contains("member\tutrecht")).unwrap().split('\t').next().unwrap().to_owned();
    assert!(cli.run(&["session", "revoke", &session_id]).contains("ended"));
    assert_eq!(me().await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_with_the_cli_reaches_the_servers_open_streams() {
    let (app, cli, _dir) = server_with_cli().await;
    app.open_cohort("live").await;
    let mut events = Events::of(Events::open(&app.url("/api/v1/cohorts/live/events"), None).await);
    let first = events.next(Duration::from_secs(30)).await.expect("the current state");
    assert_eq!(serde_json::from_str::<Value>(&first.data).unwrap()["own_contributions_received"], 3);
    cli.run(&["contribution", "receive", "live"]);
    // Waits for the event: on SQLite the server notices within its 5 s check.
    let e = events.next(Duration::from_secs(60)).await.expect("an event for the CLI's change");
    assert_eq!(serde_json::from_str::<Value>(&e.data).unwrap()["own_contributions_received"], json!(4));
}
