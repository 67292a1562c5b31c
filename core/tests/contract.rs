//! The contract's maths and validation, on the shipped example documents and on
//! generated ones.

use cofund_core::progress::{bar_bps, crowd_target_cents, matched_cents, percent_floor};
use cofund_core::*;
use proptest::prelude::*;

fn example(slug: &str) -> String {
    std::fs::read_to_string(format!("{}/../public/cohorts/{slug}.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn utrecht() -> CohortDocument {
    serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap()
}

fn field_errors(doc: CohortDocument) -> Vec<(String, &'static str)> {
    match Cohort::from_document(doc) {
        Err(DocumentError::Invalid(errors)) => errors.iter().map(|e| (e.field.clone(), e.problem.code())).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn every_example_document_is_valid() {
    for slug in [
        "utrecht-voorjaar-2027",
        "rotterdam-zuid-najaar-2027",
        "amsterdam-noord-2026",
        "den-haag-najaar-2026",
        "zwolle-voorjaar-2027",
    ] {
        let cohort = Cohort::from_json(&example(slug)).unwrap_or_else(|e| panic!("{slug}: {e}"));
        assert_eq!(cohort.document().slug, slug);
    }
}

#[test]
fn mid_campaign_figures() {
    let c = Cohort::from_document(utrecht()).unwrap();
    let s = c.summary();
    assert_eq!(s.budget_cents, 6_000_000);
    assert_eq!(s.crowd.target_cents, 3_000_000);
    assert_eq!(s.crowd.pledged_cents, 1_745_050);
    assert_eq!(s.crowd.percent_of_target, Some(58));
    assert_eq!(s.crowd.remaining_cents, 1_254_950);
    assert_eq!(s.crowd.bar_bps, 5816);
    assert!(!s.crowd.target_met);
    assert_eq!(s.own.target_cents, 300_000);
    assert_eq!(s.own.received_cents, 255_000);
    assert_eq!(s.own.percent_received, Some(85));
    // Gemeente Utrecht: € 12.000 fixed + 50 ct per crowd euro, capped at € 6.000.
    let m = s.stakeholders[0].matched.as_ref().unwrap();
    assert_eq!(m.cents_per_euro, 50);
    assert_eq!(m.unlocked_cents, 600_000);
    assert!(m.cap_reached);
    assert_eq!(s.stakeholders[0].total_cents, 1_800_000);
    assert_eq!(s.stakeholder_totals.committed_cents, 1_800_000);
    assert_eq!(s.stakeholder_totals.paid_cents, 500_000);
    assert_eq!(s.stakeholder_totals.conditional_cents, 400_000);
    assert_eq!(s.stakeholder_totals.total_cents, 2_700_000);
    assert_eq!(s.stakeholder_part.share_cents, 2_700_000);
    assert_eq!(s.funded_cents, 300_000 + 1_745_050 + 2_700_000);
    assert_eq!(s.gap_cents, 6_000_000 - s.funded_cents);
    assert_eq!(s.surplus_cents, 0);
    assert!(s.own_part.bar_bps + s.crowd_part.bar_bps + s.stakeholder_part.bar_bps <= 10_000);
}

#[test]
fn over_funding_shows_the_real_percentage() {
    let c = Cohort::from_json(&example("amsterdam-noord-2026")).unwrap();
    assert_eq!(c.summary().crowd.percent_of_target, Some(112));
    assert!(c.summary().crowd.target_met);
    assert_eq!(c.summary().crowd.bar_bps, 10_000);
    assert_eq!(c.summary().crowd.remaining_cents, 0);
}

#[test]
fn one_cent_short_is_not_a_hundred_percent() {
    let mut d = utrecht();
    d.crowd.pledged_cents = 2_999_999;
    d.crowd.received_cents = 0;
    let c = Cohort::from_document(d.clone()).unwrap();
    assert_eq!(c.summary().crowd.percent_of_target, Some(99));
    assert!(!c.summary().crowd.target_met);
    d.crowd.pledged_cents = 3_000_000;
    let c = Cohort::from_document(d).unwrap();
    assert_eq!(c.summary().crowd.percent_of_target, Some(100));
    assert!(c.summary().crowd.target_met);
}

#[test]
fn crowd_target_rounds_up_to_the_cent() {
    assert_eq!(crowd_target_cents(101, 5000), 51);
    assert_eq!(crowd_target_cents(100, 5000), 50);
    assert_eq!(crowd_target_cents(1, 1), 1);
    assert_eq!(crowd_target_cents(0, 5000), 0);
    assert_eq!(crowd_target_cents(i64::MAX, 10_000), i64::MAX);
}

#[test]
fn matches_round_down_and_stop_at_the_cap() {
    let offer = MatchOffer { ratio_bps: 5000, cap_cents: 600_000 };
    assert_eq!(matched_cents(&offer, 101), 50);
    assert_eq!(matched_cents(&offer, 1_000_000), 500_000);
    assert_eq!(matched_cents(&offer, 5_000_000), 600_000);
    let double = MatchOffer { ratio_bps: 20_000, cap_cents: i64::MAX };
    assert_eq!(matched_cents(&double, 1234), 2468);
}

#[test]
fn campaign_phases_and_days_left() {
    let c = Cohort::from_document(utrecht()).unwrap();
    assert_eq!(c.phase(ts("2027-02-14T09:00:00+01:00")), CampaignPhase::Upcoming { days_until_open: 1 });
    assert_eq!(c.phase(ts("2027-02-15T09:00:00+01:00")), CampaignPhase::Open { days_left: 60 });
    assert_eq!(c.phase(ts("2027-04-15T23:00:00+02:00")), CampaignPhase::Open { days_left: 1 });
    assert_eq!(c.phase(ts("2027-04-15T23:59:59+02:00")), CampaignPhase::Closed);
    assert!(c.accepts_pledges(ts("2027-03-01T12:00:00Z")));
    assert!(!c.accepts_pledges(ts("2027-05-01T12:00:00Z")));
    let read_only = Cohort::from_json(&example("zwolle-voorjaar-2027")).unwrap();
    assert!(!read_only.accepts_pledges(ts("2027-03-01T12:00:00Z")));
}

#[test]
fn negative_amounts_are_named() {
    let mut d = utrecht();
    d.crowd.pledged_cents = -1;
    d.stakeholders[1].amount_cents = -500;
    d.own_contributions.per_participant_cents = -1;
    let errors = field_errors(d);
    assert!(errors.contains(&("crowd.pledged_cents".into(), "negative")));
    assert!(errors.contains(&("stakeholders[1].amount_cents".into(), "negative")));
    assert!(errors.contains(&("own_contributions.per_participant_cents".into(), "negative")));
}

#[test]
fn percentages_over_a_hundred_are_refused() {
    let mut d = utrecht();
    d.crowd.target_share_bps = 10_001;
    assert_eq!(field_errors(d), vec![("crowd.target_share_bps".into(), "out_of_range")]);
}

#[test]
fn shares_above_the_budget_are_refused() {
    let mut d = utrecht();
    d.crowd.target_share_bps = 10_000; // plus € 3.000 own contributions > budget
    assert_eq!(field_errors(d), vec![("crowd.target_share_bps".into(), "inconsistent")]);
}

#[test]
fn overflow_names_the_field() {
    let mut d = utrecht();
    d.budget_cents = i64::MAX;
    d.stakeholders[0].amount_cents = i64::MAX;
    d.stakeholders[1].amount_cents = i64::MAX;
    assert_eq!(field_errors(d), vec![("stakeholders[0].amount_cents".into(), "overflow")]);

    let mut d = utrecht();
    d.own_contributions.participants = 1_000_000;
    d.own_contributions.per_participant_cents = i64::MAX / 10;
    assert_eq!(field_errors(d), vec![("own_contributions.per_participant_cents".into(), "overflow")]);
}

#[test]
fn inconsistent_fields_are_refused() {
    let mut d = utrecht();
    d.own_contributions.received = 21;
    d.crowd.received_cents = d.crowd.pledged_cents + 1;
    d.crowd.min_cents = 1000;
    d.crowd.max_cents = 500;
    d.campaign.closes_at = d.campaign.opens_at.clone();
    let errors = field_errors(d);
    for (f, code) in [
        ("own_contributions.received", "inconsistent"),
        ("crowd.received_cents", "inconsistent"),
        ("crowd.max_cents", "inconsistent"),
        ("campaign.closes_at", "inconsistent"),
    ] {
        assert!(errors.contains(&(f.into(), code)), "{f} in {errors:?}");
    }
}

#[test]
fn format_errors_name_the_field() {
    let mut d = utrecht();
    d.slug = "Utrecht 2027".into();
    d.currency = "euro".into();
    d.locale = Some("fr-FR".into());
    d.updated_at = "yesterday".into();
    d.history[3].date = "2027-02-30".into();
    d.links.pledge = Some("javascript:alert(1)".into());
    d.name = "  ".into();
    d.recent_pledges[0].message = Some("x".repeat(281));
    d.recent_pledges[1].name = Some("bell\u{7}".into());
    d.recent_pledges[2].message = Some("carriage\rreturn".into());
    d.recent_pledges[3].message = Some("two\nlines are fine".into());
    let errors = field_errors(d);
    for (f, code) in [
        ("slug", "format"),
        ("currency", "format"),
        ("locale", "format"),
        ("updated_at", "format"),
        ("history[3].date", "format"),
        ("links.pledge", "format"),
        ("name", "required"),
        ("recent_pledges[0].message", "too_long"),
        ("recent_pledges[1].name", "control_characters"),
        ("recent_pledges[2].message", "control_characters"),
    ] {
        assert!(errors.contains(&(f.into(), code)), "{f} {code} in {errors:?}");
    }
    assert!(!errors.iter().any(|(f, _)| f == "recent_pledges[3].message"));
}

#[test]
fn history_must_be_cumulative_and_ordered() {
    let mut d = utrecht();
    d.history[5].pledged_cents = d.history[4].pledged_cents - 1;
    assert_eq!(field_errors(d), vec![("history[5].pledged_cents".into(), "inconsistent")]);
    let mut d = utrecht();
    d.history.swap(2, 3);
    assert!(field_errors(d).contains(&("history[3].date".into(), "inconsistent")));
}

#[test]
fn schema_versions_and_malformed_json() {
    let json = example("utrecht-voorjaar-2027");
    let v2 = json.replace("cofund/cohort@1", "cofund/cohort@2");
    assert_eq!(Cohort::from_json(&v2), Err(DocumentError::UnsupportedSchema { found: Some("cofund/cohort@2".into()) }));
    assert_eq!(Cohort::from_json("{}"), Err(DocumentError::UnsupportedSchema { found: None }));
    assert!(matches!(Cohort::from_json("{\"schema\": "), Err(DocumentError::Json(_))));
    assert!(matches!(Cohort::from_json("[1,2]"), Err(DocumentError::Json(_))));
    assert!(matches!(Cohort::from_json(&format!("{json} x")), Err(DocumentError::Json(_))));
}

// Reading forgivingly, failing precisely (Cohort::from_json, what the widget calls).

/// The error of reading `doc` (a JSON value) as the widget does.
fn read_error(doc: &serde_json::Value) -> Vec<(String, Problem)> {
    match Cohort::from_json(&doc.to_string()) {
        Err(DocumentError::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.problem)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn utrecht_value() -> serde_json::Value {
    serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap()
}

fn wrong_type(expected: &str) -> Problem {
    Problem::WrongType { expected: expected.into() }
}

#[test]
fn a_value_of_the_wrong_type_names_its_field_and_the_type_expected() {
    use serde_json::json;
    let cases: [(&str, serde_json::Value, &str, Problem); 8] = [
        ("/budget_cents", json!("6000000"), "budget_cents", wrong_type("integer")),
        ("/budget_cents", json!(60000.5), "budget_cents", wrong_type("integer")),
        ("/crowd/pledged_cents", json!(null), "crowd.pledged_cents", wrong_type("integer")),
        ("/stakeholders/1/amount_cents", json!("12.000"), "stakeholders[1].amount_cents", wrong_type("integer")),
        ("/name", json!(5), "name", wrong_type("string")),
        ("/stakeholders", json!({"a": 1}), "stakeholders", wrong_type("array")),
        ("/programme", json!("Starters4Communities"), "programme", wrong_type("object")),
        // Beyond 64 bits: an integer, but no sum could hold it.
        ("/budget_cents", json!(u64::MAX), "budget_cents", Problem::Overflow),
    ];
    for (pointer, value, field, problem) in cases {
        let mut doc = utrecht_value();
        *doc.pointer_mut(pointer).unwrap() = value;
        assert_eq!(read_error(&doc), vec![(field.to_owned(), problem)], "{pointer}");
    }
    // Also in an indented document over many lines, as servers send them.
    let mut doc = utrecht_value();
    doc["stakeholders"][2]["match"]["cap_cents"] = json!([1]);
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    assert!(matches!(Cohort::from_json(&pretty), Err(DocumentError::Invalid(e))
        if e == vec![FieldError::new("stakeholders[2].match.cap_cents", wrong_type("integer"))]));
    let mut doc = utrecht_value();
    doc["crowd"].as_object_mut().unwrap().remove("min_cents");
    assert_eq!(read_error(&doc), vec![("crowd.min_cents".to_owned(), Problem::Required)]);
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    assert!(matches!(Cohort::from_json(&pretty), Err(DocumentError::Invalid(e))
        if e == vec![FieldError::new("crowd.min_cents", Problem::Required)]));
    let mut doc = utrecht_value();
    doc.as_object_mut().unwrap().remove("budget_cents");
    assert_eq!(read_error(&doc), vec![("budget_cents".to_owned(), Problem::Required)]);
}

#[test]
fn unknown_members_of_open_sets_fall_back() {
    let mut doc = utrecht_value();
    doc["stakeholders"][0]["kind"] = "cooperative".into();
    doc["stakeholders"][1]["status"] = "pending".into();
    let before = Cohort::from_json(&example("utrecht-voorjaar-2027")).unwrap();
    let c = Cohort::from_json(&doc.to_string()).unwrap();
    assert_eq!(c.document().stakeholders[0].kind, StakeholderKind::Other);
    assert_eq!(c.document().stakeholders[1].status, StakeholderStatus::Conditional);
    // An unknown status counts as not certain; the total does not change.
    let (b, a) = (&before.summary().stakeholder_totals, &c.summary().stakeholder_totals);
    assert_eq!(a.total_cents, b.total_cents);
    let moved = before.summary().stakeholders[1].total_cents;
    if before.document().stakeholders[1].status != StakeholderStatus::Conditional {
        assert_eq!(a.conditional_cents, b.conditional_cents + moved);
    }

    for (given, read) in
        [("en-US", Some("en-GB")), ("nl-BE", Some("nl-NL")), ("nl", Some("nl-NL")), ("fr-FR", None), ("", None)]
    {
        let mut doc = utrecht_value();
        doc["locale"] = given.into();
        assert_eq!(Cohort::from_json(&doc.to_string()).unwrap().document().locale.as_deref(), read, "{given}");
    }
    let mut doc = utrecht_value();
    doc["currency"] = " chf".into();
    assert_eq!(Cohort::from_json(&doc.to_string()).unwrap().document().currency, "CHF");
    doc["currency"] = "XTS".into(); // a code no table lists is still formatted, with its code
    assert_eq!(Cohort::from_json(&doc.to_string()).unwrap().document().currency, "XTS");
}

#[test]
fn writers_are_held_to_the_closed_sets() {
    let mut d = utrecht();
    d.stakeholders[0].kind = StakeholderKind::Unrecognised;
    d.stakeholders[1].status = StakeholderStatus::Unrecognised;
    d.locale = Some("en-US".into());
    let errors = field_errors(d);
    for f in ["stakeholders[0].kind", "stakeholders[1].status", "locale"] {
        assert!(errors.contains(&(f.into(), "format")), "{f} in {errors:?}");
    }
    let kind: StakeholderKind = serde_json::from_str("\"cooperative\"").unwrap();
    assert_eq!(kind, StakeholderKind::Unrecognised);
}

#[test]
fn long_texts_and_lists_are_cut_for_display() {
    let mut doc = utrecht_value();
    doc["name"] = "n".repeat(300).into();
    doc["stakeholders"][0]["condition"] = "c".repeat(900).into();
    doc["stakeholders"][0]["name"] = "Gemeente\tUtrecht".into();
    doc["recent_pledges"][0]["message"] = "m\n".repeat(400).into();
    doc["recent_pledges"][1]["name"] = "bell\u{7}".into();
    doc["initiatives"] = (0..250).map(|i| serde_json::json!({"name": format!("Initiatief {i}")})).collect();
    doc["crowd"]["suggested_cents"] = (1..=40).map(|i| i * 500).chain([1, -5]).rev().collect();
    let c = Cohort::from_json(&doc.to_string()).unwrap();
    let d = c.document();
    assert_eq!(d.name.chars().count(), 200);
    assert!(d.name.ends_with('…'));
    assert_eq!(d.stakeholders[0].condition.as_ref().unwrap().chars().count(), 500);
    assert_eq!(d.stakeholders[0].name, "Gemeente Utrecht");
    let message = d.recent_pledges[0].message.as_ref().unwrap();
    assert_eq!(message.chars().count(), 280);
    assert!(message.starts_with("m\nm\n"), "line feeds stay in messages");
    assert_eq!(d.recent_pledges[1].name.as_deref(), Some("bell "));
    assert_eq!(d.initiatives.len(), 200);
    assert_eq!(d.initiatives[199].name, "Initiatief 199");
    assert_eq!(d.crowd.suggested_cents.len(), 12);
    assert!(d.crowd.suggested_cents.iter().all(|s| (d.crowd.min_cents..=d.crowd.max_cents).contains(s)));
    // The figures are those of the full document.
    assert_eq!(c.summary(), Cohort::from_json(&example("utrecht-voorjaar-2027")).unwrap().summary());

    let mut doc = utrecht_value();
    let last = doc["history"].as_array().unwrap().last().unwrap().clone();
    let mut history = Vec::new();
    let mut day = ts("2021-01-01T12:00:00Z");
    for _ in 0..2100 {
        history.push(serde_json::json!({"date": &day.to_rfc3339()[..10], "pledged_cents": 0}));
        day = Timestamp::from_unix_millis(day.unix_millis() + 86_400_000);
    }
    history.push(last);
    doc["history"] = history.into();
    let c = Cohort::from_json(&doc.to_string()).unwrap();
    assert_eq!(c.document().history.len(), 2000);
    assert_eq!(
        c.document().history.last(),
        Cohort::from_json(&example("utrecht-voorjaar-2027")).unwrap().document().history.last()
    );
}

#[test]
fn links_that_are_not_http_are_dropped() {
    let mut doc = utrecht_value();
    doc["links"]["pledge"] = "javascript:alert(1)".into();
    doc["programme"]["url"] = "data:text/html,hi".into();
    doc["stakeholders"][0]["url"] = "//evil.example".into();
    doc["initiatives"][0]["url"] = "https://ok.example/x".into();
    let c = Cohort::from_json(&doc.to_string()).unwrap();
    let d = c.document();
    assert_eq!(
        (d.links.pledge.as_deref(), d.programme.url.as_deref(), d.stakeholders[0].url.as_deref()),
        (None, None, None)
    );
    assert_eq!(d.initiatives[0].url.as_deref(), Some("https://ok.example/x"));
    // Without a pledge link the document is read-only.
    assert!(!c.accepts_pledges(ts("2027-03-20T12:00:00+01:00")));
}

#[test]
fn what_makes_figures_wrong_still_refuses_the_document() {
    for (pointer, value, field, code) in [
        ("/budget_cents", serde_json::json!(-1), "budget_cents", "negative"),
        ("/crowd/target_share_bps", serde_json::json!(12_000), "crowd.target_share_bps", "out_of_range"),
        ("/crowd/received_cents", serde_json::json!(99_999_999), "crowd.received_cents", "inconsistent"),
        // The first stakeholder's fixed amount plus what its match unlocked no longer adds up.
        ("/stakeholders/0/amount_cents", serde_json::json!(i64::MAX), "stakeholders[0].amount_cents", "overflow"),
        ("/currency", serde_json::json!("euro"), "currency", "format"),
    ] {
        let mut doc = utrecht_value();
        *doc.pointer_mut(pointer).unwrap() = value;
        let errors = read_error(&doc);
        assert!(errors.iter().any(|(f, p)| (f.as_str(), p.code()) == (field, code)), "{pointer}: {errors:?}");
    }
}

#[test]
fn unknown_fields_are_ignored_and_optional_ones_may_be_missing() {
    let mut v: serde_json::Value = serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap();
    v["future_field"] = serde_json::json!({"anything": [1, 2, 3]});
    let o = v.as_object_mut().unwrap();
    for k in ["locale", "stakeholders", "initiatives", "recent_pledges", "history", "links", "currency"] {
        o.remove(k);
    }
    let c = Cohort::from_json(&v.to_string()).unwrap();
    assert_eq!(c.document().currency, "EUR");
    assert_eq!(c.summary().stakeholder_totals.total_cents, 0);
    assert!(!c.accepts_pledges(ts("2027-03-01T12:00:00Z")));
}

#[test]
fn new_crowd_totals_are_revalidated() {
    let c = Cohort::from_document(utrecht()).unwrap();
    let t = api::CrowdTotals { pledged_cents: 1_747_600, received_cents: 1_231_000, backers: 144 };
    let updated = c.with_crowd_totals(&t).unwrap();
    assert_eq!(updated.summary().crowd.backers, 144);
    let bad = api::CrowdTotals { pledged_cents: 1, received_cents: 2, backers: 1 };
    assert!(c.with_crowd_totals(&bad).is_err());
}

fn arb_doc() -> impl Strategy<Value = CohortDocument> {
    (
        1i64..1_000_000_000_000,
        0i64..=10_000,
        0i64..200,
        0i64..100_000,
        0i64..1_000_000_000_000,
        prop::collection::vec((0i64..100_000_000, 1i64..=40_000, 0i64..10_000_000, 0u8..3), 0..6),
    )
        .prop_map(|(budget, share, participants, per, pledged, stakeholders)| {
            let mut d = utrecht();
            d.budget_cents = budget;
            d.crowd.target_share_bps = share;
            d.own_contributions.participants = participants;
            d.own_contributions.received = participants / 2;
            d.own_contributions.per_participant_cents = per;
            d.crowd.pledged_cents = pledged;
            d.crowd.received_cents = pledged / 3;
            d.history.clear();
            d.stakeholders = stakeholders
                .into_iter()
                .map(|(amount, ratio, cap, status)| Stakeholder {
                    name: "S".into(),
                    kind: StakeholderKind::Other,
                    status: [StakeholderStatus::Committed, StakeholderStatus::Conditional, StakeholderStatus::Paid]
                        [status as usize],
                    amount_cents: amount,
                    url: None,
                    condition: None,
                    match_: (ratio % 2 == 0).then_some(MatchOffer { ratio_bps: ratio, cap_cents: cap }),
                    rules: Vec::new(),
                    evaluation: None,
                })
                .collect();
            d
        })
}

proptest! {
    #[test]
    fn summary_invariants(d in arb_doc()) {
        let Ok(c) = Cohort::from_document(d.clone()) else {
            // Only the shares-over-budget rule may refuse these documents.
            let own = d.own_contributions.participants * d.own_contributions.per_participant_cents;
            prop_assert!(own + crowd_target_cents(d.budget_cents, d.crowd.target_share_bps) > d.budget_cents);
            return Ok(());
        };
        let s = c.summary();
        // The target covers the share: target × 10 000 ≥ budget × bps, by less than a cent.
        let exact = i128::from(d.budget_cents) * i128::from(d.crowd.target_share_bps);
        prop_assert!(i128::from(s.crowd.target_cents) * 10_000 >= exact);
        prop_assert!(i128::from(s.crowd.target_cents - 1) * 10_000 < exact || s.crowd.target_cents == 0);
        // 100 % only when met.
        if let Some(p) = s.crowd.percent_of_target {
            prop_assert_eq!(p >= 100, s.crowd.pledged_cents >= s.crowd.target_cents);
            prop_assert_eq!(s.crowd.target_met, p >= 100);
        }
        prop_assert!((0..=10_000).contains(&s.crowd.bar_bps));
        prop_assert!(s.own_part.bar_bps + s.crowd_part.bar_bps + s.stakeholder_part.bar_bps <= 10_000);
        // Totals equal the parts.
        let by_status = s.stakeholder_totals.committed_cents + s.stakeholder_totals.conditional_cents + s.stakeholder_totals.paid_cents;
        prop_assert_eq!(by_status, s.stakeholder_totals.total_cents);
        prop_assert_eq!(s.stakeholders.iter().map(|x| x.total_cents).sum::<i64>(), s.stakeholder_totals.total_cents);
        for (p, st) in s.stakeholders.iter().zip(&d.stakeholders) {
            if let (Some(m), Some(offer)) = (&p.matched, &st.match_) {
                prop_assert!(m.unlocked_cents <= offer.cap_cents);
                prop_assert!(i128::from(m.unlocked_cents) * 10_000 <= i128::from(d.crowd.pledged_cents) * i128::from(offer.ratio_bps));
            }
        }
        prop_assert_eq!(s.funded_cents + s.gap_cents - s.surplus_cents, s.budget_cents);
        prop_assert!(s.gap_cents == 0 || s.surplus_cents == 0);
    }

    #[test]
    fn percent_floor_never_rounds_up(part in 0i64..i64::MAX, whole in 1i64..i64::MAX) {
        let p = percent_floor(part, whole).unwrap();
        prop_assert!(i128::from(p) * i128::from(whole) <= i128::from(part) * 100);
        prop_assert!(i128::from(p + 1) * i128::from(whole) > i128::from(part) * 100);
    }

    #[test]
    fn bar_is_always_within_bounds(part in i64::MIN..i64::MAX, whole in i64::MIN..i64::MAX) {
        prop_assert!((0..=10_000).contains(&bar_bps(part, whole)));
    }

    #[test]
    fn documents_never_panic_the_parser(s in "\\PC{0,64}") {
        let _ = Cohort::from_json(&s);
    }

    #[test]
    fn serialising_a_valid_document_round_trips(d in arb_doc()) {
        if let Ok(c) = Cohort::from_document(d) {
            let json = serde_json::to_string(c.document()).unwrap();
            prop_assert_eq!(Cohort::from_json(&json).unwrap(), c);
        }
    }
}

/// The JSON Schema in schema/ documents exactly the fields the types serialise, at
/// every level, so the two cannot drift apart.
#[test]
fn json_schema_names_every_field() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/../schema/cohort-v1.schema.json", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    let mut full = utrecht();
    full.stakeholders[0].condition = Some("c".into());
    full.initiatives[0].url = Some("https://example.org".into());
    full.links.pledge = Some("/p".into());
    full.links.events = Some("/e".into());
    // Contract 1.1: every kind of rule with every optional field, and an evaluation.
    full.schema = SCHEMA_V1_1.into();
    full.stakeholders[0].rules = serde_json::from_str(
        r#"[{"kind":"match","ratio_bps":10000,"basis":"received","cap_per_gift_cents":100,"cap_per_donor_cents":200,
             "cap_cents":300,"from":"2027-03-01T00:00:00Z","until":"2027-03-02T00:00:00Z","first_gift_only":true},
            {"kind":"trigger","amount_cents":100,"share_of_target_bps":5000,"backers":10,"by":"2027-04-01T00:00:00Z"},
            {"kind":"all_or_nothing"}]"#,
    )
    .unwrap();
    let setting = rules::Setting {
        crowd_target_cents: 3_000_000,
        closes_at: ts("2027-04-16T00:00:00Z"),
        now: ts("2027-03-20T00:00:00Z"),
    };
    let mut evaluation = rules::evaluate(&full.stakeholders[0].rules, &setting, &[]);
    evaluation.rules[1].met_at = Some("2027-03-01T00:00:00Z".into());
    full.stakeholders[0].evaluation = Some(evaluation);
    // Contract 1.1: the programme's multiplier pot.
    full.pot = Some(
        serde_json::from_str(
            r#"{"programme":"starters4communities","name":"Pot","funders":[{"name":"Oranje Fonds","amount_cents":1000}],
                "pot_cents":1000,"ratio_bps":10000,"cap_per_gift_cents":100,"cap_per_cohort_cents":500,
                "added_cents":100,"left_cents":900,"exhausted":false}"#,
        )
        .unwrap(),
    );
    // Contract 1.2: the group's tally and pledges of time and goods, every optional field.
    full.group = Some(
        serde_json::from_str(
            r#"{"participants":3,"bringing_supporters":2,"order":"name","listed":[{"handle":"anna","name":"Anna",
                "appeal":"Steun ons","target_cents":50000,"pledged_cents":2500,"backers":1}]}"#,
        )
        .unwrap(),
    );
    full.in_kind = Some(
        serde_json::from_str(
            r#"{"pledges":2,"minutes_pledged":240,"minutes_delivered":0,"goods":12,
                "value":{"per_hour_cents":1500,"value_cents":6000,"counted":false}}"#,
        )
        .unwrap(),
    );
    let doc = serde_json::to_value(&full).unwrap();

    fn compare(path: &str, value: &serde_json::Value, schema: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                // A tagged union: the branch whose `kind` is this value's.
                let schema = match schema["oneOf"].as_array() {
                    Some(branches) => branches
                        .iter()
                        .find(|b| b["properties"]["kind"]["const"] == map["kind"])
                        .unwrap_or_else(|| panic!("{path}: no branch of kind {}", map["kind"])),
                    None => schema,
                };
                let props =
                    schema["properties"].as_object().unwrap_or_else(|| panic!("{path}: no properties in schema"));
                let mut keys: Vec<_> = map.keys().collect();
                let mut documented: Vec<_> = props.keys().collect();
                keys.sort();
                documented.sort();
                assert_eq!(keys, documented, "fields at {path}");
                for (k, v) in map {
                    compare(&format!("{path}.{k}"), v, &props[k]);
                }
            }
            serde_json::Value::Array(items) => {
                // The first item has every optional field; of a tagged union, every item
                // (one of each kind).
                let all = if schema["items"]["oneOf"].is_array() { items.len() } else { 1 };
                for item in items.iter().take(all) {
                    compare(&format!("{path}[]"), item, &schema["items"]);
                }
            }
            _ => {}
        }
    }
    compare("$", &doc, &schema);
    let required = schema["required"].as_array().unwrap();
    assert!(required.iter().all(|r| doc.get(r.as_str().unwrap()).is_some()));
}

