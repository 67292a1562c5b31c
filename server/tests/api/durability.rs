//! The real binary, killed with SIGKILL: every acknowledged pledge is still there.

use crate::helpers::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn start(db: &cofund_server::storage::DatabaseLocation, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--database"])
        .arg(database_arg(db))
        .env("COFUND_LOG", "warn")
        // Hundreds of pledges come from one loopback address here.
        .env("COFUND_PLEDGE_RATE_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cofund starts");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
            if r.status() == 200 {
                return child;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not become healthy");
}

/// A number in `range` that differs from run to run (no RNG crate needed).
fn random_in(range: std::ops::Range<usize>) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    range.start + (h.finish() as usize) % (range.end - range.start)
}

/// The server is killed while pledges are really in flight: 32 clients pledging without
/// pause on a multi-threaded runtime, the kill after a random number of
/// acknowledgements. Every
/// acknowledged pledge is stored; every unanswered one, retried after the restart with
/// its key, is stored exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_pledges_survive_kill_9() {
    stopped_mid_load(Stop::Kill).await;
}

/// SIGTERM while pledges arrive (group commits under way): each pledge is acknowledged
/// and stored, or not acknowledged at all; never acknowledged and lost. The server exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_during_a_pledge_load_acknowledges_only_what_is_stored() {
    stopped_mid_load(Stop::Term).await;
}

fn email(client: usize, n: usize) -> String {
    format!("d{client}-{n}@example.nl")
}

/// The pledge client `client` makes as its `n`th: one amount and address per key.
fn pledge(client: usize, n: usize) -> serde_json::Value {
    pledge_body(1000 + (client * 1000 + n) as i64, &email(client, n))
}

/// `k{client}-{n}` back to its parts.
fn parse_key(key: &str) -> (usize, usize) {
    let (c, n) = key.trim_start_matches('k').split_once('-').expect("k{client}-{n}");
    (c.parse().unwrap(), n.parse().unwrap())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    Kill,
    Term,
}

