//! Several `cofund serve` processes on one PostgreSQL database: no pledge is lost or
//! made twice across instances, their documents agree, one instance killed with SIGKILL
//! in the middle of a load loses nothing acknowledged (its unanswered pledges, retried on
//! the other with their keys, are each stored once) while the other serves on, and a
//! pledge on one reaches the streams of the other.
//! Needs `COFUND_TEST_POSTGRES` (scripts/test.sh starts a throw-away cluster).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use helpers::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

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

async fn serve(db: &str) -> Instance {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_cofund"))
        // Instances behind one load balancer share the public URL their links use.
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
        // Hundreds of pledges come from one loopback address here.
        .env("COFUND_PLEDGE_RATE_PER_MINUTE", "0")
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

/// A database with the cohort `multi`, set up with the CLI.
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

async fn post(client: &reqwest::Client, base: &str, key: &str, body: &Value) -> Option<(u16, Value)> {
    let r = client
        .post(format!("{base}/api/v1/cohorts/multi/pledges"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.ok()?))
}

/// How long an instance may serve a document that another instance's change replaced:
/// the periodic revision check's interval (a `NOTIFY` is usually there within ms).
const LIVE_BOUND: Duration = Duration::from_secs(6);

/// The document of `multi` on `base` once `ready` holds for it, waiting at most
/// [`LIVE_BOUND`].
async fn document_when(client: &reqwest::Client, base: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + LIVE_BOUND;
    loop {
        let doc: Value = client.get(format!("{base}/api/v1/cohorts/multi")).send().await.unwrap().json().await.unwrap();
        if ready(&doc) || std::time::Instant::now() > deadline {
            return doc;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conditional_get_on_the_other_instance_never_answers_304_for_a_replaced_document() {
    let db = database().await;
    let (a, b) = (serve(&db).await, serve(&db).await);
    let client = reqwest::Client::new();
    let url_b = format!("{}/api/v1/cohorts/multi", b.base);
    for round in 0..5i64 {
        // B has the document cached (a second GET is served from memory).
        let first = client.get(&url_b).send().await.unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let before: Value = first.json().await.unwrap();
        assert_eq!(client.get(&url_b).header("if-none-match", &etag).send().await.unwrap().status(), 304);

        let (status, _) = post(
            &client,
            &a.base,
            &format!("conditional-{round}"),
            &pledge_body(1000 + round, &format!("c{round}@example.nl")),
        )
        .await
        .unwrap();
        assert_eq!(status, 201);
        // Within the bound B answers the revalidation with the new document: 304s may
        // come only before it has heard of the change, never after a 200 with it.
        let deadline = std::time::Instant::now() + LIVE_BOUND;
        let after = loop {
            let r = client.get(&url_b).header("if-none-match", &etag).send().await.unwrap();
            if r.status() == 200 {
                assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
                break r.json::<Value>().await.unwrap();
            }
            assert_eq!(r.status(), 304);
            assert!(std::time::Instant::now() < deadline, "instance B still answers 304 after {LIVE_BOUND:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let moved =
            after["crowd"]["pledged_cents"].as_i64().unwrap() - before["crowd"]["pledged_cents"].as_i64().unwrap();
        assert_eq!(moved, 1000 + round, "the new document has the pledge");
        let r = client.get(&url_b).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 200, "once the new document was served, the old ETag never matches again");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_make_every_pledge_once_and_agree() {
    let db = database().await;
    let (a, b) = (serve(&db).await, serve(&db).await);
    let client = reqwest::Client::new();

    // 200 different pledges, alternating between the instances, all at once.
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            post(&client, &base, &format!("many-{i}"), &pledge_body(1000 + i, &format!("m{i}@example.nl"))).await
        }));
    }
    // 50 retries of one pledge with one key, split over both, at the same time.
    let retry = pledge_body(4242, "retry@example.nl");
    for i in 0..50 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let (client, retry) = (client.clone(), retry.clone());
        tasks.push(tokio::spawn(async move { post(&client, &base, "one-key", &retry).await }));
    }
    let mut ids = Vec::new();
    let mut retry_ids = HashSet::new();
    for (n, t) in tasks.into_iter().enumerate() {
        let (status, body) = t.await.unwrap().expect("an answer");
        assert_eq!(status, 201, "{body}");
        let id = body["pledge"]["id"].as_str().unwrap().to_owned();
        if n < 200 {
            ids.push(id);
        } else {
            retry_ids.insert(id);
        }
    }
    assert_eq!(retry_ids.len(), 1, "50 retries with one key made {} pledges", retry_ids.len());
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 200);

    let expected: i64 = (0..200).map(|i| 1000 + i).sum::<i64>() + 4242;
    // Each instance serves its cached document until it hears of a change: within the
    // live-event bound, both serve the totals of every pledge.
    let settled = |doc: &Value| doc["crowd"]["pledged_cents"] == expected;
    let doc_a = document_when(&client, &a.base, settled).await;
    let doc_b = document_when(&client, &b.base, settled).await;
    assert_eq!(doc_a["crowd"]["pledged_cents"], expected);
    assert_eq!(doc_a["crowd"]["backers"], 201);
    assert_eq!(doc_a, doc_b, "both instances serve the same document");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_instance_loses_no_acknowledged_pledge() {
    let db = database().await;
    let mut a = serve(&db).await;
    let b = serve(&db).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();

    let mut tasks = Vec::new();
    for i in 0..300i64 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let client = client.clone();
        let to_survivor = i % 2 == 1;
        tasks.push(tokio::spawn(async move {
            let key = format!("load-{i}");
            (
                to_survivor,
                post(&client, &base, &key, &pledge_body(500 + i, &format!("k{i}@example.nl"))).await.map(|r| (key, r)),
            )
        }));
        if i == 100 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            a.child.kill().unwrap(); // SIGKILL, with pledges in flight on it
            a.child.wait().unwrap();
        }
    }
    let mut acknowledged: HashMap<i64, String> = HashMap::new();
    let mut unanswered = Vec::new();
    let mut survivor_refused = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.unwrap() {
            (_, Some((_, (201, body)))) => {
                acknowledged.insert(i as i64, body["pledge"]["id"].as_str().unwrap().to_owned());
            }
            (true, other) => survivor_refused.push(format!("{other:?}")),
            // Sent to the killed instance and not answered: stored or not, the donor retries.
            (false, _) => unanswered.push(i as i64),
        }
    }
    assert!(survivor_refused.is_empty(), "the survivor must take every pledge sent to it: {survivor_refused:?}");

    // Each donor whose answer was lost retries on the survivor with the same key and body.
    for i in &unanswered {
        let (status, body) =
            post(&client, &b.base, &format!("load-{i}"), &pledge_body(500 + i, &format!("k{i}@example.nl")))
                .await
                .expect("an answer");
        assert_eq!(status, 201, "retry of load-{i}: {body}");
        acknowledged.insert(*i, body["pledge"]["id"].as_str().unwrap().to_owned());
    }

    // The survivor still takes pledges and serves the document.
    let (status, _) = post(&client, &b.base, "after-kill", &pledge_body(777, "after@example.nl")).await.unwrap();
    assert_eq!(status, 201);

    let storage = cofund_server::storage::open(&cofund_server::storage::DatabaseLocation::Postgres(db)).await.unwrap();
    let rows = storage.all_pledges("multi").await.unwrap().unwrap();
    // Every key made exactly one pledge (each key's pledge has its own e-mail address),
    // and it is the one its answer named.
    assert_eq!(rows.len(), 301, "300 keys and one pledge after the kill");
    for i in 0..300i64 {
        let email = format!("k{i}@example.nl");
        let of_key: Vec<_> = rows.iter().filter(|r| r.email == email).collect();
        assert_eq!(of_key.len(), 1, "key load-{i} made {} pledges", of_key.len());
        assert_eq!(
            Some(&of_key[0].id),
            acknowledged.get(&i),
            "key load-{i}: the stored pledge is the acknowledged one"
        );
    }
    let doc: Value = client.get(format!("{}/api/v1/cohorts/multi", b.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["crowd"]["pledged_cents"], rows.iter().map(|r| r.amount_cents).sum::<i64>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pledge_on_one_instance_reaches_streams_on_the_other() {
    let db = database().await;
    let (a, b) = (serve(&db).await, serve(&db).await);
    let mut events = Events::of(Events::open(&format!("{}/api/v1/cohorts/multi/events", b.base), None).await);
    let first = events.next(Duration::from_secs(5)).await.expect("the current state");
    let client = reqwest::Client::new();
    let (status, _) = post(&client, &a.base, "cross", &pledge_body(3100, "cross@example.nl")).await.unwrap();
    assert_eq!(status, 201);
    // Waits for the event; how fast it comes is a figure for a benchmark, not a test.
    let e = events.next(Duration::from_secs(30)).await.expect("the pledge made on the other instance");
    assert!(e.id.unwrap().parse::<i64>().unwrap() > first.id.unwrap().parse::<i64>().unwrap());
    assert_eq!(serde_json::from_str::<Value>(&e.data).unwrap()["crowd"]["pledged_cents"], 3100);
}

/// The programme pot test's pot: € 2.000, 1:1, at most € 25 a gift and € 900 a cohort.
const POT_CENTS: i64 = 200_000;
const POT_COHORTS: [&str; 3] = ["pot-a", "pot-b", "pot-c"];

/// A database with three cohorts of the programme and its pot, set up with the CLI.
async fn pot_database() -> String {
    let db = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let cli = |args: Vec<std::ffi::OsString>| {
        let out = Command::new(env!("CARGO_BIN_EXE_cofund")).args(args).args(["--database", &db]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    for slug in POT_COHORTS {
        let file = dir.path().join(format!("{slug}.json"));
        std::fs::write(&file, definition(slug).to_string()).unwrap();
        cli(vec!["cohort".into(), "put".into(), file.into()]);
    }
    let settings = serde_json::json!({
        "name": PROGRAMME,
        "pot": {
            "name": "Vermenigvuldigingspot",
            "funders": [{"name": "Oranje Fonds", "amount_cents": 150_000}, {"name": "Provincie", "amount_cents": 50_000}],
            "pot_cents": POT_CENTS, "ratio_bps": 10_000, "cap_per_gift_cents": 2_500, "cap_per_cohort_cents": 90_000
        },
        "impact": []
    });
    let file = dir.path().join("programme.json");
    std::fs::write(&file, settings.to_string()).unwrap();
    cli(vec!["programme".into(), "put".into(), "starters4communities".into(), file.into()]);
    db
}

/// What one cohort document says of the pot: (added, left, exhausted).
fn pot_of(doc: &Value) -> (i64, i64, bool) {
    let p = &doc["pot"];
    (p["added_cents"].as_i64().expect("pot.added_cents"), p["left_cents"].as_i64().unwrap(), p["exhausted"] == true)
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Checks what one reading shows of the pot: never beyond it or a cohort's cap, and the
/// programme document (one allocation) accounts for every cent.
async fn check_pot(client: &reqwest::Client, base: &str) {
    for slug in POT_COHORTS {
        let (added, left, exhausted) = pot_of(&get_json(client, format!("{base}/api/v1/cohorts/{slug}")).await);
        assert!((0..=90_000).contains(&added), "{slug} got {added} from the pot, beyond its cap");
        assert!((0..=POT_CENTS).contains(&left) && added <= POT_CENTS - left, "{slug}: added {added}, left {left}");
        assert_eq!(exhausted, left == 0);
    }
    let programme = get_json(client, format!("{base}/api/v1/programmes/starters4communities")).await;
    let given: i64 =
        programme["pot"]["per_cohort"].as_array().unwrap().iter().map(|c| c["added_cents"].as_i64().unwrap()).sum();
    let left = programme["pot"]["left_cents"].as_i64().unwrap();
    assert!(given <= POT_CENTS, "the pot gave {given} of {POT_CENTS}");
    assert_eq!(given + left, POT_CENTS, "the programme document accounts for every cent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_cohorts_share_a_pot_over_two_instances_never_beyond_it_and_to_the_cent_once_it_runs_out() {
    let db = pot_database().await;
    let (a, b) = (serve(&db).await, serve(&db).await);
    let client = reqwest::Client::new();

    // Readers on both instances check every reading while the pledges come in.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for base in [a.base.clone(), b.base.clone()] {
        let (client, done) = (client.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut readings = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                check_pot(&client, &base).await;
                readings += 1;
            }
            readings
        }));
    }

    // 300 pledges of € 10 to € 29,98 at once, spread over both instances and the three
    // cohorts: about € 6.000 of crowd money for a pot of € 2.000.
    let mut tasks = Vec::new();
    let mut per_cohort = [0i64; 3];
    for i in 0..300i64 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let cohort = (i % 3) as usize;
        let amount = 1_000 + (i * 37) % 2_000;
        per_cohort[cohort] += amount;
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(format!("{base}/api/v1/cohorts/{}/pledges", POT_COHORTS[cohort]))
                .header("Idempotency-Key", format!("pot-{i}"))
                .json(&pledge_body(amount, &format!("p{i}@example.nl")))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }

    // Both instances settle on every pledge within the bound, and then agree.
    let deadline = std::time::Instant::now() + LIVE_BOUND;
    let docs = loop {
        let mut docs = Vec::new();
        for base in [&a.base, &b.base] {
            for slug in POT_COHORTS {
                docs.push(get_json(&client, format!("{base}/api/v1/cohorts/{slug}")).await);
            }
        }
        let settled = docs.iter().enumerate().all(|(i, d)| d["crowd"]["pledged_cents"] == per_cohort[i % 3]);
        if settled || std::time::Instant::now() > deadline {
            break docs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for r in readers {
        assert!(r.await.unwrap() > 0, "each instance was read during the load");
    }
    check_pot(&client, &a.base).await;
    check_pot(&client, &b.base).await;
    for i in 0..3 {
        assert_eq!(docs[i]["crowd"]["pledged_cents"], per_cohort[i], "{}", POT_COHORTS[i]);
        assert_eq!(docs[i], docs[i + 3], "both instances serve the same document of {}", POT_COHORTS[i]);
    }
    // The pot ran out: what it gave the three cohorts is the pot, to the cent.
    let given: i64 = docs[..3].iter().map(|d| pot_of(d).0).sum();
    assert_eq!(given, POT_CENTS);
    assert!(docs.iter().all(|d| pot_of(d).1 == 0 && pot_of(d).2), "every widget says the pot is empty");

    // And it is the allocation of the stored pledges, recomputed here from scratch.
    let storage = cofund_server::storage::open(&cofund_server::storage::DatabaseLocation::Postgres(db)).await.unwrap();
    let mut rows = Vec::new();
    for slug in POT_COHORTS {
        rows.push(storage.all_pledges(slug).await.unwrap().unwrap());
    }
    let donors: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().map(|p| cofund_server::domain::backer_key(&p.email)).collect()).collect();
    let mut gifts = Vec::new();
    for (c, (r, d)) in rows.iter().zip(&donors).enumerate() {
        gifts.extend(
            cofund_server::domain::programmes::gifts(r, d)
                .into_iter()
                .map(|gift| cofund_core::pot::PotGift { cohort: c, gift }),
        );
    }
    let pot = cofund_core::pot::Pot {
        pot_cents: POT_CENTS,
        ratio_bps: 10_000,
        cap_per_gift_cents: Some(2_500),
        cap_per_cohort_cents: Some(90_000),
    };
    let allocation = cofund_core::pot::allocate(&pot, 3, &gifts);
    let served: Vec<i64> = docs[..3].iter().map(|d| pot_of(d).0).collect();
    assert_eq!(served, allocation.per_cohort_cents);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pledge_in_one_cohort_on_one_instance_reaches_the_streams_of_its_sibling_on_the_other() {
    let db = pot_database().await;
    let (a, b) = (serve(&db).await, serve(&db).await);
    let mut sibling = Events::of(Events::open(&format!("{}/api/v1/cohorts/pot-b/events", b.base), None).await);
    let first = sibling.next(Duration::from_secs(5)).await.expect("the current state");
    let mut programme =
        Events::of(Events::open(&format!("{}/api/v1/programmes/starters4communities/events", b.base), None).await);
    programme.next(Duration::from_secs(5)).await.expect("the programme's current state");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/cohorts/pot-a/pledges", a.base))
        .header("Idempotency-Key", "sibling")
        .json(&pledge_body(2_000, "sibling@example.nl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Waits for the events; how fast they come is a figure for a benchmark, not a test.
    let e = sibling.next(Duration::from_secs(30)).await.expect("pot-b hears of pot-a's pledge on the other instance");
    assert!(e.id.unwrap().parse::<i64>().unwrap() > first.id.unwrap().parse::<i64>().unwrap());
    let data: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!(data["pot"]["left_cents"], POT_CENTS - 2_000);
    assert_eq!(data["crowd"]["pledged_cents"], 0, "pot-b's own crowd did not move");
    let p = programme.next(Duration::from_secs(30)).await.expect("the programme's stream hears of it");
    let data: Value = serde_json::from_str(&p.data).unwrap();
    assert_eq!(data["pot"]["left_cents"], POT_CENTS - 2_000);
}
