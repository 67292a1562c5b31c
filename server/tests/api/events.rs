//! Live progress over Server-Sent Events.

use crate::helpers::*;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn a_pledge_reaches_open_streams_without_private_data() {
    let app = spawn().await;
    app.open_cohort("live").await;
    let doc = app.document("live").await;
    assert_eq!(doc["links"]["events"], app.url("/api/v1/cohorts/live/events"));
    let resp = Events::open(&app.url("/api/v1/cohorts/live/events"), None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let mut events = Events::of(resp);

    // First the current state.
    let first = events.next(Duration::from_secs(5)).await.expect("the current state");
    assert_eq!(first.event.as_deref(), Some("progress"));
    let v: Value = serde_json::from_str(&first.data).unwrap();
    assert_eq!(v["crowd"]["pledged_cents"], 0);

    let mut body = pledge_body(2500, "private@example.nl");
    body["name"] = serde_json::json!("Verborgen Naam");
    body["show_name"] = serde_json::json!(false);
    app.pledge_ok("live", &body).await;
    // Waits for the event (how fast it comes is a figure for a benchmark, not a test).
    let e = events.next(Duration::from_secs(30)).await.expect("an event after the pledge");
    let v: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!(v["crowd"]["pledged_cents"], 2500);
    assert_eq!(v["crowd"]["backers"], 1);
    assert_eq!(v["latest_pledge"]["amount_cents"], 2500);
    assert_eq!(v["latest_pledge"]["name"], Value::Null);
    assert!(!e.data.contains("private@example.nl") && !e.data.contains("Verborgen"), "{}", e.data);
    assert!(e.id.unwrap().parse::<i64>().unwrap() > first.id.unwrap().parse::<i64>().unwrap());

    // A coordinator's change is an event too.
    let pledges: Value = app
        .client
        .get(app.url("/api/v1/admin/cohorts/live/pledges"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = pledges["pledges"][0]["id"].as_str().unwrap();
    assert_eq!(app.admin_post(&format!("/api/v1/admin/pledges/{id}/confirm")).await.status(), 200);
    let e = events.next(Duration::from_secs(2)).await.expect("an event after confirming");
    let v: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!(v["crowd"]["received_cents"], 2500);
}

#[tokio::test]
async fn a_client_resuming_at_the_current_revision_gets_only_what_is_new() {
    let app = spawn().await;
    app.open_cohort("resume").await;
    let url = app.url("/api/v1/cohorts/resume/events");
    let mut events = Events::of(Events::open(&url, None).await);
    let current = events.next(Duration::from_secs(5)).await.unwrap().id.unwrap();
    drop(events);

    // Resuming at the current revision: nothing until something changes.
    let mut resumed = Events::of(Events::open(&url, Some(&current)).await);
    assert!(resumed.next(Duration::from_millis(400)).await.is_none(), "no repeat of a seen state");
    app.pledge_ok("resume", &pledge_body(1000, "r@example.nl")).await;
    let e = resumed.next(Duration::from_secs(2)).await.unwrap();
    assert!(e.id.unwrap().parse::<i64>().unwrap() > current.parse::<i64>().unwrap());

    // Resuming from an older revision: the current state at once.
    let mut behind = Events::of(Events::open(&url, Some(&current)).await);
    let e = behind.next(Duration::from_secs(2)).await.expect("the missed state");
    assert_eq!(serde_json::from_str::<Value>(&e.data).unwrap()["crowd"]["pledged_cents"], 1000);
}

#[tokio::test]
async fn streams_are_limited_per_instance_with_a_clear_refusal() {
    let app = spawn_with(|s| s.max_subscribers = 1).await;
    app.open_cohort("full").await;
    let url = app.url("/api/v1/cohorts/full/events");
    let first = Events::open(&url, None).await;
    assert_eq!(first.status(), 200);
    let refused = Events::open(&url, None).await;
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_eq!(error_of(refused).await, (503, "too_many_subscribers".into(), vec![]));
    drop(first);
    // The place is free again once the first stream is gone.
    let mut ok = false;
    for _ in 0..50 {
        if Events::open(&url, None).await.status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "the place was not freed");
    assert_eq!(error_of(Events::open(&app.url("/api/v1/cohorts/nope/events"), None).await).await.0, 404);
}
