//! Programmes (issue 14): a programme's settings through the admin API, the multiplier
//! pot in every cohort document of the programme and in the programme document, live
//! events across the programme's cohorts, and settlement statements.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

const SLUG: &str = "starters4communities";

/// € 100 in the pot from two funders, 1:1, at most € 25 a gift and € 60 a cohort.
fn settings() -> Value {
    json!({
        "name": PROGRAMME,
        "url": "https://starters4communities.nl",
        "pot": {
            "name": "Vermenigvuldigingspot Starters4Communities",
            "funders": [{"name": "Oranje Fonds", "amount_cents": 6_000}, {"name": "Provincie Utrecht", "amount_cents": 4_000}],
            "pot_cents": 10_000,
            "ratio_bps": 10_000,
            "cap_per_gift_cents": 2_500,
            "cap_per_cohort_cents": 6_000
        },
        "impact": [
            {"kind": "participants", "value": 250, "as_of": "2026-06-30", "source": "Jaarverslag 2025"},
            {"kind": "custom", "label": "Buurtmaaltijden", "value": 40, "as_of": "2026-06-30", "source": "Eigen telling"}
        ]
    })
}

async fn put_programme(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/admin/programmes/{SLUG}")))
        .bearer_auth(&app.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_programme(app: &TestApp) -> (String, Value) {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/admin/programmes/{SLUG}")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.json().await.unwrap())
}

#[tokio::test]
async fn a_programme_round_trips_and_every_bad_input_is_refused_by_field_storing_nothing() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let (etag, before) = get_programme(&app).await;
    assert_eq!((etag.as_str(), &before["name"], &before["pot"]), ("\"r0\"", &json!(PROGRAMME), &Value::Null));

    let r = put_programme(&app, &settings()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"r1\"");
    let (etag, stored) = get_programme(&app).await;
    assert_eq!(etag, "\"r1\"");
    assert_eq!(stored, settings());
    let r = put_programme(&app, &settings()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"r2\"");

    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut s = settings();
        edit(&mut s);
        s
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        // A pot rule without a pot: no money in it, no funders.
        (
            bad(&|s| s["pot"].as_object_mut().unwrap().retain(|k, _| k == "name" || k == "ratio_bps")),
            vec!["pot.funders"],
        ),
        (bad(&|s| s["pot"]["pot_cents"] = json!(0)), vec!["pot.pot_cents", "pot.cap_per_cohort_cents"]),
        (bad(&|s| s["pot"]["funders"] = json!([])), vec!["pot.funders"]),
        // A ratio of 0 or below.
        (bad(&|s| s["pot"]["ratio_bps"] = json!(0)), vec!["pot.ratio_bps"]),
        (bad(&|s| s["pot"]["ratio_bps"] = json!(-10_000)), vec!["pot.ratio_bps"]),
        // Caps that contradict each other or the pot.
        (bad(&|s| s["pot"]["cap_per_gift_cents"] = json!(7_000)), vec!["pot.cap_per_gift_cents"]),
        (bad(&|s| s["pot"]["cap_per_cohort_cents"] = json!(20_000)), vec!["pot.cap_per_cohort_cents"]),
        // Funders that do not add up to the pot.
        (bad(&|s| s["pot"]["funders"][1]["amount_cents"] = json!(3_000)), vec!["pot.pot_cents"]),
        (bad(&|s| s["pot"]["funders"][0]["name"] = json!(" ")), vec!["pot.funders[0].name"]),
        // Another programme's name, a page that is no web address, an unknown field.
        (bad(&|s| s["name"] = json!("Ander Programma")), vec!["name"]),
        (bad(&|s| s["url"] = json!("javascript:alert(1)")), vec!["url"]),
        (bad(&|s| s["budget"] = json!(1)), vec![""]),
        // Impact figures: a custom one without its label, a share above 100 %, no date, no source.
        (
            bad(&|s| s["impact"][1].as_object_mut().unwrap().remove("label").map(|_| ()).unwrap()),
            vec!["impact[1].label"],
        ),
        (
            bad(&|s| {
                s["impact"][0] =
                    json!({"kind": "found_work_share_bps", "value": 12_000, "as_of": "2026-06-31", "source": ""})
            }),
            vec!["impact[0].value", "impact[0].as_of", "impact[0].source"],
        ),
    ];
    for (body, fields) in cases {
        let r = put_programme(&app, &body).await;
        let (status, code, got) = error_of(r).await;
        assert_eq!((status, code.as_str()), (422, "validation_failed"), "{body}");
        if fields != [""] {
            assert_eq!(got, fields, "{body}");
        }
    }
    let (etag, after) = get_programme(&app).await;
    assert_eq!((etag.as_str(), after), ("\"r2\"", settings()), "nothing stored");

    // A pot can be taken away again.
    let mut without = settings();
    without["pot"] = Value::Null;
    assert_eq!(put_programme(&app, &without).await.status(), 200);
    assert!(app.document("a").await.get("pot").is_none());
    assert_eq!(app.document("a").await["schema"], "cofund/cohort@1");
}

