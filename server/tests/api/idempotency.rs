use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn fifty_concurrent_retries_with_one_key_make_exactly_one_pledge() {
    let app = spawn().await;
    app.open_cohort("idem").await;
    let k = key();
    let body = pledge_body(2500, "retry@example.nl");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, url, k, body) =
                (app.client.clone(), app.url("/api/v1/cohorts/idem/pledges"), k.clone(), body.clone());
            tokio::spawn(async move {
                let r = client.post(url).header("Idempotency-Key", k).json(&body).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            })
        })
        .collect();
    let mut responses = Vec::new();
    for t in tasks {
        responses.push(t.await.unwrap());
    }
    assert!(responses.iter().all(|(s, _)| *s == 201), "{:?}", responses.iter().map(|r| r.0).collect::<Vec<_>>());
    assert!(responses.iter().all(|r| r.1 == responses[0].1), "all 50 responses are identical");
    let first: Value = serde_json::from_str(&responses[0].1).unwrap();
    assert_eq!(first["totals"]["pledged_cents"], 2500);

    let rows = app.storage.all_pledges("idem").await.unwrap().unwrap();
    assert_eq!(rows.len(), 1, "exactly one pledge row");
    assert_eq!(rows[0].id, first["pledge"]["id"].as_str().unwrap());
    assert_eq!(app.document("idem").await["crowd"]["pledged_cents"], 2500);

    // A later retry still gets the original response; the same key with another body is refused.
    let again = app.pledge("idem", &k, &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.text().await.unwrap(), responses[0].1);
    let other = app.pledge("idem", &k, &pledge_body(5000, "retry@example.nl")).await;
    assert_eq!(error_of(other).await, (422, "idempotency_key_reused".into(), vec![]));
    // The same key in another cohort is another key.
    app.open_cohort("idem-2").await;
    assert_eq!(app.pledge("idem-2", &k, &body).await.status(), 201);
    assert_eq!(app.storage.all_pledges("idem").await.unwrap().unwrap().len(), 1);
}

#[tokio::test]
async fn a_retry_after_the_campaign_closed_still_gets_its_response() {
    let app = spawn().await;
    app.open_cohort("late").await;
    let k = key();
    let body = pledge_body(2500, "late@example.nl");
    let first = app.pledge("late", &k, &body).await.text().await.unwrap();
    let mut def = definition("late");
    def["campaign"] = json!({"opens_at": days(-30), "closes_at": days(-1)});
    app.cohort("late", def).await;
    let retry = app.pledge("late", &k, &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.text().await.unwrap(), first);
    assert_eq!(error_of(app.pledge("late", &key(), &body).await).await.0, 409);
}

#[tokio::test]
async fn a_hundred_concurrent_pledges_from_many_clients_are_all_counted() {
    let app = spawn().await;
    app.open_cohort("busy").await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            // A client each: separate connections, as from many browsers.
            let client = reqwest::Client::new();
            let url = app.url("/api/v1/cohorts/busy/pledges");
            tokio::spawn(async move {
                let body = pledge_body(500 + i, &format!("donor{}@example.nl", i % 80));
                let r =
                    client.post(url).header("Idempotency-Key", format!("busy-{i}")).json(&body).send().await.unwrap();
                r.status().as_u16()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let expected: i64 = (0..100).map(|i| 500 + i).sum();
    let rows = app.storage.all_pledges("busy").await.unwrap().unwrap();
    assert_eq!(rows.len(), 100);
    let doc = app.document("busy").await;
    assert_eq!(doc["crowd"]["pledged_cents"], expected);
    assert_eq!(doc["crowd"]["pledged_cents"], rows.iter().map(|r| r.amount_cents).sum::<i64>());
    assert_eq!(doc["crowd"]["backers"], 80);
    assert_eq!(doc["history"].as_array().unwrap().last().unwrap()["pledged_cents"], expected);
    let refs: std::collections::HashSet<_> = rows.iter().map(|r| r.reference.clone()).collect();
    assert_eq!(refs.len(), 100, "every payment reference is unique");
}

#[tokio::test]
async fn an_expired_key_is_swept_and_then_makes_a_new_pledge_while_a_fresh_key_still_replays() {
    let app = spawn_with(|s| {
        s.idempotency_ttl = std::time::Duration::from_secs(2);
        s.idempotency_sweep_interval = std::time::Duration::from_millis(200);
    })
    .await;
    app.open_cohort("expiry").await;
    let old = key();
    let body = pledge_body(2500, "expiry@example.nl");
    let r = app.pledge("expiry", &old, &body).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    let made = std::time::Instant::now();

    // While the record lives, the key with another body is refused (and writes nothing);
    // once it is swept, the same request is a new pledge.
    let other = pledge_body(4000, "expiry@example.nl");
    let second: Value = loop {
        let r = app.pledge("expiry", &old, &other).await;
        if r.status() == 201 {
            break r.json().await.unwrap();
        }
        assert_eq!(error_of(r).await.1, "idempotency_key_reused");
        assert!(made.elapsed() < std::time::Duration::from_secs(10), "the expired key was never swept");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert!(made.elapsed() >= std::time::Duration::from_secs(2), "swept before it expired: {:?}", made.elapsed());
    assert_ne!(second["pledge"]["id"], first["pledge"]["id"]);
    assert_eq!(second["totals"]["pledged_cents"], 6500);
    assert_eq!(app.storage.all_pledges("expiry").await.unwrap().unwrap().len(), 2);
    // The new record replays like any other.
    let again = app.pledge("expiry", &old, &other).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap(), second);

    // A key within its time replays its first answer.
    let fresh = key();
    let made = app.pledge("expiry", &fresh, &body).await.text().await.unwrap();
    let replay = app.pledge("expiry", &fresh, &body).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.text().await.unwrap(), made);
    assert_eq!(app.storage.all_pledges("expiry").await.unwrap().unwrap().len(), 3);
}
