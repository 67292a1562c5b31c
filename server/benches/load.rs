//! A bounded load generator for a running Cofund server (loopback only), run by
//! `scripts/bench.sh`. For each scenario, N clients send a fixed number of requests
//! in total; it prints requests per second and p50/p95/p99 latency.
//!
//! cargo bench -p cofund-server --bench load -- --url http://127.0.0.1:18181 \
//!     --slug utrecht-voorjaar-2027 --concurrency 32 --requests 20000 --pledges 3000

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    url: String,
    slug: String,
    concurrency: usize,
    requests: usize,
    pledges: usize,
    /// `--get URL`: only GET this URL (the nginx reference, another cohort's document).
    get: Option<String>,
    /// `--label TEXT`: the row's name with `--get` or `--rate`.
    label: Option<String>,
    /// `--rate N`: only pledges, arriving at N per second (open loop), to measure the
    /// latency at a given load rather than the most the server takes.
    rate: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:18181".into(),
        slug: "utrecht-voorjaar-2027".into(),
        concurrency: 32,
        requests: 20_000,
        pledges: 3_000,
        get: None,
        label: None,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value(),
            "--slug" => a.slug = value(),
            "--concurrency" => a.concurrency = value().parse().expect("a number"),
            "--requests" => a.requests = value().parse().expect("a number"),
            "--pledges" => a.pledges = value().parse().expect("a number"),
            "--get" => a.get = Some(value()),
            "--label" => a.label = Some(value()),
            "--rate" => a.rate = Some(value().parse().expect("a number")),
            "--bench" => {} // passed by `cargo bench`
            other => panic!("unknown argument {other}"),
        }
    }
    let loopback = |u: &str| u.starts_with("http://127.0.0.1:") || u.starts_with("http://localhost:");
    assert!(loopback(&a.url) && a.get.as_deref().is_none_or(loopback), "only a loopback server may be loaded");
    a
}

#[derive(Clone, Copy)]
enum Scenario {
    Document,
    DocumentNotModified,
    Pledge,
    /// GET of `Args::get`.
    Url,
}

struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

async fn run(client: &reqwest::Client, a: &Args, scenario: Scenario, total: usize, etag: &str) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let doc_url = format!("{}/api/v1/cohorts/{}", a.url, a.slug);
    let pledge_url = format!("{doc_url}/pledges");
    let doc_url = match scenario {
        Scenario::Url => a.get.clone().expect("--get"),
        _ => doc_url,
    };
    let run_id = std::process::id();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (client, next, doc_url, pledge_url, etag) =
            (client.clone(), next.clone(), doc_url.clone(), pledge_url.clone(), etag.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let (result, expected) = match scenario {
                    Scenario::Document | Scenario::Url => (client.get(&doc_url).send().await, 200),
                    Scenario::DocumentNotModified => {
                        (client.get(&doc_url).header("If-None-Match", &etag).send().await, 304)
                    }
                    Scenario::Pledge => {
                        let body = serde_json::json!({
                            "amount_cents": 500 + (i % 5000) as i64, "name": "Bench", "show_name": false,
                            "show_amount": true, "email": format!("bench{}@example.nl", i % 997), "consent": true
                        });
                        (
                            client
                                .post(&pledge_url)
                                .header("Idempotency-Key", format!("bench-{run_id}-{i}"))
                                .json(&body)
                                .send()
                                .await,
                            201,
                        )
                    }
                };
                let ok = match result {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        r.bytes().await.is_ok() && status == expected
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("a client task");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Outcome { latencies, errors, elapsed }
}

fn pct(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    format!("{:.2} ms", sorted[i].as_secs_f64() * 1000.0)
}

fn report(name: &str, a: &Args, total: usize, o: &Outcome) {
    println!(
        "{name:<32} {total:>7} req  c={:<3} {:>9.0} req/s   p50 {:>9}  p95 {:>9}  p99 {:>9}  errors {}",
        a.concurrency,
        o.latencies.len() as f64 / o.elapsed.as_secs_f64(),
        pct(&o.latencies, 0.50),
        pct(&o.latencies, 0.95),
        pct(&o.latencies, 0.99),
        o.errors
    );
}

/// Pledges arriving at `rate` per second, each on its own task (open loop: a slow
/// answer does not slow the arrivals down).
async fn paced_pledges(client: &reqwest::Client, a: &Args, rate: u32, total: usize) -> Outcome {
    let pledge_url = format!("{}/api/v1/cohorts/{}/pledges", a.url, a.slug);
    let run_id = std::process::id();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tick.tick().await;
        let (client, url) = (client.clone(), pledge_url.clone());
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"amount_cents": 500 + (i % 5000) as i64, "email": format!("paced{}@example.nl", i % 997), "consent": true});
            let t = Instant::now();
            let r = client.post(&url).header("Idempotency-Key", format!("paced-{run_id}-{i}")).json(&body).send().await;
            let ok = match r {
                Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            ok.then(|| t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for t in tasks {
        match t.await.expect("a pledge task") {
            Some(l) => latencies.push(l),
            None => errors += 1,
        }
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Outcome { latencies, errors, elapsed }
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder().pool_max_idle_per_host(a.concurrency).build().expect("a client");
    if a.get.is_some() {
        run(&client, &a, Scenario::Url, a.concurrency * 20, "").await;
        let o = run(&client, &a, Scenario::Url, a.requests, "").await;
        report(a.label.as_deref().unwrap_or("GET"), &a, a.requests, &o);
        return;
    }
    if let Some(rate) = a.rate {
        let o = paced_pledges(&client, &a, rate, a.pledges).await;
        report(a.label.as_deref().unwrap_or("POST pledge, paced"), &a, a.pledges, &o);
        return;
    }
    let first = client.get(format!("{}/api/v1/cohorts/{}", a.url, a.slug)).send().await.expect("the server answers");
    assert_eq!(first.status(), 200, "the cohort exists");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    // Warm up connections and the document cache.
    run(&client, &a, Scenario::Document, a.concurrency * 20, &etag).await;

    println!("cofund load: {} (loopback), cohort {}", a.url, a.slug);
    let o = run(&client, &a, Scenario::Document, a.requests, &etag).await;
    report("GET document", &a, a.requests, &o);
    let o = run(&client, &a, Scenario::DocumentNotModified, a.requests, &etag).await;
    report("GET document, If-None-Match", &a, a.requests, &o);
    let o = run(&client, &a, Scenario::Pledge, a.pledges, &etag).await;
    report(a.label.as_deref().unwrap_or("POST pledge (durable commit)"), &a, a.pledges, &o);
}
