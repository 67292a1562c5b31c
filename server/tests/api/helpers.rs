use cofund_core::Timestamp;
use cofund_server::config::Settings;
use cofund_server::storage::{DatabaseLocation, Storage};
use cofund_server::Application;
use futures_util::StreamExt;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const PROGRAMME: &str = "Starters4Communities";
pub const ORIGIN: &str = "https://www.starters4communities.nl";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// An unlimited admin token.
    pub token: String,
    pub storage: Arc<dyn Storage>,
    pub _dir: tempfile::TempDir,
}

static KEYS: AtomicU64 = AtomicU64::new(0);

/// A fresh idempotency key.
pub fn key() -> String {
    format!("test-key-{}-{}", std::process::id(), KEYS.fetch_add(1, Ordering::Relaxed))
}

pub fn now() -> Timestamp {
    cofund_server::domain::now()
}

/// RFC 3339 of now plus `days`.
pub fn days(d: i64) -> String {
    Timestamp(now().0 + d * 86_400).to_rfc3339()
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// The backend the suite runs on: `COFUND_TEST_BACKEND=postgres` with
/// `COFUND_TEST_POSTGRES` (a URL of a throw-away cluster, see scripts/lib/postgres.sh)
/// runs every test on its own fresh PostgreSQL database; otherwise each test gets its
/// own SQLite file in `dir`.
pub async fn test_database(dir: &std::path::Path, name: &str) -> DatabaseLocation {
    match std::env::var("COFUND_TEST_BACKEND").as_deref() {
        Ok("postgres") => DatabaseLocation::Postgres(fresh_postgres_database().await),
        Ok("sqlite") | Err(_) => DatabaseLocation::Sqlite(dir.join(format!("{name}.db"))),
        Ok(other) => panic!("COFUND_TEST_BACKEND={other:?}: use sqlite or postgres"),
    }
}

/// The database URL as the `--database` argument of the binary.
pub fn database_arg(location: &DatabaseLocation) -> std::ffi::OsString {
    match location {
        DatabaseLocation::Sqlite(p) => p.clone().into_os_string(),
        DatabaseLocation::Postgres(url) => url.into(),
    }
}

/// Creates an empty database in the cluster of `COFUND_TEST_POSTGRES` and returns its URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let base = std::env::var("COFUND_TEST_POSTGRES")
        .expect("COFUND_TEST_POSTGRES: the URL of a PostgreSQL cluster for tests (scripts/test.sh starts one)");
    static DATABASES: AtomicU64 = AtomicU64::new(0);
    let name = format!("t_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connecting to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("creating a test database");
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database name");
    format!("{prefix}/{name}")
}

pub async fn spawn_with(f: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut settings = Settings::for_tests(&dir.path().join("cofund.db"));
    settings.database = test_database(dir.path(), "cofund").await;
    settings.widget_dir = dir.path().join("dist");
    f(&mut settings);
    let app = Application::build(settings).await.expect("the application builds");
    let storage = app.storage();
    let (_, token) = storage.create_token(None, Some("tests".into()), now()).await.expect("a token");
    let address = app.address();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, client: Client::new(), token, storage, _dir: dir }
}

/// A valid cohort definition with an open campaign.
pub fn definition(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": format!("Starters4Communities {slug}"),
        "programme": {"name": PROGRAMME, "url": "https://starters4communities.nl"},
        "locale": "nl-NL",
        "currency": "EUR",
        "budget_cents": 6_000_000,
        "campaign": {"opens_at": days(-10), "closes_at": days(20)},
        "own_contributions": {"participants": 20, "per_participant_cents": 15_000, "received": 3},
        "crowd": {"target_share_bps": 5000, "suggested_cents": [1000, 2500, 5000], "min_cents": 500, "max_cents": 500_000},
        "stakeholders": [
            {"name": "Gemeente Utrecht", "kind": "municipality", "status": "committed", "amount_cents": 1_200_000,
             "match": {"ratio_bps": 5000, "cap_cents": 600_000}}
        ],
        "initiatives": [{"name": "Buurtmoestuin De Pioen"}],
        "links": {"page": "https://starters4communities.nl/utrecht"},
        "payment": {"iban": "NL91ABNA0417164300", "account_holder": "Stichting Starters4Communities", "reference_prefix": "S4C-UTR"},
        "allowed_origins": [ORIGIN, "http://localhost:*"]
    })
}

