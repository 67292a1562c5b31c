//! E-mail to donors, black-box against the real server (`Application`) and a real SMTP
//! server started by each test: `scripts/lib/smtp_catcher.py` (Python's aiosmtpd),
//! which writes every message it accepts to a directory this test reads.
//! Runs on SQLite, or on PostgreSQL with `COFUND_TEST_BACKEND=postgres`.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "support/smtp_catcher.rs"]
mod smtp_catcher;

use cofund_core::Timestamp;
use cofund_server::config::Settings;
use cofund_server::domain::Cofund;
use cofund_server::mail::sender::SenderSettings;
use cofund_server::mail::smtp::{SmtpInput, SmtpSettings};
use cofund_server::Application;
use helpers::{definition, key, now, pledge_body};
use reqwest::Client;
use serde_json::Value;
use smtp_catcher::{free_port, Catcher};

use std::sync::Arc;
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;

struct MailApp {
    app: helpers::TestApp,
    cofund: Arc<Cofund>,
}

/// The server with e-mail through the SMTP server on `port` (which need not run yet).
async fn spawn_mail(port: u16, auth: Option<(&str, &str)>) -> MailApp {
    spawn_mail_with(port, auth, |_| {}).await
}

async fn spawn_mail_with(port: u16, auth: Option<(&str, &str)>, f: impl FnOnce(&mut Settings)) -> MailApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_tests(&dir.path().join("cofund.db"));
    settings.database = helpers::test_database(dir.path(), "cofund").await;
    settings.widget_dir = dir.path().join("dist");
    settings.mail = SmtpSettings::from_input(SmtpInput {
        url: Some(format!("smtp://127.0.0.1:{port}?tls=none")),
        user: auth.map(|a| a.0.to_owned()),
        password: auth.map(|a| a.1.to_owned()),
        from: Some("Starters4Communities <noreply@starters4communities.nl>".into()),
        reply_to: Some("info@starters4communities.nl".into()),
        ..Default::default()
    })
    .unwrap();
    settings.mail_sender = SenderSettings {
        poll: Duration::from_millis(100),
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(2),
        ..Default::default()
    };
    f(&mut settings);
    let app = Application::build(settings).await.expect("the application builds");
    let storage = app.storage();
    let cofund = app.cofund();
    let (_, token) = storage.create_token(None, Some("tests".into()), now()).await.unwrap();
    let address = app.address();
    tokio::spawn(app.run_until_stopped());
    MailApp { app: helpers::TestApp { address, client: Client::new(), token, storage, _dir: dir }, cofund }
}

fn text(m: &Value) -> &str {
    m["text"].as_str().unwrap_or_default()
}

fn to(m: &Value) -> String {
    m["headers"]["to"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_pledge_sends_one_confirmation_with_the_exact_transfer_details() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), Some(("cofund", "geheim wachtwoord")), 0);
    let m = spawn_mail(port, Some(("cofund", "geheim wachtwoord"))).await;
    m.app.open_cohort("utrecht").await;
    let answer = m.app.pledge_ok("utrecht", &pledge_body(2550, "fatima@example.nl")).await;
    let reference = answer["payment"]["reference"].as_str().unwrap().to_owned();

    let got = catcher.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if catcher.messages().len() > got.len() { catcher.messages() } else { got };
    assert_eq!(got.len(), 1, "one confirmation: {got:#?}");
    let c = &got[0];
    assert_eq!(c["envelope_to"], serde_json::json!(["fatima@example.nl"]));
    assert!(to(c).contains("fatima@example.nl") && to(c).contains("Fatima El Amrani"), "{}", to(c));
    assert_eq!(c["subject"], "Bedankt voor je toezegging aan Starters4Communities utrecht");
    assert_eq!(c["headers"]["reply-to"], "info@starters4communities.nl");
    assert!(c["headers"]["from"].as_str().unwrap().contains("noreply@starters4communities.nl"));
    // The exact transfer details, as the widget shows them (core/src/payment.rs).
    for body in [text(c), c["html"].as_str().unwrap()] {
        assert!(body.contains("25,50"), "the amount as a banking app takes it: {body}");
        assert!(body.contains("NL91 ABNA 0417 1643 00"), "the IBAN in groups of four: {body}");
        assert!(body.contains(&reference), "the reference {reference}: {body}");
        assert!(body.contains("Stichting Starters4Communities"), "the account holder: {body}");
    }
    // A stable Message-ID, the one in the outbox, and the unsubscribe headers.
    let outbox = m.cofund.outbox(Some("utrecht"), 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].status.as_str(), "sent");
    assert_eq!(c["headers"]["message-id"].as_str().unwrap(), outbox[0].message.message_id);
    assert!(c["headers"]["list-unsubscribe"].as_str().unwrap().contains("/mail/unsubscribe?e="));
    assert_eq!(c["headers"]["list-unsubscribe-post"], "List-Unsubscribe=One-Click");

    // In English when the donor's widget is English.
    let mut body = pledge_body(1000, "sam@example.org");
    body["locale"] = "en-GB".into();
    m.app.pledge_ok("utrecht", &body).await;
    let got = catcher.wait_for(2, Duration::from_secs(20)).await;
    let en = got.iter().find(|g| to(g).contains("sam@example.org")).unwrap();
    assert_eq!(en["subject"], "Thank you for your pledge to Starters4Communities utrecht");
    assert!(text(en).contains("Amount: 10.00"), "{}", text(en));
    // And in Dutch when it is Dutch; the language is kept with the pledge (reminders, thank-you).
    let mut body = pledge_body(1200, "noor@example.nl");
    body["locale"] = "nl-NL".into();
    m.app.pledge_ok("utrecht", &body).await;
    let got = catcher.wait_for(3, Duration::from_secs(20)).await;
    let nl = got.iter().find(|g| to(g).contains("noor@example.nl")).unwrap();
    assert_eq!(nl["subject"], "Bedankt voor je toezegging aan Starters4Communities utrecht");
    assert!(text(nl).contains("12,00"), "{}", text(nl));
    let stored = m.app.storage.all_pledges("utrecht").await.unwrap().unwrap();
    let locale_of = |email: &str| stored.iter().find(|p| p.email == email).and_then(|p| p.locale.clone());
    assert_eq!(locale_of("sam@example.org").as_deref(), Some("en-GB"));
    assert_eq!(locale_of("noor@example.nl").as_deref(), Some("nl-NL"));
    assert_eq!(locale_of("fatima@example.nl"), None, "without a locale, the cohort's at sending time");
}

