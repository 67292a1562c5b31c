//! E-mail with several `cofund serve` processes on one PostgreSQL database and a real
//! SMTP server: each message is sent once by one of them; and when an instance is
//! killed with SIGKILL while it sends, nothing is lost and what is sent twice is only
//! what the dead instance had handed to the SMTP server without recording it (the
//! at-least-once window), recognisable by its repeated Message-ID.
//! Needs `COFUND_TEST_POSTGRES` (scripts/test.sh starts a throw-away cluster).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[allow(dead_code)]
#[path = "support/smtp_catcher.rs"]
mod smtp_catcher;

use cofund_core::Timestamp;
use helpers::*;
use serde_json::Value;
use smtp_catcher::{free_port, Catcher};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An instance sending e-mail through the SMTP server on `smtp_port`.
async fn serve(db: &str, smtp_port: u16, lease_secs: u64) -> Instance {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database",
            db,
            "--public-url",
            "https://cofund.example.org",
        ])
        .env("COFUND_LOG", "warn")
        .env("COFUND_PLEDGE_RATE_PER_MINUTE", "0")
        .env("COFUND_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}?tls=none"))
        .env("COFUND_MAIL_FROM", "Starters4Communities <noreply@starters4communities.nl>")
        .env("COFUND_MAIL_RETRY_SECS", "1")
        .env("COFUND_MAIL_LEASE_SECS", lease_secs.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cofund starts");
    let instance = Instance { child, base: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if let Ok(r) = client.get(format!("{}/healthz", instance.base)).send().await {
            if r.status() == 200 {
                return instance;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("instance on port {port} did not become healthy");
}

async fn database() -> String {
    let db = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cohort.json");
    std::fs::write(&file, definition("multi").to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["cohort", "put"])
        .arg(&file)
        .args(["--database", &db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

async fn pledge(client: &reqwest::Client, base: &str, i: usize) -> String {
    let r = client
        .post(format!("{base}/api/v1/cohorts/multi/pledges"))
        .header("Idempotency-Key", key())
        .json(&pledge_body(1000, &format!("donor{i}@example.nl")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["payment"]["reference"].as_str().unwrap().to_owned()
}

/// How often each Message-ID and each reference was caught.
fn tally(caught: &[Value], references: &[String]) -> (HashMap<String, usize>, HashMap<String, usize>) {
    let mut ids = HashMap::new();
    for m in caught {
        *ids.entry(m["headers"]["message-id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    let mut refs = HashMap::new();
    for r in references {
        refs.insert(
            r.clone(),
            caught.iter().filter(|m| m["text"].as_str().unwrap_or_default().contains(r.as_str())).count(),
        );
    }
    (ids, refs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_send_each_message_once() {
    let db = database().await;
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, smtp) = Catcher::start_free(mail_dir.path(), None, 0);
    let (a, b) = (serve(&db, smtp, 300).await, serve(&db, smtp, 300).await);
    let client = reqwest::Client::new();
    const N: usize = 80;
    let mut references = Vec::new();
    for i in 0..N {
        references.push(pledge(&client, if i % 2 == 0 { &a.base } else { &b.base }, i).await);
    }
    catcher.wait_for(N, Duration::from_secs(60)).await;
    // Both instances' senders keep polling: nothing more arrives.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let caught = catcher.messages();
    let (ids, refs) = tally(&caught, &references);
    assert_eq!(caught.len(), N, "each confirmation once");
    assert!(ids.values().all(|n| *n == 1));
    assert!(refs.values().all(|n| *n == 1), "{refs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_while_sending_loses_nothing_and_only_its_unrecorded_deliveries_repeat() {
    let db = database().await;
    let mail_dir = tempfile::tempdir().unwrap();
    // A slow SMTP server: each message takes 300 ms, so the kill lands mid-batch.
    let (catcher, smtp) = Catcher::start_free(mail_dir.path(), None, 300);
    let mut a = serve(&db, smtp, 3).await;
    let client = reqwest::Client::new();
    const N: usize = 40;
    let mut references = Vec::new();
    for i in 0..N {
        references.push(pledge(&client, &a.base, i).await);
    }
    catcher.wait_for(4, Duration::from_secs(60)).await;
    // SIGKILL: messages in flight were handed to the SMTP server, but not marked sent.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let before_kill = catcher.messages().len();
    let b = serve(&db, smtp, 3).await;
    let started = std::time::Instant::now();
    loop {
        let caught = catcher.messages();
        let (_, refs) = tally(&caught, &references);
        if refs.values().all(|n| *n >= 1) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "not all delivered: {} caught", caught.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let caught = catcher.messages();
    let (ids, refs) = tally(&caught, &references);
    // Nothing lost: every confirmation arrived.
    assert!(refs.values().all(|n| *n >= 1));
    // Sent twice only in the window, and then with the same Message-ID: the repeats are
    // at most the messages the dead instance had in flight (its concurrency, 4).
    let repeated: Vec<(&String, &usize)> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.iter().all(|(_, n)| **n == 2), "{repeated:?}");
    assert!(repeated.len() <= 4, "{repeated:?}");
    assert_eq!(caught.len(), N + repeated.len());
    for (r, n) in &refs {
        assert!(
            *n == 1
                || repeated
                    .iter()
                    .any(|(id, _)| caught.iter().any(|m| m["headers"]["message-id"] == id.as_str()
                        && m["text"].as_str().unwrap().contains(r.as_str()))),
            "{r}"
        );
    }
    eprintln!("killed after {before_kill} of {N} caught; {} sent twice (same Message-ID), none lost", repeated.len());
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_the_outbox_unsubscribed_donors_and_the_link_key() {
    use cofund_server::mail::smtp::{SmtpInput, SmtpSettings};
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, smtp_port) = Catcher::start_free(mail_dir.path(), None, 0);
    let src_dir = tempfile::tempdir().unwrap();
    let src_path = src_dir.path().join("source.db");
    let smtp = SmtpSettings::from_input(SmtpInput {
        url: Some(format!("smtp://127.0.0.1:{smtp_port}?tls=none")),
        from: Some("noreply@starters4communities.nl".into()),
        ..Default::default()
    })
    .unwrap();
    let sqlite = spawn_with(|s| {
        s.database = cofund_server::storage::DatabaseLocation::Sqlite(src_path.clone());
        s.mail = smtp.clone();
        s.mail_sender.poll = Duration::from_millis(100);
    })
    .await;
    sqlite.open_cohort("utrecht").await;
    let mut body = pledge_body(2500, "en@example.org");
    body["locale"] = "en-GB".into();
    sqlite.pledge_ok("utrecht", &body).await;
    sqlite.pledge_ok("utrecht", &pledge_body(3000, "nl@example.nl")).await;
    let got = catcher.wait_for(2, Duration::from_secs(20)).await;
    let link = got.iter().find(|g| g["headers"]["to"].as_str().unwrap().contains("nl@example.nl")).unwrap()["headers"]
        ["list-unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    let path = link[link.find("/mail/unsubscribe").unwrap()..].to_owned();
    assert_eq!(sqlite.client.post(sqlite.url(&path)).send().await.unwrap().status(), 200);
    let before = sqlite.storage.outbox(None, 10).await.unwrap();

    let pg = fresh_postgres_database().await;
    let out = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["migrate", "--from", &format!("sqlite:{}", src_path.display()), "--to", &pg])
        .env("COFUND_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let copy = spawn_with(|s| {
        s.database = cofund_server::storage::DatabaseLocation::Postgres(pg.clone());
        s.mail = smtp.clone();
    })
    .await;
    let after = copy.storage.outbox(None, 10).await.unwrap();
    assert_eq!(after, before, "the outbox, message for message");
    assert!(after.iter().any(|e| e.message.locale == "en-GB"));
    // The link signed before the copy still works after it, and the donor stays unsubscribed.
    let page = copy.get(&path).await;
    assert_eq!(page.status(), 200);
    let candidates = copy.storage.reminder_candidates("utrecht", Timestamp(i64::MAX)).await.unwrap();
    assert_eq!(candidates.len(), 2);
    assert_eq!(candidates.iter().filter(|c| c.unsubscribed).count(), 1);
    assert!(candidates.iter().any(|c| c.pledge.locale.as_deref() == Some("en-GB")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reminders_queued_by_two_processes_at_once_go_out_once() {
    let db = database().await;
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, smtp) = Catcher::start_free(mail_dir.path(), None, 0);
    let a = serve(&db, smtp, 300).await;
    let client = reqwest::Client::new();
    const N: usize = 20;
    for i in 0..N {
        pledge(&client, &a.base, i).await;
    }
    catcher.wait_for(N, Duration::from_secs(60)).await;
    // `cofund mail remind` twice at the same moment, as if six days had passed.
    let at = cofund_core::Timestamp(cofund_server::domain::now().0 + 6 * 86_400).to_rfc3339();
    let remind = || {
        Command::new(env!("CARGO_BIN_EXE_cofund"))
            .args(["mail", "remind", "--now", &at, "--database", &db])
            .env("COFUND_LOG", "warn")
            .env("COFUND_SMTP_URL", format!("smtp://127.0.0.1:{smtp}?tls=none"))
            .env("COFUND_MAIL_FROM", "noreply@starters4communities.nl")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (r1, r2) = (remind(), remind());
    let (o1, o2) = (r1.wait_with_output().unwrap(), r2.wait_with_output().unwrap());
    assert!(o1.status.success() && o2.status.success());
    let queued = |o: &std::process::Output| -> usize {
        String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap().parse().unwrap()
    };
    assert_eq!(queued(&o1) + queued(&o2), N, "{:?} {:?}", o1, o2);
    catcher.wait_for(2 * N, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let caught = catcher.messages();
    assert_eq!(caught.len(), 2 * N);
    let reminders = caught.iter().filter(|m| m["subject"].as_str().unwrap().starts_with("Herinnering")).count();
    assert_eq!(reminders, N);
    // The outbox as the CLI lists it.
    let out = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["mail", "outbox", "multi", "--limit", "100", "--database", &db])
        .env("COFUND_LOG", "warn")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listing.lines().filter(|l| l.contains("\treminder\tsent\t1\t")).count(), N, "{listing}");
    assert_eq!(listing.lines().filter(|l| l.contains("\tconfirmation\tsent\t1\t")).count(), N, "{listing}");
}
