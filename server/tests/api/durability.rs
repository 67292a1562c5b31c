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

#[tokio::test]
async fn acknowledged_pledges_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "durable").await;
    // Set up the cohort and a token with the CLI, straight on the database.
    let def_path = dir.path().join("cohort.json");
    std::fs::write(&def_path, definition("durable").to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cofund")).args(["cohort", "put"]).arg(&def_path).arg("--database").arg(database_arg(&db)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let port = free_port();
    let mut child = start(&db, port).await;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/cohorts/durable/pledges");
    // Pledges in flight while the process is killed: the acknowledged ones must survive.
    let mut acknowledged = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let body = pledge_body(1000 + i, &format!("d{i}@example.nl"));
            let r = client.post(url).header("Idempotency-Key", format!("k{i}")).json(&body).send().await.ok()?;
            if r.status() != 201 {
                return None;
            }
            let v: serde_json::Value = r.json().await.ok()?;
            Some(v["pledge"]["id"].as_str()?.to_owned())
        }));
        if i == 20 {
            // Wait for the first ones, so that some are certainly acknowledged.
            for t in tasks.drain(..) {
                acknowledged.extend(t.await.unwrap());
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    assert!(acknowledged.len() >= 21, "{} acknowledged", acknowledged.len());

    let mut child = start(&db, port).await;
    let doc: serde_json::Value = client.get(format!("http://127.0.0.1:{port}/api/v1/cohorts/durable")).send().await.unwrap().json().await.unwrap();
    let storage = cofund_server::storage::open(&db).await.unwrap();
    let rows = storage.all_pledges("durable").await.unwrap().unwrap();
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r.id.clone()).collect();
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged pledge {id} lost");
    }
    assert_eq!(doc["crowd"]["pledged_cents"], rows.iter().map(|r| r.amount_cents).sum::<i64>());

    // SIGTERM: a graceful stop.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}