fn pot(doc: &Value) -> (i64, i64, bool) {
    let p = &doc["pot"];
    (p["added_cents"].as_i64().unwrap(), p["left_cents"].as_i64().unwrap(), p["exhausted"].as_bool().unwrap())
}

#[tokio::test]
async fn a_pledge_in_one_cohort_changes_what_the_pot_left_in_every_cohort_of_the_programme_live() {
    let app = spawn().await;
    app.open_cohort("a").await;
    app.open_cohort("b").await;
    assert!(app.document("a").await.get("pot").is_none(), "no pot yet");
    assert_eq!(put_programme(&app, &settings()).await.status(), 201);
    let a = app.document("a").await;
    assert_eq!(a["schema"], "cofund/cohort@1.1");
    assert_eq!(pot(&a), (0, 10_000, false));
    assert_eq!(a["pot"]["programme"], SLUG);
    assert_eq!(a["pot"]["funders"][0]["name"], "Oranje Fonds");
    assert_eq!(a["pot"]["cap_per_gift_cents"], 2_500);

    let mut b_events = Events::of(Events::open(&app.url("/api/v1/cohorts/b/events"), None).await);
    let first = b_events.next(Duration::from_secs(5)).await.expect("the current state");
    let mut p_events = Events::of(Events::open(&app.url(&format!("/api/v1/programmes/{SLUG}/events")), None).await);
    let p_first = p_events.next(Duration::from_secs(5)).await.expect("the programme's current state");

    // € 25 in cohort a: the pot adds € 25 to a; b's document says € 75 is left, and b's
    // stream (and the programme's) hears of it.
    app.pledge_ok("a", &pledge_body(2_500, "fatima@example.nl")).await;
    assert_eq!(pot(&app.document("a").await), (2_500, 7_500, false));
    assert_eq!(pot(&app.document("b").await), (0, 7_500, false));
    let e = b_events.next(Duration::from_secs(5)).await.expect("b hears of a's pledge");
    assert!(e.id.as_deref().unwrap().parse::<i64>().unwrap() > first.id.unwrap().parse::<i64>().unwrap());
    let data: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!((data["slug"].as_str(), data["pot"]["left_cents"].as_i64()), (Some("b"), Some(7_500)));
    let p = p_events.next(Duration::from_secs(5)).await.expect("the programme hears of a's pledge");
    assert!(p.id.unwrap().parse::<i64>().unwrap() > p_first.id.unwrap().parse::<i64>().unwrap());
    let data: Value = serde_json::from_str(&p.data).unwrap();
    assert_eq!(data["pot"]["left_cents"], 7_500);

    // € 40 in a: € 25 (cap per gift); € 50 in a: € 10 (a's cap of € 60); € 50 in b: € 25,
    // which leaves € 15; € 30 in b: € 15 and the pot is empty, to the cent.
    app.pledge_ok("a", &pledge_body(4_000, "joris@example.nl")).await;
    app.pledge_ok("a", &pledge_body(5_000, "sanne@example.nl")).await;
    assert_eq!(pot(&app.document("a").await), (6_000, 4_000, false));
    let b_gift = app.pledge_ok("b", &pledge_body(5_000, "daan@example.nl")).await;
    app.pledge_ok("b", &pledge_body(3_000, "noor@example.nl")).await;
    let (a, b) = (app.document("a").await, app.document("b").await);
    assert_eq!(pot(&a), (6_000, 0, true));
    assert_eq!(pot(&b), (4_000, 0, true));
    // The widget's figures count what the pot gave as committed co-funding, once.
    let cohort = cofund_core::Cohort::from_json(&b.to_string()).unwrap();
    assert_eq!(cohort.summary().stakeholder_totals.pot_cents, 4_000);
    assert_eq!(cohort.pot_preview(2_500), None, "an empty pot previews nothing");

    // The programme document: the pot per cohort, the impact figures.
    let programme: Value = app.get(&format!("/api/v1/programmes/{SLUG}")).await.json().await.unwrap();
    assert_eq!(programme["pot"]["left_cents"], 0);
    assert_eq!(programme["pot"]["exhausted"], true);
    let per: Vec<(String, i64)> = programme["pot"]["per_cohort"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["slug"].as_str().unwrap().to_owned(), c["added_cents"].as_i64().unwrap()))
        .collect();
    assert_eq!(per.iter().map(|(_, c)| c).sum::<i64>(), 10_000);
    assert!(per.contains(&("a".into(), 6_000)) && per.contains(&("b".into(), 4_000)));
    assert_eq!(programme["impact"], settings()["impact"]);

    // Cancelling b's € 50 gives back its € 25: b's later € 30, starved to € 15 before,
    // now gets € 25 (its cap per gift), and € 15 is left for everyone.
    let id = b_gift["pledge"]["id"].as_str().unwrap();
    assert_eq!(app.admin_post(&format!("/api/v1/admin/pledges/{id}/cancel")).await.status(), 200);
    assert_eq!(pot(&app.document("b").await), (2_500, 1_500, false));
    assert_eq!(pot(&app.document("a").await), (6_000, 1_500, false));
}