async fn stopped_mid_load(stop: Stop) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "durable").await;
    // Set up the cohort and a token with the CLI, straight on the database.
    let def_path = dir.path().join("cohort.json");
    std::fs::write(&def_path, definition("durable").to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["cohort", "put"])
        .arg(&def_path)
        .arg("--database")
        .arg(database_arg(&db))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let port = free_port();
    let mut child = start(&db, port).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/cohorts/durable/pledges");
    // Clients that keep pledging, each its next pledge as soon as the last is answered,
    // until the server is gone: whenever it stops, each has a pledge in flight.
    const CLIENTS: usize = 32;
    const MAX_PER_CLIENT: usize = 200;
    let kill_after = random_in(10..120);
    let acked = Arc::new(AtomicUsize::new(0));
    let (enough_tx, enough) = tokio::sync::oneshot::channel::<()>();
    let enough_tx = Arc::new(std::sync::Mutex::new(Some(enough_tx)));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, url, acked, enough_tx) = (client.clone(), url.clone(), acked.clone(), enough_tx.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for n in 0..MAX_PER_CLIENT {
                let key = format!("k{c}-{n}");
                let answer = client.post(&url).header("Idempotency-Key", &key).json(&pledge(c, n)).send().await;
                let (id, server_gone) = match answer {
                    Ok(r) if r.status() == 201 => (
                        r.json::<serde_json::Value>()
                            .await
                            .ok()
                            .and_then(|v| v["pledge"]["id"].as_str().map(str::to_owned)),
                        false,
                    ),
                    Ok(_) => (None, false),
                    Err(_) => (None, true),
                };
                if id.is_some() && acked.fetch_add(1, Ordering::SeqCst) + 1 >= kill_after {
                    if let Some(tx) = enough_tx.lock().unwrap().take() {
                        let _ = tx.send(());
                    }
                }
                sent.push((key, (c, n), id));
                if server_gone {
                    break;
                }
            }
            sent
        }));
    }
    enough.await.expect("enough pledges acknowledged before the stop");
    match stop {
        Stop::Kill => {
            child.kill().unwrap(); // SIGKILL, with pledges in flight
            child.wait().unwrap();
        }
        Stop::Term => {
            Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
            let status = child.wait().unwrap();
            assert!(status.success(), "graceful shutdown exits 0: {status:?}");
        }
    }
    let mut acknowledged = std::collections::HashMap::new();
    let mut unanswered = Vec::new();
    let mut keys = 0i64;
    for t in tasks {
        for (key, which, id) in t.await.unwrap() {
            keys += 1;
            match id {
                Some(id) => {
                    acknowledged.insert(key, id);
                }
                None => unanswered.push((key, which)),
            }
        }
    }
    println!(
        "{stop:?} after {kill_after} acknowledgements: {} acknowledged, {} unanswered",
        acknowledged.len(),
        unanswered.len()
    );
    assert!(acknowledged.len() >= kill_after);
    assert!(!unanswered.is_empty(), "no pledge was in flight when the server stopped");

    let mut child = start(&db, port).await;
    // Every acknowledged pledge is there.
    let storage = cofund_server::storage::open(&db).await.unwrap();
    let rows = storage.all_pledges("durable").await.unwrap().unwrap();
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r.id.clone()).collect();
    for id in acknowledged.values() {
        assert!(ids.contains(id), "acknowledged pledge {id} lost");
    }
    // The donors whose answer was lost retry with the same key: each key makes one pledge.
    for (key, (c, n)) in &unanswered {
        let r = client.post(&url).header("Idempotency-Key", key).json(&pledge(*c, *n)).send().await.unwrap();
        assert_eq!(r.status(), 201, "retry of {key}");
    }
    let rows = storage.all_pledges("durable").await.unwrap().unwrap();
    assert_eq!(rows.len() as i64, keys, "each of the {keys} keys made exactly one pledge");
    for (key, (c, n)) in acknowledged.keys().map(|k| (k, parse_key(k))).chain(unanswered.iter().map(|(k, w)| (k, *w))) {
        let email = email(c, n);
        let of_key: Vec<_> = rows.iter().filter(|r| r.email == email).collect();
        assert_eq!(of_key.len(), 1, "key {key}");
        if let Some(id) = acknowledged.get(key) {
            assert_eq!(&of_key[0].id, id, "key {key} kept its acknowledged pledge");
        }
    }
    let doc: serde_json::Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/cohorts/durable"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["crowd"]["pledged_cents"], rows.iter().map(|r| r.amount_cents).sum::<i64>());

    // SIGTERM: a graceful stop.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}

/// SIGTERM while a pledge is in flight (its body half sent): the server finishes that
/// request (201, and the pledge is stored), takes no new connection, and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "term").await;
    let def_path = dir.path().join("cohort.json");
    std::fs::write(&def_path, definition("term").to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cofund"))
        .args(["cohort", "put"])
        .arg(&def_path)
        .arg("--database")
        .arg(database_arg(&db))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let port = free_port();
    let mut child = start(&db, port).await;
    let base = format!("http://127.0.0.1:{port}");

    let body = pledge_body(2500, "term@example.nl").to_string().into_bytes();
    let (head, tail) = body.split_at(body.len() / 2);
    let (send, chunks) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    send.send(Ok(head.to_vec())).await.unwrap();
    let in_flight = tokio::spawn(
        reqwest::Client::new()
            .post(format!("{base}/api/v1/cohorts/term/pledges"))
            .header("Idempotency-Key", "term-1")
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(chunks)))
            .send(),
    );
    // A request on a second connection, answered after the first one's head has arrived.
    assert_eq!(reqwest::Client::new().get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    // The rest of the body, after the signal: the request is still answered.
    send.send(Ok(tail.to_vec())).await.unwrap();
    drop(send);
    let r = in_flight.await.unwrap().expect("the request in flight is answered");
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["pledge"]["id"].as_str().unwrap().to_owned();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let storage = cofund_server::storage::open(&db).await.unwrap();
    assert!(storage.all_pledges("term").await.unwrap().unwrap().iter().any(|p| p.id == id), "the pledge is stored");
}
