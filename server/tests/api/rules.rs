//! Stakeholder rules (contract 1.1): stored strictly through every way in, evaluated
//! into the document from the cohort's pledges.

use crate::helpers::*;
use serde_json::{json, Value};

/// Rules of the demo's Utrecht cohort: € 12.000 once the crowd has half of its target
/// (€ 15.000 of € 30.000); a fund doubling each euro, up to € 100 a gift, € 5.000 in all.
fn with_rules(slug: &str) -> Value {
    let mut def = definition(slug);
    def["stakeholders"] = json!([
        {"name": "Gemeente Utrecht", "kind": "municipality", "status": "committed", "amount_cents": 0,
         "rules": [{"kind": "trigger", "amount_cents": 1_200_000, "share_of_target_bps": 5000}]},
        {"name": "Oranje Fonds", "kind": "fund", "status": "committed", "amount_cents": 0,
         "rules": [{"kind": "match", "ratio_bps": 10_000, "cap_per_gift_cents": 10_000, "cap_cents": 500_000}]}
    ]);
    def
}

fn stakeholder<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {doc}"))
}

#[tokio::test]
async fn rules_round_trip_into_the_document_with_figures_after_pledges_and_a_cancellation() {
    let app = spawn().await;
    app.cohort("utrecht", with_rules("utrecht")).await;
    let doc = app.document("utrecht").await;
    assert_eq!(doc["schema"], "cofund/cohort@1.1");
    let gemeente = stakeholder(&doc, "Gemeente Utrecht");
    assert_eq!(gemeente["rules"], json!([{"kind": "trigger", "amount_cents": 1_200_000, "share_of_target_bps": 5000}]));
    assert_eq!(gemeente["evaluation"]["rules"][0]["state"], "waiting");
    assert_eq!(gemeente["evaluation"]["available_cents"], 1_200_000);

    // € 25 (doubled), € 4.000 (€ 100 added: the per-gift cap), then € 5.000, € 5.000 and
    // € 1.000, which brings the crowd to € 15.025: half of its target.
    app.pledge_ok("utrecht", &pledge_body(2_500, "fatima@example.nl")).await;
    let big = app.pledge_ok("utrecht", &pledge_body(400_000, "joris@example.nl")).await;
    let doc = app.document("utrecht").await;
    let fonds = stakeholder(&doc, "Oranje Fonds");
    assert_eq!(fonds["evaluation"]["unlocked_cents"], 12_500);
    assert_eq!(fonds["evaluation"]["available_cents"], 487_500);
    assert_eq!(fonds["evaluation"]["rules"][0]["state"], "open");
    let gemeente = stakeholder(&doc, "Gemeente Utrecht");
    assert_eq!(gemeente["evaluation"]["rules"][0]["progress_bps"], 1_341); // € 4.025 of € 30.000
    app.pledge_ok("utrecht", &pledge_body(500_000, "sanne@example.nl")).await;
    app.pledge_ok("utrecht", &pledge_body(500_000, "daan@example.nl")).await;
    app.pledge_ok("utrecht", &pledge_body(100_000, "noor@example.nl")).await;
    let doc = app.document("utrecht").await;
    let gemeente = stakeholder(&doc, "Gemeente Utrecht");
    assert_eq!(gemeente["evaluation"]["rules"][0]["state"], "met");
    let met_at = gemeente["evaluation"]["rules"][0]["met_at"].as_str().expect("met_at");
    assert!(cofund_core::Timestamp::parse_rfc3339(met_at).is_some_and(|t| t <= now()));
    assert_eq!(gemeente["evaluation"]["unlocked_cents"], 1_200_000);
    assert_eq!(gemeente["evaluation"]["available_cents"], 0);
    assert_eq!(stakeholder(&doc, "Oranje Fonds")["evaluation"]["unlocked_cents"], 42_500);
    // The widget's reading of it: the rules count in the stakeholders' totals.
    let cohort = cofund_core::Cohort::from_json(&doc.to_string()).unwrap();
    assert_eq!(cohort.summary().stakeholder_totals.total_cents, 1_200_000 + 42_500);

    // Cancelling the € 4.000 gives back exactly the € 100 it unlocked, and the crowd
    // (€ 11.025) is below half of its target again: the trigger waits.
    let id = big["pledge"]["id"].as_str().unwrap();
    assert_eq!(app.admin_post(&format!("/api/v1/admin/pledges/{id}/cancel")).await.status(), 200);
    let doc = app.document("utrecht").await;
    assert_eq!(stakeholder(&doc, "Oranje Fonds")["evaluation"]["unlocked_cents"], 32_500);
    let gemeente = stakeholder(&doc, "Gemeente Utrecht");
    assert_eq!(gemeente["evaluation"]["rules"][0]["state"], "waiting");
    assert_eq!(gemeente["evaluation"]["rules"][0]["progress_bps"], 3_675);
    assert_eq!(gemeente["evaluation"]["unlocked_cents"], 0);
}