// The widget named `closes_at`'s day as the closing day, the dashboard the day of the
// second before it: for a campaign closing at midnight they said different days.
#[test]
fn a_campaign_closing_at_midnight_closed_on_the_day_before() {
    let mut d = utrecht();
    d.campaign.closes_at = "2027-04-16T00:00:00Z".into();
    let c = Cohort::from_document(d).unwrap();
    assert_eq!(c.last_open_second(), ts("2027-04-15T23:59:59Z"));
    assert_eq!(c.last_open_second().date_utc(), ts("2027-04-15T12:00:00Z").date_utc());
    assert_eq!(c.phase(c.last_open_second()), CampaignPhase::Open { days_left: 1 });
    assert_eq!(c.phase(c.closes_at()), CampaignPhase::Closed);
    let mut d = utrecht();
    d.campaign.closes_at = "2027-04-15T23:59:59+02:00".into();
    let c = Cohort::from_document(d).unwrap();
    assert_eq!(c.last_open_second(), ts("2027-04-15T23:59:58+02:00"));
}

// The server's paths and the contract's `slug` field read the same rule.
#[test]
fn slugs_follow_one_rule() {
    for ok in ["a", "utrecht-voorjaar-2027", &"a".repeat(64)] {
        assert!(is_slug(ok), "{ok}");
    }
    for bad in ["", "Utrecht", "a_b", "a b", "é", &"a".repeat(65)] {
        assert!(!is_slug(bad), "{bad}");
        let mut d = utrecht();
        d.slug = bad.to_string();
        assert!(field_errors(d).contains(&("slug".into(), "format")), "{bad}");
    }
}