#[tokio::test]
async fn settlement_statements_list_what_each_stakeholder_and_the_pot_owe_and_why_to_the_cent() {
    let app = spawn().await;
    // Gemeente Utrecht: € 12.000 fixed and 1:2 on the crowd up to € 6.000 (the 1.0 match);
    // Oranje Fonds: € 500 once two backers have given (a trigger).
    let mut def = definition("a");
    def["stakeholders"].as_array_mut().unwrap().push(json!({
        "name": "Oranje Fonds", "kind": "fund", "status": "committed", "amount_cents": 0,
        "rules": [{"kind": "trigger", "amount_cents": 50_000, "backers": 2}]
    }));
    app.cohort("a", def).await;
    assert_eq!(put_programme(&app, &settings()).await.status(), 201);
    let first = app.pledge_ok("a", &pledge_body(2_500, "fatima@example.nl")).await;
    let second = app.pledge_ok("a", &pledge_body(1_001, "joris@example.nl")).await;
    let (p1, p2) = (first["pledge"]["id"].as_str().unwrap(), second["pledge"]["id"].as_str().unwrap());

    let r =
        app.client.get(app.url("/api/v1/admin/cohorts/a/settlements")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    let statements = s["statements"].as_array().unwrap();
    let lines = |i: usize| -> Vec<(String, Option<String>, i64)> {
        statements[i]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["kind"].as_str().unwrap().to_owned(),
                    l["pledge"].as_str().map(str::to_owned),
                    l["amount_cents"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(statements[0]["stakeholder"], "Gemeente Utrecht");
    // 1:2 on the running total: € 25 → € 12,50; € 35,01 → € 17,50, so € 5,00 for the second.
    assert_eq!(
        lines(0),
        [
            ("fixed".into(), None, 1_200_000),
            ("match".into(), Some(p1.into()), 1_250),
            ("match".into(), Some(p2.into()), 500)
        ]
    );
    assert_eq!(statements[0]["total_cents"], 1_201_750);
    assert_eq!(statements[1]["stakeholder"], "Oranje Fonds");
    assert_eq!(lines(1), [("trigger".into(), Some(p2.into()), 50_000)]);
    assert_eq!(statements[1]["lines"][0]["at"], second["pledge"]["created_at"]);
    assert_eq!(statements[1]["total_cents"], 50_000);
    assert_eq!(statements[2]["stakeholder"], "Vermenigvuldigingspot Starters4Communities");
    assert_eq!(lines(2), [("pot".into(), Some(p1.into()), 2_500), ("pot".into(), Some(p2.into()), 1_001)]);
    assert_eq!(statements[2]["total_cents"], 3_501);

    // The statements' totals are the widget's: the document's summary says the same.
    let cohort = cofund_core::Cohort::from_json(&app.document("a").await.to_string()).unwrap();
    let summary = cohort.summary();
    assert_eq!(summary.stakeholders[0].total_cents, 1_201_750);
    assert_eq!(summary.stakeholders[1].total_cents, 50_000);
    assert_eq!(summary.stakeholder_totals.pot_cents, 3_501);

    let r = app
        .client
        .get(app.url("/api/v1/admin/cohorts/a/settlements.csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let at = |p: &Value| p["pledge"]["created_at"].as_str().unwrap().to_owned();
    let (t1, t2) = (at(&first), at(&second));
    let pot = "Vermenigvuldigingspot Starters4Communities";
    let expected = [
        "cohort,stakeholder,line,rule,at,pledge,gift_cents,amount_cents,amount,void,conditional".to_owned(),
        "a,Gemeente Utrecht,fixed,,,,,1200000,12000.00,false,false".to_owned(),
        format!("a,Gemeente Utrecht,match,,{t1},{p1},2500,1250,12.50,false,false"),
        format!("a,Gemeente Utrecht,match,,{t2},{p2},1001,500,5.00,false,false"),
        "a,Gemeente Utrecht,total,,,,,1201750,12017.50,false,false".to_owned(),
        format!("a,Oranje Fonds,trigger,0,{t2},{p2},,50000,500.00,false,false"),
        "a,Oranje Fonds,total,,,,,50000,500.00,false,false".to_owned(),
        format!("a,{pot},pot,,{t1},{p1},2500,2500,25.00,false,false"),
        format!("a,{pot},pot,,{t2},{p2},1001,1001,10.01,false,false"),
        format!("a,{pot},total,,,,,3501,35.01,false,false"),
    ];
    assert_eq!(r.text().await.unwrap(), expected.join("\r\n") + "\r\n");
}

async fn admin_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(&app.token).send().await.unwrap()
}

#[tokio::test]
async fn a_programme_edit_based_on_an_old_revision_is_refused_and_stores_nothing() {
    let app = spawn().await;
    app.open_cohort("a").await;
    let put_if = |body: Value, etag: &'static str| {
        app.client
            .put(app.url(&format!("/api/v1/admin/programmes/{SLUG}")))
            .bearer_auth(&app.token)
            .header("if-match", etag)
            .json(&body)
            .send()
    };
    // No settings yet: the GET's "r0" creates them; a second "r0" is stale.
    assert_eq!(get_programme(&app).await.0, "\"r0\"");
    let r = put_if(settings(), "\"r0\"").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["etag"].to_str().unwrap()), (201, "\"r1\""));
    let mut mine = settings();
    mine["impact"] = json!([]);
    let (status, code, _) = error_of(put_if(mine.clone(), "\"r0\"").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "stale_revision"));
    // Based on r1: saved, now r2; someone else's edit based on r1 is refused.
    let r = put_if(settings(), "\"r1\"").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["etag"].to_str().unwrap()), (200, "\"r2\""));
    let (status, code, _) = error_of(put_if(mine.clone(), "\"r1\"").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "stale_revision"));
    assert_eq!(get_programme(&app).await, ("\"r2\"".to_owned(), settings()), "nothing stored");
    // An If-Match that names no revision is a field error; without If-Match, last save wins.
    let (status, code, fields) = error_of(put_if(mine.clone(), "soon").await.unwrap()).await;
    assert_eq!((status, code.as_str(), fields), (422, "validation_failed", vec!["If-Match".to_owned()]));
    assert_eq!(put_programme(&app, &mine).await.status(), 200);
    assert_eq!(get_programme(&app).await, ("\"r3\"".to_owned(), mine));
}