#[tokio::test]
async fn a_stakeholder_with_rules_is_put_through_the_admin_api() {
    let app = spawn().await;
    app.open_cohort("utrecht").await;
    let doc = app.document("utrecht").await;
    assert_eq!(doc["schema"], "cofund/cohort@1", "no rules: still a 1.0 document");
    let r = app
        .client
        .put(app.url("/api/v1/admin/cohorts/utrecht/stakeholders/Oranje%20Fonds"))
        .bearer_auth(&app.token)
        .json(&json!({"kind": "fund", "status": "committed", "amount_cents": 0,
                      "rules": [{"kind": "match", "ratio_bps": 20_000, "cap_cents": 100_000}, {"kind": "all_or_nothing"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.pledge_ok("utrecht", &pledge_body(2_500, "fatima@example.nl")).await;
    let doc = app.document("utrecht").await;
    let fonds = stakeholder(&doc, "Oranje Fonds");
    assert_eq!(fonds["evaluation"]["unlocked_cents"], 5_000, "two euro per euro");
    assert_eq!(fonds["evaluation"]["rules"][1]["state"], "waiting");
    let cohort = cofund_core::Cohort::from_json(&doc.to_string()).unwrap();
    let s = &cohort.summary().stakeholders[1];
    assert!(s.all_or_nothing_waiting);
    assert_eq!(s.total_cents, 5_000);
}

async fn put_stakeholder(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/admin/cohorts/utrecht/stakeholders/Fonds"))
        .bearer_auth(&app.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_bad_rule_gets_a_422_naming_its_field_and_stores_nothing() {
    let app = spawn().await;
    app.open_cohort("utrecht").await;
    let before = app.document("utrecht").await;
    let cases = [
        (json!({"kind": "match", "ratio_bps": 0}), "rules[0].ratio_bps"),
        (json!({"kind": "match", "ratio_bps": -10_000}), "rules[0].ratio_bps"),
        (
            json!({"kind": "match", "ratio_bps": 10_000, "cap_per_gift_cents": 600_000, "cap_cents": 500_000}),
            "rules[0].cap_per_gift_cents",
        ),
        (
            json!({"kind": "match", "ratio_bps": 10_000, "cap_per_donor_cents": 600_000, "cap_cents": 500_000}),
            "rules[0].cap_per_donor_cents",
        ),
        (json!({"kind": "match", "ratio_bps": 10_000, "from": days(2), "until": days(1)}), "rules[0].until"),
        (
            json!({"kind": "trigger", "amount_cents": 100, "share_of_target_bps": 10_001}),
            "rules[0].share_of_target_bps",
        ),
        (json!({"kind": "trigger", "amount_cents": 100, "share_of_target_bps": 5000, "by": days(30)}), "rules[0].by"),
        (json!({"kind": "trigger", "amount_cents": 100}), "rules[0].share_of_target_bps"),
        (json!({"kind": "pot_share", "amount_cents": 100}), "rules[0].kind"),
        (json!({"kind": "match", "ratio_bps": "1:1"}), "rules[0].ratio_bps"),
    ];
    for (rule, field) in cases {
        let r =
            put_stakeholder(&app, json!({"kind": "fund", "status": "committed", "amount_cents": 0, "rules": [rule]}))
                .await;
        let (status, code, fields) = error_of(r).await;
        assert_eq!((status, code.as_str(), fields), (422, "validation_failed", vec![field.to_owned()]), "{rule}");
    }
    assert_eq!(app.document("utrecht").await["stakeholders"], before["stakeholders"], "nothing stored");

    // The whole definition is checked the same way, with the definition's field names.
    let mut def = with_rules("utrecht");
    def["stakeholders"][1]["rules"][0]["ratio_bps"] = json!(0);
    def["stakeholders"][0]["rules"][0]["by"] = json!(days(45));
    let (status, _, fields) = error_of(app.put_cohort_with("utrecht", &def, &app.token).await).await;
    assert_eq!(status, 422);
    assert_eq!(fields, ["stakeholders[0].rules[0].by", "stakeholders[1].rules[0].ratio_bps"]);
    // An evaluation is the server's to compute.
    let mut def = with_rules("utrecht");
    def["stakeholders"][0]["evaluation"] = json!({"unlocked_cents": 1_200_000, "available_cents": 0, "rules": []});
    let (status, _, fields) = error_of(app.put_cohort_with("utrecht", &def, &app.token).await).await;
    assert_eq!((status, fields), (422, vec!["stakeholders[0].evaluation".to_owned()]));
    assert_eq!(app.document("utrecht").await["stakeholders"], before["stakeholders"], "nothing stored");
}

#[tokio::test]
async fn the_cli_stores_rules_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_database(dir.path(), "cli").await;
    let bin = env!("CARGO_BIN_EXE_cofund");
    let run = |args: &[&str]| {
        std::process::Command::new(bin).args(args).arg("--database").arg(database_arg(&db)).output().unwrap()
    };
    let file = dir.path().join("utrecht.json");
    std::fs::write(&file, with_rules("utrecht").to_string()).unwrap();
    let out = run(&["cohort", "put", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rules = r#"[{"kind":"match","ratio_bps":5000,"cap_cents":100000}]"#;
    let out = run(&[
        "stakeholder",
        "put",
        "utrecht",
        "--name",
        "VSBfonds",
        "--kind",
        "fund",
        "--status",
        "committed",
        "--amount",
        "0",
        "--rules",
        rules,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bad = r#"[{"kind":"match","ratio_bps":0}]"#;
    let out = run(&[
        "stakeholder",
        "put",
        "utrecht",
        "--name",
        "Nep",
        "--kind",
        "fund",
        "--status",
        "committed",
        "--amount",
        "0",
        "--rules",
        bad,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rules[0].ratio_bps"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["cohort", "show", "utrecht"]);
    let def: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> =
        def["stakeholders"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Gemeente Utrecht", "Oranje Fonds", "VSBfonds"]);
    assert_eq!(def["stakeholders"][2]["rules"][0]["ratio_bps"], 5000);
}

#[tokio::test]
async fn the_programme_document_adds_up_its_cohorts() {
    let app = spawn().await;
    app.cohort("utrecht", with_rules("utrecht")).await;
    app.open_cohort("zwolle").await;
    app.pledge_ok("utrecht", &pledge_body(2_500, "fatima@example.nl")).await;
    app.pledge_ok("zwolle", &pledge_body(10_000, "joris@example.nl")).await;
    let r = app.get("/api/v1/programmes/starters4communities").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["schema"], "cofund/programme@1");
    assert_eq!(p["name"], PROGRAMME);
    assert_eq!(p["cohorts"].as_array().unwrap().len(), 2);
    assert_eq!(p["totals"]["pledged_cents"], 12_500);
    assert_eq!(p["totals"]["backers"], 2);
    // Utrecht's fund doubled € 25; Zwolle's municipality: € 12.000 fixed + 50 ct per euro.
    assert_eq!(p["totals"]["stakeholders_cents"], 2_500 + 1_200_000 + 5_000);
    let again = app
        .client
        .get(app.url("/api/v1/programmes/starters4communities"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    app.pledge_ok("zwolle", &pledge_body(1_000, "sanne@example.nl")).await;
    let moved = app
        .client
        .get(app.url("/api/v1/programmes/starters4communities"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200, "a pledge in any cohort changes the programme");
    assert_eq!(app.get("/api/v1/programmes/nope").await.status(), 404);
}
