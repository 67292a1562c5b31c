//! Request ids: returned in `X-Request-Id`, taken from the request when well-formed, and
//! in every log line of the request (JSON logs of the real binary).

use crate::helpers::*;
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

fn id_of(r: &reqwest::Response) -> String {
    r.headers().get("x-request-id").expect("an X-Request-Id header").to_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_response_has_a_request_id_and_a_well_formed_one_is_echoed() {
    let app = spawn().await;
    app.open_cohort("ids").await;
    // Made by the server: a UUID, new for each request, also on errors.
    let a = id_of(&app.get("/api/v1/cohorts/ids").await);
    let b = id_of(&app.get("/api/v1/cohorts/ids").await);
    let missing = app.get("/api/v1/cohorts/nope").await;
    assert_eq!(missing.status(), 404);
    let c = id_of(&missing);
    for id in [&a, &b, &c] {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4, "{id}");
    }
    assert!(a != b && b != c && a != c);

    // Given by a load balancer or another instance: kept, on a pledge too.
    let given = "lb-7f3a9c2e-0001";
    let r = app.client.get(app.url("/api/v1/cohorts/ids")).header("X-Request-Id", given).send().await.unwrap();
    assert_eq!(id_of(&r), given);
    let r = app
        .client
        .post(app.url("/api/v1/cohorts/ids/pledges"))
        .header("Idempotency-Key", key())
        .header("X-Request-Id", given)
        .json(&pledge_body(2500, "ids@example.nl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(id_of(&r), given);

    // Not well-formed: replaced by a new one.
    for bad in ["two words", &"x".repeat(129), "quote\"d"] {
        let r = app.client.get(app.url("/api/v1/cohorts/ids")).header("X-Request-Id", bad).send().await.unwrap();
        let id = id_of(&r);
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36, "{id}");
    }
}

#[tokio::test]
async fn json_logs_name_the_request_id_and_route_of_each_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_arg(&test_database(dir.path(), "logs").await);
    let file = dir.path().join("cohort.json");
    std::fs::write(&file, definition("logs").to_string()).unwrap();
    let bin = env!("CARGO_BIN_EXE_cofund");
    let out = Command::new(bin).args(["cohort", "put"]).arg(&file).arg("--database").arg(&db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--log-format", "json", "--log", "info"])
        .arg("--database")
        .arg(&db)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..400 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let given = "follow-this-pledge-42";
    let pledged = if up {
        client
            .post(format!("{base}/api/v1/cohorts/logs/pledges"))
            .header("Idempotency-Key", key())
            .header("X-Request-Id", given)
            .json(&pledge_body(2500, "logs@example.nl"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    } else {
        Ok(0)
    };
    // A graceful stop: the server finishes and writes its log lines, then exits (the
    // pipe's end is the condition waited for, not a time).
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    child.wait().unwrap();
    assert!(up, "the server did not start:\n{stderr}");
    assert_eq!(pledged.unwrap(), 201, "{stderr}");

    let lines: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
        .collect();
    let of_pledge: Vec<&Value> = lines.iter().filter(|l| l["span"]["request_id"] == given).collect();
    assert!(!of_pledge.is_empty(), "no log line of the pledge request:\n{stderr}");
    for line in &of_pledge {
        assert_eq!(line["span"]["route"], "/api/v1/cohorts/{slug}/pledges", "{line}");
        assert_eq!(line["span"]["method"], "POST", "{line}");
    }
    assert!(
        of_pledge.iter().any(|l| l["fields"]["status"] == 201),
        "the pledge's response is logged with its status:\n{stderr}"
    );
    // Each request has its own id: the health checks' lines name other ids.
    let other_ids: std::collections::HashSet<&str> =
        lines.iter().filter_map(|l| l["span"]["request_id"].as_str()).filter(|id| *id != given).collect();
    assert!(!other_ids.is_empty(), "{stderr}");
}