/// A valid pledge body.
pub fn pledge_body(amount: i64, email: &str) -> Value {
    json!({"amount_cents": amount, "name": "Fatima El Amrani", "show_name": true, "show_amount": true,
           "email": email, "message": "Zet hem op!", "consent": true})
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn put_cohort_with(&self, slug: &str, def: &Value, token: &str) -> Response {
        self.client
            .put(self.url(&format!("/api/v1/admin/cohorts/{slug}")))
            .bearer_auth(token)
            .json(def)
            .send()
            .await
            .expect("request")
    }

    /// Creates a cohort; panics unless it is created.
    pub async fn cohort(&self, slug: &str, def: Value) {
        let r = self.put_cohort_with(slug, &def, &self.token).await;
        let status = r.status();
        assert!(status.is_success(), "put cohort {slug}: {status} {}", r.text().await.unwrap());
    }

    pub async fn open_cohort(&self, slug: &str) {
        self.cohort(slug, definition(slug)).await
    }

    pub async fn pledge(&self, slug: &str, key: &str, body: &Value) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/cohorts/{slug}/pledges")))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Pledges; panics unless `201`. Returns the response body.
    pub async fn pledge_ok(&self, slug: &str, body: &Value) -> Value {
        let r = self.pledge(slug, &key(), body).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, 201, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn document(&self, slug: &str) -> Value {
        let r = self.client.get(self.url(&format!("/api/v1/cohorts/{slug}"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The document once `ready` holds for it, waiting at most 6 s: changes made beside
    /// the server (the CLI on the same SQLite file) reach its cached document through
    /// the revision check every 5 s.
    pub async fn document_when(&self, slug: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(6);
        loop {
            let doc = self.document(slug).await;
            if ready(&doc) || std::time::Instant::now() > deadline {
                return doc;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn admin_post(&self, path: &str) -> Response {
        self.client.post(self.url(path)).bearer_auth(&self.token).send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// The error code and field names of an error response.
pub async fn error_of(r: Response) -> (u16, String, Vec<String>) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("a JSON error body");
    let code = v["error"]["code"].as_str().expect("error.code").to_owned();
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "error.message: {v}");
    let fields = v["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    (status, code, fields)
}

/// An open event stream, read event by event.
pub struct Events {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

/// One event: its `id`, `event` name and `data`.
#[derive(Debug)]
pub struct Sse {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl Events {
    pub async fn open(url: &str, last_event_id: Option<&str>) -> reqwest::Response {
        let mut req = reqwest::Client::new().get(url).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        req.send().await.unwrap()
    }

    pub fn of(resp: reqwest::Response) -> Events {
        Events { body: Box::pin(resp.bytes_stream()), buffer: String::new() }
    }

    /// The next event (heartbeat comments skipped), or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Sse> {
        tokio::time::timeout(wait, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut e = Sse { id: None, event: None, data: String::new() };
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            e.id = Some(v.trim().to_owned());
                        } else if let Some(v) = line.strip_prefix("event:") {
                            e.event = Some(v.trim().to_owned());
                        } else if let Some(v) = line.strip_prefix("data:") {
                            e.data.push_str(v.trim_start());
                        }
                    }
                    if e.event.is_some() || !e.data.is_empty() {
                        return e;
                    }
                    continue;
                }
                let chunk = self.body.next().await.expect("the stream stays open").unwrap();
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .ok()
    }
}