#[tokio::test]
async fn reminders_after_the_period_at_most_twice_then_a_thank_you_and_none_after_cancelling() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    let id = |v: &Value| v["pledge"]["id"].as_str().unwrap().to_owned();
    let paid = id(&m.app.pledge_ok("utrecht", &pledge_body(2500, "betaalt@example.nl")).await);
    let cancelled = id(&m.app.pledge_ok("utrecht", &pledge_body(2500, "stopt@example.nl")).await);
    let forgets = id(&m.app.pledge_ok("utrecht", &pledge_body(2500, "vergeet@example.nl")).await);
    catcher.wait_for(3, Duration::from_secs(20)).await;

    let t0 = now().0;
    let at = |days: i64| Timestamp(t0 + days * DAY);
    // Not before the cohort's period (default 5 days).
    assert_eq!(m.cofund.queue_reminders(at(4), now()).await.unwrap(), 0);
    assert_eq!(m.cofund.queue_reminders(at(5), now()).await.unwrap(), 3);
    // Running it again (or on another instance) queues nothing more.
    assert_eq!(m.cofund.queue_reminders(at(5), now()).await.unwrap(), 0);
    let got = catcher.wait_for(6, Duration::from_secs(20)).await;
    let reminders: Vec<&Value> =
        got.iter().filter(|g| g["subject"].as_str().unwrap().starts_with("Herinnering")).collect();
    assert_eq!(reminders.len(), 3);
    assert!(text(reminders[0]).contains("NL91 ABNA 0417 1643 00") && text(reminders[0]).contains("25,00"));

    // Received by hand: one thank-you. Cancelled: nothing.
    assert_eq!(m.app.admin_post(&format!("/api/v1/admin/pledges/{paid}/confirm")).await.status(), 200);
    assert_eq!(m.app.admin_post(&format!("/api/v1/admin/pledges/{cancelled}/cancel")).await.status(), 200);
    let got = catcher.wait_for(7, Duration::from_secs(20)).await;
    let thanks: Vec<&Value> = got.iter().filter(|g| g["subject"].as_str().unwrap().starts_with("Ontvangen")).collect();
    assert_eq!(thanks.len(), 1);
    assert!(to(thanks[0]).contains("betaalt@example.nl"));
    // Confirming again sends no second thank-you.
    assert_eq!(m.app.admin_post(&format!("/api/v1/admin/pledges/{paid}/confirm")).await.status(), 200);

    // The second reminder a period after the first, only to the one still pledged; never a third.
    assert_eq!(m.cofund.queue_reminders(at(9), now()).await.unwrap(), 0);
    assert_eq!(m.cofund.queue_reminders(at(10), now()).await.unwrap(), 1);
    assert_eq!(m.cofund.queue_reminders(at(30), now()).await.unwrap(), 0);
    let got = catcher.wait_for(8, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if catcher.messages().len() > got.len() { catcher.messages() } else { got };
    assert_eq!(
        got.len(),
        8,
        "3 confirmations, 4 reminders, 1 thank-you: {:#?}",
        got.iter().map(|g| (&g["subject"], to(g))).collect::<Vec<_>>()
    );
    let per = |email: &str| got.iter().filter(|g| to(g).contains(email)).count();
    assert_eq!((per("betaalt@"), per("stopt@"), per("vergeet@")), (3, 2, 3));
    let _ = forgets;
}