// The database, the admin API's filters, the dashboard and the CLI read statuses and
// kinds by the names serde writes.
#[test]
fn names_of_statuses_and_kinds_are_the_serialised_ones() {
    use cofund_core::api::PledgeStatus;
    for s in PledgeStatus::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(PledgeStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(PledgeStatus::parse("Pledged"), None);
    for k in StakeholderKind::KNOWN {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        assert_eq!(StakeholderKind::parse(k.as_str()), Some(k));
    }
    for s in StakeholderStatus::KNOWN {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(StakeholderStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(StakeholderKind::parse("unrecognised"), None);
    assert_eq!(StakeholderStatus::parse("unrecognised"), None);
}

/// The copies of the free-text rule disagreed: the pledge refused bidirectional
/// overrides, the cohort document, the programme and the pot did not. Every writer now
/// refuses them and the forgiving reader takes them out.
#[test]
fn every_writer_refuses_invisible_formatting_and_the_reader_takes_it_out() {
    let disguised = "Gemeente Utrecht\u{202E}gnidnoF";
    let json = include_str!("../../public/cohorts/utrecht-voorjaar-2027.json");
    let mut doc: CohortDocument = serde_json::from_str(json).unwrap();
    doc.stakeholders[0].name = disguised.to_owned();
    let fields: Vec<String> = match Cohort::from_document(doc.clone()) {
        Err(DocumentError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected the name refused, got {other:?}"),
    };
    assert_eq!(fields, vec!["stakeholders[0].name".to_owned()]);
    let read = Cohort::from_json(&serde_json::to_string(&doc).unwrap()).expect("read forgivingly");
    assert_eq!(read.document().stakeholders[0].name, "Gemeente UtrechtgnidnoF");

    let programme: cofund_core::programme::ProgrammeSettings =
        serde_json::from_value(serde_json::json!({ "name": disguised })).unwrap();
    let errors = programme.validate().unwrap_err();
    assert_eq!(errors, vec![FieldError::new("name", Problem::ControlCharacters)]);

    let pledge = cofund_core::api::PledgeRequest {
        amount_cents: 2500,
        name: Some(disguised.to_owned()),
        show_name: true,
        show_amount: true,
        email: "anna@example.nl".to_owned(),
        message: None,
        consent: true,
        news: false,
        website: None,
        locale: None,
        fundraiser: None,
    };
    let errors = cofund_core::api::validate_pledge(&pledge, 500, 500_000).unwrap_err();
    assert_eq!(errors, vec![FieldError::new("name", Problem::ControlCharacters)]);
}

/// Contract 1.2 (issue 15): a document with the group's tally and pledges of time and
/// goods reads; figures that do not add up are left out by a reader and refused by a
/// writer; a 1.0 reader's fields are untouched.
#[test]
fn a_group_and_time_and_goods_read_forgivingly_and_are_checked_strictly() {
    let mut doc = utrecht();
    doc.schema = SCHEMA_V1_2.into();
    doc.group = Some(
        serde_json::from_str(
            r#"{"participants":2,"bringing_supporters":1,"order":"leaderboard-of-the-future",
                "listed":[{"handle":"anna","name":"Anna\u202e","pledged_cents":2500,"backers":1}]}"#,
        )
        .unwrap(),
    );
    doc.in_kind =
        Some(serde_json::from_str(r#"{"pledges":1,"minutes_pledged":240,"minutes_delivered":0,"goods":0}"#).unwrap());
    let json = serde_json::to_string(&doc).unwrap();
    let read = Cohort::from_json(&json).expect("a 1.2 document reads");
    let group = read.document().group.as_ref().unwrap();
    assert_eq!(group.order, cofund_core::participants::ParticipantOrder::Unrecognised);
    assert_eq!(group.listed[0].name, "Anna", "invisible formatting taken out");
    assert_eq!(read.document().in_kind.as_ref().unwrap().minutes_pledged, 240);
    // The crowd's euro figures do not include the time.
    assert_eq!(read.summary().crowd.pledged_cents, utrecht().crowd.pledged_cents);

    match Cohort::from_document(doc.clone()) {
        Err(DocumentError::Invalid(errors)) => {
            assert_eq!(errors, vec![FieldError::new("group.listed[0].name", Problem::ControlCharacters)])
        }
        other => panic!("a writer refuses the disguised name, got {other:?}"),
    }

    let mut wrong = doc.clone();
    wrong.group.as_mut().unwrap().bringing_supporters = 5;
    wrong.in_kind.as_mut().unwrap().goods = -1;
    let read = Cohort::from_json(&serde_json::to_string(&wrong).unwrap()).expect("still reads");
    assert!(read.document().group.is_none() && read.document().in_kind.is_none(), "left out, not shown wrong");
}