#[tokio::test]
async fn the_pots_use_over_time_and_each_funders_share_follow_the_allocation_to_the_cent() {
    let app = spawn().await;
    app.open_cohort("a").await;
    app.open_cohort("b").await;
    // No pot yet: nothing to show.
    assert_eq!(error_of(admin_get(&app, &format!("/api/v1/admin/programmes/{SLUG}/pot-history")).await).await.0, 404);
    assert_eq!(put_programme(&app, &settings()).await.status(), 201);
    // € 25 in a: € 25; € 10,01 in a: € 10,01; € 50 in b: € 25 (cap per gift); € 30 in b: € 25.
    app.pledge_ok("a", &pledge_body(2_500, "fatima@example.nl")).await;
    app.pledge_ok("a", &pledge_body(1_001, "joris@example.nl")).await;
    app.pledge_ok("b", &pledge_body(5_000, "daan@example.nl")).await;
    app.pledge_ok("b", &pledge_body(3_000, "noor@example.nl")).await;

    let r = admin_get(&app, &format!("/api/v1/admin/programmes/{SLUG}/pot-history")).await;
    assert_eq!(r.status(), 200);
    let h: Value = r.json().await.unwrap();
    let points: Vec<(String, i64, i64)> = h["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["cohort"].as_str().unwrap().to_owned(),
                p["cohort_cents"].as_i64().unwrap(),
                p["used_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        points,
        [
            ("a".into(), 2_500, 2_500),
            ("a".into(), 3_501, 3_501),
            ("b".into(), 2_500, 6_001),
            ("b".into(), 5_000, 8_501)
        ]
    );
    assert_eq!(
        (h["pot_cents"].as_i64(), h["used_cents"].as_i64(), h["left_cents"].as_i64()),
        (Some(10_000), Some(8_501), Some(1_499))
    );
    // The last point of each cohort is what its document says the pot added today.
    for c in h["cohorts"].as_array().unwrap() {
        let doc = app.document(c["slug"].as_str().unwrap()).await;
        assert_eq!(c["added_cents"], doc["pot"]["added_cents"]);
    }
    assert_eq!(h["cohorts"], json!([{"slug": "a", "added_cents": 3_501}, {"slug": "b", "added_cents": 5_000}]));

    // € 85,01 given, shared 60 : 40. In total 5 100,6 and 3 400,4 cents: the larger
    // remainder gets the spare cent (5 101 and 3 400). In a (€ 35,01): 2 100,6 and
    // 1 400,4, the spare cent to Oranje Fonds; in b (€ 50): 3 000 and 2 000.
    let r = admin_get(&app, &format!("/api/v1/admin/programmes/{SLUG}/settlements")).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(
        (s["programme"].as_str(), s["currency"].as_str(), s["used_cents"].as_i64()),
        (Some(SLUG), Some("EUR"), Some(8_501))
    );
    assert_eq!(
        s["funders"],
        json!([
            {"funder": "Oranje Fonds", "amount_cents": 6_000, "per_cohort": [{"slug": "a", "added_cents": 2_101}, {"slug": "b", "added_cents": 3_000}], "total_cents": 5_101},
            {"funder": "Provincie Utrecht", "amount_cents": 4_000, "per_cohort": [{"slug": "a", "added_cents": 1_400}, {"slug": "b", "added_cents": 2_000}], "total_cents": 3_400}
        ])
    );
    let r = admin_get(&app, &format!("/api/v1/admin/programmes/{SLUG}/settlements.csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let pot = "Vermenigvuldigingspot Starters4Communities";
    let expected = [
        "programme,pot,funder,funder_amount_cents,cohort,amount_cents,amount".to_owned(),
        format!("{SLUG},{pot},Oranje Fonds,6000,a,2101,21.01"),
        format!("{SLUG},{pot},Oranje Fonds,6000,b,3000,30.00"),
        format!("{SLUG},{pot},Oranje Fonds,6000,total,5101,51.01"),
        format!("{SLUG},{pot},Provincie Utrecht,4000,a,1400,14.00"),
        format!("{SLUG},{pot},Provincie Utrecht,4000,b,2000,20.00"),
        format!("{SLUG},{pot},Provincie Utrecht,4000,total,3400,34.00"),
    ];
    assert_eq!(r.text().await.unwrap(), expected.join("\r\n") + "\r\n");
}

/// Figures for the README, not a check: the size and server time of a cohort document
/// and of the programme document with 10 cohorts in a pot (100 pledges each). Run with
/// `cargo test -p cofund-server --test api programmes::measure -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn measure_ten_cohorts_in_a_pot() {
    let app = spawn_with(|s| s.pledge_rate_per_minute = 0).await;
    let slugs: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    for s in &slugs {
        app.open_cohort(s).await;
    }
    let mut big = settings();
    big["pot"]["pot_cents"] = json!(1_000_000);
    big["pot"]["funders"] = json!([{"name": "Oranje Fonds", "amount_cents": 600_000}, {"name": "Provincie Utrecht", "amount_cents": 400_000}]);
    big["pot"]["cap_per_cohort_cents"] = json!(200_000);
    assert_eq!(put_programme(&app, &big).await.status(), 201);
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (client, url, slug) = (app.client.clone(), app.address.clone(), slugs[i % 10].clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{url}/api/v1/cohorts/{slug}/pledges"))
                .header("Idempotency-Key", format!("m-{i}"))
                .json(&pledge_body(1_000 + (i as i64 * 37) % 4_000, &format!("m{i}@example.nl")))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let time = |path: String| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let body = app.get(&path).await.bytes().await.unwrap();
            (body.len(), started.elapsed())
        }
    };
    let mut rendered = Vec::new();
    let mut cached = Vec::new();
    for round in 0..5 {
        // A pledge makes every document of the programme stale: the next GET renders.
        app.pledge_ok("c0", &pledge_body(1_000, &format!("r{round}@example.nl"))).await;
        rendered.push(time("/api/v1/cohorts/c5".into()).await);
        cached.push(time("/api/v1/cohorts/c5".into()).await);
    }
    let programme = time(format!("/api/v1/programmes/{SLUG}")).await;
    let ms = |v: &[(usize, std::time::Duration)]| {
        let mut t: Vec<f64> = v.iter().map(|(_, d)| d.as_secs_f64() * 1000.0).collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    println!("10 cohorts in a pot, 1005 pledges (debug build):");
    println!(
        "  cohort document: {} bytes; rendered after a change: median {:.1} ms; cached: median {:.1} ms",
        rendered[0].0,
        ms(&rendered),
        ms(&cached)
    );
    println!("  programme document: {} bytes, {:.1} ms", programme.0, programme.1.as_secs_f64() * 1000.0);
}