#[tokio::test]
async fn smtp_down_while_pledges_arrive_loses_nothing_and_sends_each_once_when_it_is_back() {
    let port = free_port();
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    const N: usize = 100;
    let mut references = Vec::new();
    for i in 0..N {
        let a = m.app.pledge_ok("utrecht", &pledge_body(1000 + i as i64, &format!("donor{i}@example.nl"))).await;
        references.push(a["payment"]["reference"].as_str().unwrap().to_owned());
    }
    // The SMTP server is down: every message waits, with its failed attempts recorded.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting = m.cofund.outbox(Some("utrecht"), 1000).await.unwrap();
    assert_eq!(waiting.len(), N);
    assert!(waiting.iter().all(|e| e.status.as_str() == "waiting"));
    assert!(waiting.iter().any(|e| e.attempts >= 1 && e.last_error.is_some()), "attempts were made and failed");

    let mail_dir = tempfile::tempdir().unwrap();
    let catcher = Catcher::start(port, mail_dir.path(), None);
    let started = Instant::now();
    let got = catcher.wait_for(N, Duration::from_secs(60)).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if catcher.messages().len() > got.len() { catcher.messages() } else { got };
    assert_eq!(got.len(), N, "each message once");
    for r in &references {
        assert_eq!(got.iter().filter(|g| text(g).contains(r.as_str())).count(), 1, "reference {r} once");
    }
    let mut ids: Vec<&str> = got.iter().map(|g| g["headers"]["message-id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N);
    let sent = m.cofund.outbox(Some("utrecht"), 1000).await.unwrap();
    assert!(sent.iter().all(|e| e.status.as_str() == "sent"));
    eprintln!(
        "outbox: {N} messages delivered {elapsed:?} after the SMTP server came back (includes up to 2 s of backoff)"
    );
}

#[tokio::test]
async fn outbox_throughput() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    // The SMTP server comes up only once every pledge is in: the figure is the outbox's
    // delivery alone (claim, SMTP exchange, mark), not the pledges'.
    drop(catcher);
    let m = spawn_mail_with(port, None, |s| s.mail_sender.max_backoff = Duration::from_secs(1)).await;
    m.app.open_cohort("utrecht").await;
    const N: usize = 300;
    let started = Instant::now();
    let pledges = (0..N).map(|i| {
        let app = &m.app;
        async move { app.pledge("utrecht", &key(), &pledge_body(1000, &format!("d{i}@example.nl"))).await.status() }
    });
    let statuses = futures_util::future::join_all(pledges).await;
    assert!(statuses.iter().all(|s| s.as_u16() == 201));
    let pledged = started.elapsed();
    let catcher = Catcher::start(port, mail_dir.path(), None);
    // Every message is due within the 1 s backoff; measure from the first delivery.
    catcher.wait_for(1, Duration::from_secs(30)).await;
    let first = Instant::now();
    catcher.wait_for(N, Duration::from_secs(120)).await;
    let elapsed = first.elapsed();
    eprintln!(
        "outbox throughput: {N} pledges with their outbox messages written in {pledged:?}; delivered through SMTP in {elapsed:?} = {:.0} messages/s",
        (N - 1) as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn names_and_subjects_cannot_inject_headers() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    let mut def = definition("lang");
    def["name"] = "Starters4Communities ".repeat(9).trim().into(); // 188 characters (the limit is 200)
    m.app.cohort("lang", def).await;
    // A name with CR/LF is refused by the pledge rules, or neutralised.
    let mut body = pledge_body(2500, "eve@example.nl");
    body["name"] = "Eve\r\nBcc: victim@example.org".into();
    let r = m.app.pledge("lang", &key(), &body).await;
    let refused = r.status().as_u16() == 422;
    if refused {
        body["name"] = "Eve Bcc: victim@example.org".into();
        m.app.pledge_ok("lang", &body).await;
    }
    let got = catcher.wait_for(1, Duration::from_secs(20)).await;
    let g = &got[0];
    assert_eq!(g["envelope_to"], serde_json::json!(["eve@example.nl"]), "no recipient added");
    let names: Vec<String> =
        g["header_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_ascii_lowercase()).collect();
    assert!(!names.contains(&"bcc".to_owned()) && !names.contains(&"cc".to_owned()), "{names:?}");
    let subject = g["subject"].as_str().unwrap();
    assert!(subject.chars().count() <= 150 && subject.ends_with('…') && !subject.contains('\n'), "{subject:?}");
    // Every header line of the message as sent is at most 998 octets (RFC 5322).
    assert!(g["raw_headers"].as_str().unwrap().split("\r\n").all(|l| l.len() <= 998));
}

#[tokio::test]
async fn an_unsubscribed_donor_gets_no_reminders_but_still_their_receipts() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    let quiet = m.app.pledge_ok("utrecht", &pledge_body(2500, "Stil@Example.nl")).await["pledge"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.app.pledge_ok("utrecht", &pledge_body(2500, "luid@example.nl")).await;
    let got = catcher.wait_for(2, Duration::from_secs(20)).await;
    let link = got.iter().find(|g| to(g).contains("Stil@Example.nl")).unwrap()["headers"]["list-unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    let path = &link[link.find("/mail/unsubscribe").unwrap()..];
    // The link shows a button (a link scanner's GET unsubscribes nobody) …
    let page = m.app.get(path).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    // … a forged one is refused …
    let forged = path.replace("&t=", "&t=00");
    assert_eq!(m.app.client.post(m.app.url(&forged)).send().await.unwrap().status(), 404);
    // … and the POST (the button, or one-click from the mail client) unsubscribes.
    assert_eq!(m.app.client.post(m.app.url(path)).send().await.unwrap().status(), 200);

    let later = Timestamp(now().0 + 6 * DAY);
    assert_eq!(m.cofund.queue_reminders(later, now()).await.unwrap(), 1, "only the other donor");
    let got = catcher.wait_for(3, Duration::from_secs(20)).await;
    assert!(to(&got[2]).contains("luid@example.nl"));
    // A receipt of their own payment still goes.
    assert_eq!(m.app.admin_post(&format!("/api/v1/admin/pledges/{quiet}/confirm")).await.status(), 200);
    let got = catcher.wait_for(4, Duration::from_secs(20)).await;
    assert!(to(&got[3]).contains("Stil@Example.nl") && got[3]["subject"].as_str().unwrap().starts_with("Ontvangen"));
    assert_eq!(
        m.cofund.queue_reminders(Timestamp(now().0 + 20 * DAY), now()).await.unwrap(),
        1,
        "the other's second reminder only"
    );
}

#[tokio::test]
async fn without_smtp_settings_the_server_runs_and_writes_no_outbox() {
    let app = helpers::spawn().await;
    app.open_cohort("utrecht").await;
    app.pledge_ok("utrecht", &pledge_body(2500, "a@example.nl")).await;
    assert!(app.storage.outbox(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_online_payment_sends_one_thank_you_however_often_the_webhook_comes() {
    use reqwest::redirect::Policy;
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail_with(port, None, |s| s.payments = cofund_server::config::PaymentsSetting::Demo).await;
    let mut def = definition("utrecht");
    def["online_payment"] = true.into();
    m.app.cohort("utrecht", def).await;
    let pledge = m.app.pledge_ok("utrecht", &pledge_body(2550, "ideal@example.nl")).await;
    let start_url = pledge["online_payment"]["start_url"].as_str().unwrap();
    let r = m
        .app
        .client
        .post(start_url)
        .header("Idempotency-Key", key())
        .json(&serde_json::json!({"return_url": "https://www.starters4communities.nl/steun"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let checkout_url = r.json::<Value>().await.unwrap()["checkout_url"].as_str().unwrap().to_owned();
    let donor = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let paid = donor.post(&checkout_url).form(&[("outcome", "paid")]).send().await.unwrap();
    assert_eq!(paid.status(), 303);
    // The provider's webhook again, twice: nothing more is sent.
    let id = checkout_url.rsplit('/').next().unwrap().to_owned();
    for _ in 0..2 {
        let r =
            m.app.client.post(m.app.url("/api/v1/payments/webhook")).form(&[("id", id.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    catcher.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = catcher.messages();
    let subjects: Vec<&str> = got.iter().map(|g| g["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.starts_with("Ontvangen")).count(), 1, "{subjects:?}");
    assert!(text(&got[1]).contains("25,50"));
}

#[tokio::test]
async fn the_demo_mailbox_lists_caught_messages() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let caught_in = mail_dir.path().to_owned();
    let m = spawn_mail_with(port, None, move |s| s.dev_mailbox = Some(caught_in)).await;
    m.app.open_cohort("utrecht").await;
    m.app.pledge_ok("utrecht", &pledge_body(2500, "demo@example.nl")).await;
    catcher.wait_for(1, Duration::from_secs(20)).await;
    let list = m.app.get("/dev/mailbox").await;
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("Bedankt voor je toezegging aan Starters4Communities utrecht"), "{html}");
    let link = html.split("href=\"/dev/mailbox/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let one = m.app.get(&format!("/dev/mailbox/{link}")).await;
    assert_eq!(one.status(), 200);
    assert!(one.text().await.unwrap().contains("NL91 ABNA 0417 1643 00"));
    assert_eq!(m.app.get("/dev/mailbox/..%2Fsecret").await.status(), 404);
    // Not there unless the demo asks for it.
    let plain = helpers::spawn().await;
    assert_eq!(plain.get("/dev/mailbox").await.status(), 404);
}

#[tokio::test]
async fn pledges_from_before_e_mail_was_on_get_no_reminders() {
    use cofund_core::api::{PledgeStatus, ValidPledge};
    use cofund_server::storage::NewPledge;
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    // An older pledge (imported, as the demo seeds them): it never had a confirmation.
    let old = NewPledge {
        pledge: ValidPledge {
            amount_cents: 2500,
            name: None,
            show_name: false,
            show_amount: true,
            email: "oud@example.nl".into(),
            message: None,
            news: false,
            fundraiser: None,
        },
        status: PledgeStatus::Pledged,
        message_hidden: false,
        locale: None,
        created_at: Timestamp(now().0 - 30 * DAY),
    };
    m.app.storage.import_pledges("utrecht", vec![old]).await.unwrap();
    m.app.pledge_ok("utrecht", &pledge_body(2500, "nieuw@example.nl")).await;
    catcher.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(m.cofund.queue_reminders(Timestamp(now().0 + 6 * DAY), now()).await.unwrap(), 1);
    let got = catcher.wait_for(2, Duration::from_secs(20)).await;
    assert!(got.iter().all(|g| !to(g).contains("oud@example.nl")));
}

/// The link to the donor's own page in a caught message's text.
fn donor_path(m: &Value) -> String {
    let t = text(m);
    let at = t.find("/mail/donor?").expect("a donor link in every message");
    t[at..].split_whitespace().next().unwrap().to_owned()
}

fn subjects(got: &[Value]) -> Vec<(String, String)> {
    got.iter().map(|g| (g["subject"].as_str().unwrap_or_default().to_owned(), to(g))).collect()
}

async fn settle(catcher: &Catcher, n: usize) -> Vec<Value> {
    catcher.wait_for(n, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    catcher.messages()
}

#[tokio::test]
async fn news_goes_once_only_to_donors_who_opted_in_and_did_not_unsubscribe() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    let pledge = |amount: i64, email: &str, news: bool| {
        let mut b = pledge_body(amount, email);
        b["news"] = news.into();
        b
    };
    // The crowd target is € 30.000 (half of the € 60.000 budget); € 5.000 a pledge at most.
    m.app.pledge_ok("utrecht", &pledge(500_000, "wil@example.nl", true)).await;
    m.app.pledge_ok("utrecht", &pledge(500_000, "nee@example.nl", false)).await;
    m.app.pledge_ok("utrecht", &pledge(500_000, "afgemeld@example.nl", true)).await;
    m.app.pledge_ok("utrecht", &pledge(500_000, "twee@example.nl", true)).await;
    assert_eq!(m.cofund.queue_automatic_news(now(), now()).await.unwrap(), 0, "target not reached yet");
    m.app.pledge_ok("utrecht", &pledge(500_000, "Twee@Example.nl", true)).await;
    // Without the flag: not opted in (off by default).
    m.app.pledge_ok("utrecht", &pledge_body(500_000, "stil@example.nl")).await;
    let got = settle(&catcher, 6).await;
    assert_eq!(got.len(), 6, "six confirmations: {:#?}", subjects(&got));
    let off = got.iter().find(|g| to(g).contains("afgemeld@example.nl")).unwrap();
    let link = off["headers"]["list-unsubscribe"].as_str().unwrap().trim_matches(|c| c == '<' || c == '>').to_owned();
    let path = &link[link.find("/mail/unsubscribe").unwrap()..];
    assert_eq!(m.app.client.post(m.app.url(path)).send().await.unwrap().status(), 200);

    // Target reached: news once, to the two who opted in and did not unsubscribe (the
    // donor with two pledges gets one message).
    assert_eq!(m.cofund.queue_automatic_news(now(), now()).await.unwrap(), 2);
    assert_eq!(m.cofund.queue_automatic_news(now(), now()).await.unwrap(), 0, "once per cohort");
    let got = settle(&catcher, 8).await;
    let news: Vec<&Value> = got.iter().filter(|g| g["subject"].as_str().unwrap().starts_with("Doel bereikt")).collect();
    assert_eq!(news.len(), 2, "{:#?}", subjects(&got));
    let mut to_whom: Vec<String> = news.iter().map(|g| to(g)).collect();
    to_whom.sort();
    assert!(to_whom[0].contains("twee@example.nl") || to_whom[0].contains("Twee@Example.nl"), "{to_whom:?}");
    assert!(to_whom[1].contains("wil@example.nl"), "{to_whom:?}");
    assert!(text(news[0]).contains("€ 30.000,00"), "{}", text(news[0]));
    assert!(news[0]["headers"]["list-unsubscribe"].as_str().is_some());
    // Paced: the second message was due a second after the first (60 a minute).
    let mut due: Vec<i64> = m
        .cofund
        .outbox(Some("utrecht"), 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.message.kind.as_str() == "news")
        .map(|e| e.next_attempt_at.0)
        .collect();
    due.sort();
    assert_eq!(due[1] - due[0], 1);

    // The coordinator's update: refused without a subject (the field named), else to the same two.
    let post = |body: Value| {
        m.app.client.post(m.app.url("/api/v1/admin/cohorts/utrecht/news")).bearer_auth(&m.app.token).json(&body).send()
    };
    let (status, _, fields) =
        helpers::error_of(post(serde_json::json!({"subject": " ", "body": "x"})).await.unwrap()).await;
    assert_eq!((status, fields), (422, vec!["subject".to_owned()]));
    let r =
        post(serde_json::json!({"subject": "De moestuin\r\nBcc: x@example.org", "body": "Eerste oogst!\n\nDank je."}))
            .await
            .unwrap();
    assert_eq!(r.status(), 422, "a subject with a line break is refused");
    let r = post(serde_json::json!({"subject": "De eerste oogst", "body": "De moestuin bloeit.\n\nDank je wel."}))
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["queued"], 2);
    let got = settle(&catcher, 10).await;
    let updates: Vec<&Value> =
        got.iter().filter(|g| g["subject"] == "Starters4Communities utrecht: De eerste oogst").collect();
    assert_eq!(updates.len(), 2, "{:#?}", subjects(&got));
    assert!(text(updates[0]).contains("De moestuin bloeit."));

    // The campaign closed: news with the result, once.
    let closed = Timestamp(now().0 + 21 * DAY);
    assert_eq!(m.cofund.queue_automatic_news(closed, now()).await.unwrap(), 2);
    assert_eq!(m.cofund.queue_automatic_news(closed, now()).await.unwrap(), 0);
    let got = settle(&catcher, 12).await;
    assert_eq!(got.len(), 12, "{:#?}", subjects(&got));
    let result = got.iter().find(|g| g["subject"].as_str().unwrap().starts_with("Campagne gesloten")).unwrap();
    assert!(text(result).contains("€ 30.000,00") && text(result).contains("Het doel is gehaald"), "{}", text(result));
    // Nobody who did not opt in, or unsubscribed, got anything but their confirmation.
    for quiet in ["nee@example.nl", "afgemeld@example.nl", "stil@example.nl"] {
        assert_eq!(got.iter().filter(|g| to(g).contains(quiet)).count(), 1, "{quiet}");
    }
    let news_list: Value = m
        .app
        .client
        .get(m.app.url("/api/v1/admin/cohorts/utrecht/news"))
        .bearer_auth(&m.app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = news_list["news"].as_array().unwrap().iter().map(|n| n["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), 3, "{news_list}");
}

#[tokio::test]
async fn the_gift_statement_is_exact_and_an_anonymised_donor_appears_nowhere() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    let mut def = definition("utrecht");
    def["anbi"] = serde_json::json!({"organisation": "Stichting Starters4Communities", "rsin": "123456789"});
    let r = m.app.put_cohort_with("utrecht", &def, &m.app.token).await;
    let (status, _, fields) = helpers::error_of(r).await;
    assert_eq!((status, fields), (422, vec!["anbi.rsin".to_owned()]), "the eleven test");
    def["anbi"]["rsin"] = "123456782".into();
    m.app.cohort("utrecht", def).await;

    let secret = |amount: i64| {
        let mut b = pledge_body(amount, "Geheim@Example.nl");
        b["name"] = "Gerrit Geheim".into();
        b["message"] = "Mijn geheime boodschap".into();
        b["news"] = true.into();
        b
    };
    let first = m.app.pledge_ok("utrecht", &secret(2550)).await;
    let second = m.app.pledge_ok("utrecht", &secret(123_456)).await;
    m.app.pledge_ok("utrecht", &secret(1000)).await; // stays pledged: no gift
    m.app.pledge_ok("utrecht", &pledge_body(5000, "ander@example.nl")).await;
    for p in [&first, &second] {
        let id = p["pledge"]["id"].as_str().unwrap();
        assert_eq!(m.app.admin_post(&format!("/api/v1/admin/pledges/{id}/confirm")).await.status(), 200);
    }
    let got = settle(&catcher, 6).await;
    assert_eq!(got.len(), 6, "{:#?}", subjects(&got));
    let mine = got.iter().find(|g| to(g).contains("Geheim@Example.nl")).unwrap();
    let path = donor_path(mine);

    // The donor's page: their three pledges, not the other donor's.
    let page = m.app.get(&path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for p in [&first, &second] {
        assert!(html.contains(p["payment"]["reference"].as_str().unwrap()));
    }
    assert!(html.contains("Gerrit Geheim") && !html.contains("ander@example.nl"));
    let forged = path.replace("&t=", "&t=0");
    assert_eq!(m.app.get(&forged).await.status(), 404);
    let data: Value = m.app.get(&path.replace("/mail/donor?", "/mail/donor/data.json?")).await.json().await.unwrap();
    assert_eq!(data["pledges"].as_array().unwrap().len(), 3);
    assert_eq!(data["pledges"][0]["email"], "Geheim@Example.nl");

    // The statement of this year: the two received gifts, exact, and their total.
    let year = now().date_utc().ymd().0;
    let statement = m.app.get(&format!("{}&year={year}", path.replace("/mail/donor?", "/mail/donor/statement?"))).await;
    assert_eq!(statement.status(), 200);
    let s = statement.text().await.unwrap();
    assert!(s.contains("Stichting Starters4Communities") && s.contains("123456782"), "{s}");
    assert!(s.contains("€ 25,50") && s.contains("€ 1.234,56"), "each gift: {s}");
    assert!(s.contains("€ 1.260,06"), "the total 25,50 + 1.234,56: {s}");
    assert!(!s.contains("€ 10,00"), "a pledge not received is no gift");
    let last_year =
        m.app.get(&format!("{}&year={}", path.replace("/mail/donor?", "/mail/donor/statement?"), year - 1)).await;
    assert!(!last_year.text().await.unwrap().contains("€ 1.260,06"));

    // Anonymise: name, e-mail and message go everywhere; amounts, references and the
    // backer count stay.
    let backers_before = m.app.document("utrecht").await["crowd"]["backers"].clone();
    let r = m.app.client.post(m.app.url(&path.replace("/mail/donor?", "/mail/donor/anonymise?"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let gone = |haystack: &str, what: &str| {
        for needle in ["geheim@example.nl", "Geheim@Example.nl", "Gerrit Geheim", "Mijn geheime boodschap"] {
            assert!(!haystack.contains(needle), "{what} still holds {needle:?}");
        }
    };
    let doc = m.app.document_when("utrecht", |d| d["crowd"]["backers"] == backers_before).await;
    gone(&doc.to_string(), "the document");
    let admin_get = |p: &str| m.app.client.get(m.app.url(p)).bearer_auth(&m.app.token).send();
    let csv = admin_get("/api/v1/admin/cohorts/utrecht/pledges.csv").await.unwrap().text().await.unwrap();
    gone(&csv, "the CSV");
    assert_eq!(csv.matches("(geanonimiseerd)").count(), 3, "{csv}");
    assert!(csv.contains(first["payment"]["reference"].as_str().unwrap()), "references stay");
    let pledges = admin_get("/api/v1/admin/cohorts/utrecht/pledges").await.unwrap().text().await.unwrap();
    gone(&pledges, "the admin API");
    assert_eq!(pledges.matches("\"anonymised_at\":\"").count(), 3);
    let outbox = admin_get("/api/v1/admin/cohorts/utrecht/outbox").await.unwrap().text().await.unwrap();
    gone(&outbox, "the admin outbox");
    for e in m.cofund.outbox(Some("utrecht"), 100).await.unwrap() {
        let msg = &e.message;
        let kept =
            format!("{} {:?} {} {} {}", msg.recipient, msg.recipient_name, msg.subject, msg.text_body, msg.html_body);
        gone(&kept, "the outbox bodies kept");
    }
    let public = m.app.get("/api/v1/cohorts/utrecht/pledges").await.text().await.unwrap();
    gone(&public, "the public pledge list");
    // The link now finds nothing; no news reaches them.
    assert!(m.app.get(&path).await.text().await.unwrap().contains("geen toezeggingen"));
}

#[tokio::test]
async fn a_failed_message_is_retried_by_a_coordinator() {
    let mail_dir = tempfile::tempdir().unwrap();
    let (catcher, port) = Catcher::start_free(mail_dir.path(), None, 0);
    let m = spawn_mail(port, None).await;
    m.app.open_cohort("utrecht").await;
    m.app.pledge_ok("utrecht", &pledge_body(2500, "ok@example.nl")).await;
    // An address the pledge rules take but that is no mailbox (a comment in it):
    // failed for good, never sent elsewhere.
    m.app.pledge_ok("utrecht", &pledge_body(2500, "a(b)@example.nl")).await;
    catcher.wait_for(1, Duration::from_secs(20)).await;
    let failed = || async {
        m.cofund.outbox(Some("utrecht"), 10).await.unwrap().into_iter().find(|e| e.status.as_str() == "failed")
    };
    let started = Instant::now();
    while failed().await.is_none() && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let entry = failed().await.expect("the message to a(b)@example.nl failed");
    assert_eq!(entry.attempts, 1);
    let sent = m.cofund.outbox(Some("utrecht"), 10).await.unwrap().into_iter().find(|e| e.status.as_str() == "sent");
    let r = m.app.admin_post(&format!("/api/v1/admin/cohorts/utrecht/outbox/{}/retry", sent.unwrap().message.id)).await;
    assert_eq!(r.status(), 404, "a sent message is not sent again");
    let r = m.app.admin_post(&format!("/api/v1/admin/cohorts/utrecht/outbox/{}/retry", entry.message.id)).await;
    assert_eq!(r.status(), 202);
    // Tried once more (and, the address being what it is, failed again).
    let started = Instant::now();
    loop {
        let e =
            m.cofund.outbox(Some("utrecht"), 10).await.unwrap().into_iter().find(|e| e.message.id == entry.message.id);
        if e.as_ref().is_some_and(|e| e.attempts == 2) {
            assert_eq!(e.unwrap().status.as_str(), "failed");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the retry was attempted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(catcher.messages().len(), 1, "only ok@example.nl got mail");
}

/// STARTTLS against a server whose certificate is self-signed: the test's SMTP server
/// makes one for 127.0.0.1 and writes it out; the client is told to trust it through
/// `smtp_ca_file` (added to the system's roots; the name is still checked). Without
/// it, STARTTLS fails and the message waits; with it, it is delivered, with AUTH
/// inside TLS.
#[tokio::test]
async fn starttls_with_a_self_signed_certificate_the_client_is_told_to_trust() {
    let mail_dir = tempfile::tempdir().unwrap();
    let cert_dir = tempfile::tempdir().unwrap();
    let cert = cert_dir.path().join("smtp-ca.pem");
    let auth = ("cofund", "tls-wachtwoord");
    let (catcher, port) = Catcher::start_free_starttls(mail_dir.path(), Some(auth), &cert);
    let settings = |ca: Option<String>| {
        SmtpSettings::from_input(SmtpInput {
            url: Some(format!("smtp://127.0.0.1:{port}")),
            user: Some(auth.0.into()),
            password: Some(auth.1.into()),
            from: Some("Starters4Communities <noreply@starters4communities.nl>".into()),
            ca_file: ca,
            ..Default::default()
        })
        .unwrap()
    };
    // Not trusted: nothing is delivered; the message waits with the TLS error.
    let untrusted = spawn_mail_with(port, None, |s| s.mail = settings(None)).await;
    untrusted.app.open_cohort("utrecht").await;
    untrusted.app.pledge_ok("utrecht", &pledge_body(2500, "niet@example.nl")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(catcher.messages().is_empty());
    let waiting = untrusted.cofund.outbox(Some("utrecht"), 10).await.unwrap();
    assert_eq!(waiting[0].status.as_str(), "waiting");
    assert!(waiting[0].last_error.is_some());
    assert!(!waiting[0].last_error.as_deref().unwrap().contains(auth.1));

    // Trusted: delivered over STARTTLS (the server refuses anything before it).
    let m = spawn_mail_with(port, None, |s| s.mail = settings(Some(cert.to_str().unwrap().to_owned()))).await;
    m.app.open_cohort("utrecht").await;
    m.app.pledge_ok("utrecht", &pledge_body(2500, "tls@example.nl")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let state = m.cofund.outbox(Some("utrecht"), 10).await.unwrap();
    assert!(state[0].last_error.is_none(), "{:?}", state[0].last_error);
    let got = catcher.wait_for(1, Duration::from_secs(20)).await;
    assert!(to(&got[0]).contains("tls@example.nl"));
    assert_eq!(m.cofund.outbox(Some("utrecht"), 10).await.unwrap()[0].status.as_str(), "sent");
}

/// The SMTP password is neither logged (at debug level: the start-up line, failing
/// deliveries) nor shown by `cofund mail outbox`.
#[tokio::test]
async fn the_smtp_password_is_never_logged_or_shown() {
    use std::process::{Command, Stdio};
    let bin = std::env::var("COFUND_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cofund").to_owned());
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: every attempt fails and is logged (aiosmtpd answers a
    // wrong password only after a long pause, too long for this test).
    let smtp_port = free_port();
    let secret = "Pw-s3cr3t-nooit-zichtbaar";
    let db = format!("sqlite:{}", dir.path().join("cofund.db").display());
    let def = dir.path().join("utrecht.json");
    std::fs::write(&def, definition("utrecht").to_string()).unwrap();
    let out = Command::new(&bin).args(["cohort", "put"]).arg(&def).args(["--database", &db]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let port = free_port();
    let log = dir.path().join("server.log");
    let mut child = Command::new(&bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--database", &db])
        .env("COFUND_LOG", "debug")
        .env("COFUND_SMTP_URL", format!("smtp://cofund@127.0.0.1:{smtp_port}?tls=none"))
        .env("COFUND_SMTP_PASSWORD", secret)
        .env("COFUND_MAIL_FROM", "noreply@starters4communities.nl")
        .env("COFUND_MAIL_RETRY_SECS", "1")
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(dir.path().join("server.err")).unwrap()))
        .spawn()
        .unwrap();
    let client = Client::new();
    let mut healthy = false;
    for _ in 0..400 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(healthy, "the server starts");
    let r = client
        .post(format!("http://127.0.0.1:{port}/api/v1/cohorts/utrecht/pledges"))
        .header("Idempotency-Key", key())
        .json(&pledge_body(2500, "a@example.nl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let read_log = || {
        std::fs::read_to_string(&log).unwrap_or_default()
            + &std::fs::read_to_string(dir.path().join("server.err")).unwrap_or_default()
    };
    let started = Instant::now();
    while !read_log().contains("sending an e-mail failed") && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();
    let logged = read_log();
    assert!(logged.contains("sending an e-mail failed"), "the failed delivery was logged: {logged}");
    assert!(logged.contains("e-mail to donors is on"), "the start-up line");
    assert!(!logged.contains(secret), "the password is in the log");
    let out = Command::new(&bin).args(["mail", "outbox", "--database", &db]).output().unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && shown.contains("a@example.nl"), "{shown}");
    assert!(!shown.contains(secret));
}

#[tokio::test]
async fn the_reminder_period_is_checked_by_cores_rule_and_saved_with_the_definition() {
    let app = helpers::spawn().await;
    app.open_cohort("utrecht").await;
    let path = "/api/v1/admin/cohorts/utrecht";
    for days in [0, 61] {
        let mut def = definition("utrecht");
        def["reminder_days"] = days.into();
        let r = app.put_cohort_with("utrecht", &def, &app.token).await;
        assert_eq!(r.status(), 422, "{days}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "reminder_days", "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "out_of_range", "{body}");
        assert_eq!(body["error"]["fields"][0]["max"], 60, "{body}");
    }
    // As the dashboard saves it: the definition as read, with only the period changed.
    let r = app.client.get(app.url(path)).bearer_auth(&app.token).send().await.unwrap();
    let mut def: Value = r.json().await.unwrap();
    def["reminder_days"] = 7.into();
    assert_eq!(app.put_cohort_with("utrecht", &def, &app.token).await.status(), 200);
    let r = app.client.get(app.url(path)).bearer_auth(&app.token).send().await.unwrap();
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["reminder_days"], 7);
    assert_eq!(stored["name"], def["name"]);
}
