//! Stakeholder rules (contract 1.1): worked examples, validation, forgiving reading and
//! the evaluator's invariants.

use cofund_core::rules::{evaluate, preview_gift, Gift, GiftStatus, Setting};
use cofund_core::*;
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn example(slug: &str) -> String {
    std::fs::read_to_string(format!("{}/../public/cohorts/{slug}.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn rule(json: &str) -> Rule {
    serde_json::from_str(json).unwrap()
}

/// Target € 30.000, campaign closes 2027-04-16, now mid-campaign.
fn setting() -> Setting {
    Setting {
        crowd_target_cents: 3_000_000,
        closes_at: ts("2027-04-16T00:00:00+02:00"),
        now: ts("2027-03-20T12:00:00+01:00"),
    }
}

fn gift(amount_cents: i64, day: u32, donor: &str) -> Gift<'_> {
    Gift { amount_cents, at: ts(&format!("2027-03-{day:02}T10:00:00Z")), status: GiftStatus::Pledged, donor }
}

#[test]
fn a_capped_one_to_one_match_doubles_each_euro_until_the_cap() {
    let rules = [rule(r#"{"kind":"match","ratio_bps":10000,"cap_cents":500000}"#)];
    let gifts = [gift(2_500, 1, "a"), gift(300_000, 2, "b"), gift(300_000, 3, "c"), gift(1_000, 4, "d")];
    let e = evaluate(&rules, &setting(), &gifts);
    // € 25 + € 3.000 + € 1.975 of the third: the cap of € 5.000 is reached, the fourth gets nothing.
    assert_eq!(e.unlocked_cents, 500_000);
    assert_eq!(e.available_cents, Some(0));
    assert_eq!(e.rules[0].state, RuleState::Capped);
    let Rule::Match(m) = &rules[0] else { unreachable!() };
    assert_eq!(m.allocations(&gifts), vec![2_500, 300_000, 197_500, 0]);
}

#[test]
fn per_gift_and_per_donor_caps_and_first_gift_only() {
    let rules = [rule(
        r#"{"kind":"match","ratio_bps":20000,"cap_per_gift_cents":10000,"cap_per_donor_cents":15000,"cap_cents":1000000}"#,
    )];
    let Rule::Match(m) = &rules[0] else { unreachable!() };
    // Two euro per euro: € 20 → € 40, € 100 → € 200 capped at € 100 per gift, then the donor's € 150.
    let gifts = [gift(2_000, 1, "a"), gift(10_000, 2, "a"), gift(10_000, 3, "a"), gift(10_000, 4, "b")];
    assert_eq!(m.allocations(&gifts), vec![4_000, 10_000, 1_000, 10_000]);
    let first_only = rule(r#"{"kind":"match","ratio_bps":10000,"first_gift_only":true}"#);
    let Rule::Match(f) = &first_only else { unreachable!() };
    assert_eq!(f.allocations(&gifts), vec![2_000, 0, 0, 10_000]);
    // No total cap: nothing limits what is still available.
    let e = evaluate(&[first_only], &setting(), &gifts);
    assert_eq!((e.unlocked_cents, e.available_cents), (12_000, None));
}

#[test]
fn a_match_on_received_money_and_within_a_window() {
    let received = rule(r#"{"kind":"match","ratio_bps":5000,"basis":"received"}"#);
    let Rule::Match(r) = &received else { unreachable!() };
    let mut gifts = vec![gift(10_000, 1, "a"), gift(10_000, 2, "b")];
    gifts[1].status = GiftStatus::Received;
    assert_eq!(r.allocations(&gifts), vec![0, 5_000]);
    let window =
        rule(r#"{"kind":"match","ratio_bps":10000,"from":"2027-03-02T00:00:00Z","until":"2027-03-03T00:00:00Z"}"#);
    let Rule::Match(w) = &window else { unreachable!() };
    assert_eq!(w.allocations(&[gift(100, 1, "a"), gift(200, 2, "b"), gift(300, 3, "c")]), vec![0, 200, 0]);
    assert_eq!(evaluate(&[window], &setting(), &[]).rules[0].state, RuleState::Ended);
}

#[test]
fn a_trigger_waits_with_its_progress_then_is_met_at_the_pledge_that_met_it() {
    // € 12.000 once the crowd has half of its target (€ 15.000 of € 30.000).
    let rules = [rule(r#"{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":5000}"#)];
    let mut gifts = vec![gift(1_260_000, 1, "a")];
    let e = evaluate(&rules, &setting(), &gifts);
    assert_eq!(e.rules[0].state, RuleState::Waiting);
    assert_eq!(e.rules[0].progress_bps, Some(4_200)); // 42 % of the target, of the 50 % needed
    assert_eq!((e.unlocked_cents, e.available_cents), (0, Some(1_200_000)));
    gifts.push(gift(240_000, 5, "b"));
    gifts.push(gift(5_000, 6, "c"));
    let e = evaluate(&rules, &setting(), &gifts);
    assert_eq!(e.rules[0].state, RuleState::Met);
    assert_eq!(e.rules[0].met_at.as_deref(), Some("2027-03-05T10:00:00Z"));
    assert_eq!((e.unlocked_cents, e.available_cents), (1_200_000, Some(0)));
    // Cancelling the pledge that met it moves the moment to the next one that does.
    gifts[1].status = GiftStatus::Cancelled;
    assert_eq!(evaluate(&rules, &setting(), &gifts).rules[0].state, RuleState::Waiting);
}

#[test]
fn a_trigger_on_backers_and_by_a_date_expires_unmet() {
    let rules = [rule(r#"{"kind":"trigger","amount_cents":100000,"backers":3,"by":"2027-03-10T00:00:00Z"}"#)];
    let gifts = [gift(100, 1, "a"), gift(100, 2, "a"), gift(100, 3, "b")];
    let e = evaluate(&rules, &setting(), &gifts); // now is after the 10th
    assert_eq!(e.rules[0].state, RuleState::Expired);
    assert_eq!(e.rules[0].backers, Some(2));
    assert_eq!((e.unlocked_cents, e.available_cents), (0, Some(0)));
    // A third backer after the date does not count.
    let late = [gift(100, 1, "a"), gift(100, 2, "b"), gift(100, 11, "c")];
    assert_eq!(evaluate(&rules, &setting(), &late).rules[0].state, RuleState::Expired);
    let early = [gift(100, 1, "a"), gift(100, 2, "b"), gift(100, 9, "c")];
    assert_eq!(evaluate(&rules, &setting(), &early).rules[0].state, RuleState::Met);
}

#[test]
fn all_or_nothing_voids_the_commitment_when_the_target_is_missed_at_the_close() {
    let rules = [rule(r#"{"kind":"match","ratio_bps":10000}"#), rule(r#"{"kind":"all_or_nothing"}"#)];
    let gifts = [gift(1_000_000, 1, "a")];
    let open = evaluate(&rules, &setting(), &gifts);
    assert_eq!(open.rules[1].state, RuleState::Waiting);
    assert_eq!(open.rules[1].progress_bps, Some(3_333));
    assert_eq!(open.unlocked_cents, 1_000_000);
    let closed = Setting { now: ts("2027-04-20T00:00:00Z"), ..setting() };
    let after = evaluate(&rules, &closed, &gifts);
    assert_eq!(after.rules[1].state, RuleState::Expired);
    assert_eq!((after.unlocked_cents, after.available_cents), (0, Some(0)));
    let met = evaluate(&rules, &closed, &[gift(3_000_000, 1, "a")]);
    assert_eq!(met.rules[1].state, RuleState::Met);
    assert_eq!(met.unlocked_cents, 3_000_000);
}

#[test]
fn the_preview_is_what_a_new_gift_would_unlock() {
    let rules = [rule(r#"{"kind":"match","ratio_bps":10000,"cap_per_gift_cents":5000,"cap_cents":7500}"#)];
    let e = evaluate(&rules, &setting(), &[gift(497_500, 1, "a")]);
    assert_eq!(e.available_cents, Some(2_500));
    let now = setting().now;
    assert_eq!(preview_gift(&rules, &e, 2_500, now), Some(2_500)); // € 25 becomes € 50
    assert_eq!(preview_gift(&rules, &e, 10_000, now), Some(2_500)); // capped by what is left
    assert_eq!(preview_gift(&rules, &e, 0, now), None);
    let capped = evaluate(&rules, &setting(), &[gift(1_000_000, 1, "a"), gift(1_000_000, 2, "b")]);
    assert_eq!(preview_gift(&rules, &capped, 2_500, now), None);
    let trigger = [rule(r#"{"kind":"trigger","amount_cents":100,"backers":1}"#)];
    assert_eq!(preview_gift(&trigger, &evaluate(&trigger, &setting(), &[]), 2_500, now), None);
}

fn utrecht() -> CohortDocument {
    serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap()
}

fn rule_errors(rules: &str) -> Vec<(String, &'static str)> {
    let mut d = utrecht();
    d.stakeholders[1].rules = serde_json::from_str(rules).unwrap();
    d.stakeholders[1].evaluation = None;
    match Cohort::from_document(d) {
        Err(DocumentError::Invalid(errors)) => errors.iter().map(|e| (e.field.clone(), e.problem.code())).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn writers_get_each_bad_rule_named_by_its_field() {
    let p = "stakeholders[1].rules[0].";
    let cases: [(&str, &str, &str); 11] = [
        (r#"[{"kind":"match","ratio_bps":0}]"#, "ratio_bps", "out_of_range"),
        (r#"[{"kind":"match","ratio_bps":-5000}]"#, "ratio_bps", "negative"),
        (
            r#"[{"kind":"match","ratio_bps":10000,"cap_per_gift_cents":600000,"cap_cents":500000}]"#,
            "cap_per_gift_cents",
            "inconsistent",
        ),
        (
            r#"[{"kind":"match","ratio_bps":10000,"cap_per_donor_cents":600000,"cap_cents":500000}]"#,
            "cap_per_donor_cents",
            "inconsistent",
        ),
        (r#"[{"kind":"match","ratio_bps":10000,"cap_cents":0}]"#, "cap_cents", "out_of_range"),
        (
            r#"[{"kind":"match","ratio_bps":10000,"from":"2027-03-02T00:00:00Z","until":"2027-03-01T00:00:00Z"}]"#,
            "until",
            "inconsistent",
        ),
        (
            r#"[{"kind":"trigger","amount_cents":100,"share_of_target_bps":10001}]"#,
            "share_of_target_bps",
            "out_of_range",
        ),
        (
            r#"[{"kind":"trigger","amount_cents":100,"share_of_target_bps":5000,"by":"2027-05-01T00:00:00Z"}]"#,
            "by",
            "inconsistent",
        ),
        (r#"[{"kind":"trigger","amount_cents":100}]"#, "share_of_target_bps", "required"),
        (r#"[{"kind":"pot_share","amount_cents":100}]"#, "kind", "format"),
        (r#"[{"kind":"match","ratio_bps":"1:1"}]"#, "ratio_bps", "wrong_type"),
    ];
    for (rules, field, code) in cases {
        assert_eq!(rule_errors(rules), vec![(format!("{p}{field}"), code)], "{rules}");
    }
    assert_eq!(
        rule_errors(r#"[{"kind":"all_or_nothing"},{"kind":"all_or_nothing"}]"#),
        vec![("stakeholders[1].rules".to_owned(), "format")]
    );
}

#[test]
fn a_stakeholder_on_its_own_is_checked_with_its_own_field_names() {
    let mut s = utrecht().stakeholders[0].clone();
    s.rules = vec![rule(r#"{"kind":"match","ratio_bps":0}"#)];
    s.evaluation = None;
    let errors = validate_stakeholder(&s).unwrap_err();
    assert_eq!(errors[0].field, "rules[0].ratio_bps");
}

#[test]
fn readers_show_what_they_cannot_compute_instead_of_refusing_the_document() {
    let mut v: serde_json::Value = serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap();
    v["stakeholders"][2]["rules"] = serde_json::json!([
        {"kind": "pot_share", "pot": "s4c"},
        {"kind": "match", "ratio_bps": "lots"},
        {"kind": "trigger", "amount_cents": 100, "share_of_target_bps": 20000},
        42,
    ]);
    v["stakeholders"][2]["evaluation"] = serde_json::json!({"unlocked_cents": 0, "available_cents": null, "rules": [{"state": "brand_new", "unlocked_cents": 0}]});
    let c = Cohort::from_json(&v.to_string()).expect("still shown");
    let s = &c.document().stakeholders[2];
    assert_eq!(s.rules.len(), 4);
    assert!(s.rules.iter().all(|r| matches!(r, Rule::Unreadable(_))));
    match &s.rules[0] {
        Rule::Unreadable(u) => assert_eq!(u.kind.as_deref(), Some("pot_share")),
        _ => unreachable!(),
    }
    // An evaluation that does not fit the rules is dropped; the figures stay as in 1.0.
    assert_eq!(s.evaluation, None);
    assert_eq!(c.summary().stakeholders[2].rules_unlocked_cents, 0);
    // A state from a newer version reads as unknown.
    let e: RuleEvaluation = serde_json::from_str(r#"{"state":"brand_new","unlocked_cents":0}"#).unwrap();
    assert_eq!(e.state, RuleState::Unknown);
}

#[test]
fn versions_one_and_one_point_one_read_and_two_does_not() {
    let mut v: serde_json::Value = serde_json::from_str(&example("utrecht-voorjaar-2027")).unwrap();
    for (schema, ok) in [
        ("cofund/cohort@1", true),
        ("cofund/cohort@1.1", true),
        ("cofund/cohort@1.7", true),
        ("cofund/cohort@2", false),
        ("cofund/cohort@1.", false),
        ("cofund/cohort@10", false),
    ] {
        v["schema"] = schema.into();
        assert_eq!(Cohort::from_json(&v.to_string()).is_ok(), ok, "{schema}");
    }
}

#[test]
fn the_evaluation_counts_in_the_stakeholder_totals() {
    let mut d = utrecht();
    let rules = vec![rule(r#"{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":5000}"#)];
    let gifts = [gift(1_745_050, 1, "a")];
    d.stakeholders[1].evaluation = Some(evaluate(&rules, &setting(), &gifts));
    d.stakeholders[1].rules = rules;
    let c = Cohort::from_document(d.clone()).unwrap();
    let s = &c.summary().stakeholders[1];
    assert_eq!(s.rules_unlocked_cents, 1_200_000);
    assert_eq!(s.total_cents, s.fixed_cents + 1_200_000);
    // All or nothing, still waiting: everything counts as conditional.
    d.stakeholders[1].rules.push(Rule::AllOrNothing);
    d.stakeholders[1].evaluation = Some(evaluate(&d.stakeholders[1].rules, &setting(), &gifts));
    let c = Cohort::from_document(d).unwrap();
    assert!(c.summary().stakeholders[1].all_or_nothing_waiting);
    assert_eq!(c.summary().stakeholder_totals.paid_cents, 0);
}

#[test]
fn rules_round_trip_through_json() {
    let json = r#"[{"kind":"match","ratio_bps":10000,"basis":"received","cap_per_gift_cents":100,"cap_per_donor_cents":200,"cap_cents":300,"from":"2027-03-01T00:00:00Z","until":"2027-03-02T00:00:00Z","first_gift_only":true},{"kind":"trigger","amount_cents":100,"share_of_target_bps":5000,"backers":10,"by":"2027-04-01T00:00:00Z"},{"kind":"all_or_nothing"}]"#;
    let rules: Vec<Rule> = serde_json::from_str(json).unwrap();
    assert_eq!(serde_json::to_string(&rules).unwrap(), json);
    // The default basis is written out; optional caps are left out.
    let plain = rule(r#"{"kind":"match","ratio_bps":5000}"#);
    assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"kind":"match","ratio_bps":5000,"basis":"pledged"}"#);
    let unknown = rule(r#"{"kind":"pot_share","x":1}"#);
    assert_eq!(serde_json::to_string(&unknown).unwrap(), r#"{"kind":"pot_share"}"#);
}

#[test]
fn the_cohort_previews_every_open_match_for_a_typed_amount() {
    let mut d = utrecht();
    // Gemeente Utrecht's 1.0 match is capped already; a fund doubles up to € 5.000.
    let rules = vec![rule(r#"{"kind":"match","ratio_bps":10000,"cap_cents":500000}"#)];
    d.stakeholders[2].evaluation = Some(evaluate(&rules, &setting(), &[gift(375_000, 1, "a")]));
    d.stakeholders[2].rules = rules;
    let c = Cohort::from_document(d).unwrap();
    let now = setting().now;
    let p = c.gift_preview(2_500, now);
    assert_eq!(p, vec![rules::GiftPreview { stakeholder: 2, adds_cents: 2_500, left_after_cents: Some(122_500) }]);
    assert_eq!(c.gift_preview(500_000, now)[0].adds_cents, 125_000);
    assert_eq!(c.gift_preview(500_000, now)[0].left_after_cents, Some(0));
}

#[test]
fn the_example_with_rules_reads_with_its_evaluation() {
    let c = Cohort::from_json(&example("rotterdam-zuid-najaar-2027")).unwrap();
    assert_eq!(c.document().schema, SCHEMA_V1_1);
    let oranje = &c.document().stakeholders[2];
    assert!(matches!(oranje.rules[0], Rule::Trigger(_)));
    assert_eq!(oranje.evaluation.as_ref().unwrap().rules[0].state, RuleState::Waiting);
    let s = c.summary();
    assert_eq!(s.stakeholders[2].total_cents, 0); // waiting: nothing due yet
    assert_eq!(s.stakeholders[3].rules_unlocked_cents, 12_500); // € 125 doubled
}

#[test]
fn the_next_change_is_the_nearest_date_a_rule_turns_on() {
    let rules = [
        rule(r#"{"kind":"match","ratio_bps":10000,"from":"2027-03-25T00:00:00Z","until":"2027-04-01T00:00:00Z"}"#),
        rule(r#"{"kind":"trigger","amount_cents":1,"backers":2,"by":"2027-03-22T00:00:00Z"}"#),
    ];
    let s = setting();
    assert_eq!(rules::next_change(&rules, s.closes_at, s.now), Some(ts("2027-03-22T00:00:00Z")));
    assert_eq!(rules::next_change(&rules, s.closes_at, ts("2027-04-02T00:00:00Z")), Some(s.closes_at));
    assert_eq!(rules::next_change(&rules, s.closes_at, ts("2027-05-01T00:00:00Z")), None);
}

// ---- properties -------------------------------------------------------------------

const DONORS: [&str; 4] = ["a", "b", "c", "d"];

fn arb_gifts() -> impl Strategy<Value = Vec<Gift<'static>>> {
    prop::collection::vec((1i64..2_000_000, 0i64..40, 0usize..4, 0u8..3), 0..30).prop_map(|v| {
        let mut at = ts("2027-02-15T00:00:00Z").0;
        v.into_iter()
            .map(|(amount, hours, donor, status)| {
                at += hours * 3600;
                Gift {
                    amount_cents: amount,
                    at: Timestamp(at),
                    status: [GiftStatus::Pledged, GiftStatus::Received, GiftStatus::Cancelled][status as usize],
                    donor: DONORS[donor],
                }
            })
            .collect()
    })
}

fn arb_match() -> impl Strategy<Value = MatchRule> {
    (
        1i64..=100_000,
        any::<bool>(),
        prop::option::of(1i64..100_000),
        prop::option::of(1i64..1_000_000),
        prop::option::of(1i64..5_000_000),
        any::<bool>(),
        prop::option::of(0i64..20),
    )
        .prop_map(|(ratio, received, gift, donor, total, first, window)| MatchRule {
            ratio_bps: ratio,
            basis: if received { Basis::Received } else { Basis::Pledged },
            cap_per_gift_cents: gift,
            cap_per_donor_cents: donor,
            cap_cents: total,
            from: window.map(|d| format!("2027-02-{:02}T00:00:00Z", 15 + d.min(13))),
            until: window.map(|d| format!("2027-03-{:02}T00:00:00Z", 1 + d)),
            first_gift_only: first,
        })
}

fn counted(m: &MatchRule, g: &Gift) -> bool {
    match m.basis {
        Basis::Pledged => g.status != GiftStatus::Cancelled,
        Basis::Received => g.status == GiftStatus::Received,
    }
}

proptest! {
    #[test]
    fn no_match_exceeds_a_cap_or_the_ratio(m in arb_match(), gifts in arb_gifts()) {
        let alloc = m.allocations(&gifts);
        let total: i64 = alloc.iter().sum();
        if let Some(cap) = m.cap_cents { prop_assert!(total <= cap); }
        let mut per_donor = std::collections::HashMap::new();
        let mut basis = 0i128;
        for (g, a) in gifts.iter().zip(&alloc) {
            prop_assert!(*a >= 0);
            if !counted(&m, g) { prop_assert_eq!(*a, 0); continue; }
            basis += i128::from(g.amount_cents);
            // Per gift: never above the ratio (rounded down) nor the per-gift cap.
            prop_assert!(i128::from(*a) * 10_000 <= i128::from(g.amount_cents) * i128::from(m.ratio_bps));
            if let Some(cap) = m.cap_per_gift_cents { prop_assert!(*a <= cap); }
            *per_donor.entry(g.donor).or_insert(0i64) += a;
        }
        if let Some(cap) = m.cap_per_donor_cents { prop_assert!(per_donor.values().all(|v| *v <= cap)); }
        prop_assert!(i128::from(total) * 10_000 <= basis * i128::from(m.ratio_bps));
        let e = evaluate(&[Rule::Match(m.clone())], &setting(), &gifts);
        prop_assert_eq!(e.unlocked_cents, total);
        if let (Some(cap), Some(avail)) = (m.cap_cents, e.available_cents) { prop_assert!(total + avail <= cap); }
    }

    /// The evaluation depends only on the gifts as they stand: after any sequence of
    /// new pledges and status changes it equals the evaluation of that final list made
    /// from scratch, and is the same each time it is computed.
    #[test]
    fn evaluation_equals_recomputation_after_any_changes(
        m in arb_match(),
        gifts in arb_gifts(),
        changes in prop::collection::vec((0usize..30, 0u8..3), 0..20),
        share in 1i64..=10_000,
    ) {
        let rules = vec![
            Rule::Match(m),
            Rule::Trigger(TriggerRule { amount_cents: 100_000, share_of_target_bps: Some(share), backers: Some(2), by: None }),
            Rule::AllOrNothing,
        ];
        let mut live = Vec::new();
        let mut last = evaluate(&rules, &setting(), &live);
        for (i, g) in gifts.iter().enumerate() {
            live.push(g.clone());
            if let Some((k, s)) = changes.get(i) {
                let k = k % live.len();
                live[k].status = [GiftStatus::Pledged, GiftStatus::Received, GiftStatus::Cancelled][*s as usize];
            }
            last = evaluate(&rules, &setting(), &live);
        }
        prop_assert_eq!(&last, &evaluate(&rules, &setting(), &live.clone()));
        let sum: i64 = last.rules.iter().map(|r| r.unlocked_cents).sum();
        prop_assert!(last.unlocked_cents == sum || last.unlocked_cents == 0);
    }

    /// Cancelling the newest counted pledge gives back exactly what it had unlocked;
    /// cancelling any pledge does, too, where no cap or first-gift rule makes later
    /// pledges take over its share; and with caps it never raises the total.
    #[test]
    fn cancelling_a_pledge_gives_back_what_it_unlocked(m in arb_match(), gifts in arb_gifts(), pick in 0usize..30) {
        prop_assume!(!gifts.is_empty());
        let before = m.allocations(&gifts);
        let total: i64 = before.iter().sum();
        let cancel = |k: usize| {
            let mut g = gifts.clone();
            g[k].status = GiftStatus::Cancelled;
            m.allocations(&g).iter().sum::<i64>()
        };
        if let Some(last) = gifts.iter().rposition(|g| counted(&m, g)) {
            prop_assert_eq!(cancel(last), total - before[last]);
        }
        let k = pick % gifts.len();
        let after = cancel(k);
        let uncapped = MatchRule { cap_per_gift_cents: m.cap_per_gift_cents, cap_per_donor_cents: None, cap_cents: None, first_gift_only: false, ..m.clone() };
        let free = uncapped.allocations(&gifts);
        let mut g = gifts.clone();
        g[k].status = GiftStatus::Cancelled;
        prop_assert_eq!(uncapped.allocations(&g).iter().sum::<i64>(), free.iter().sum::<i64>() - free[k]);
        if !m.first_gift_only {
            prop_assert!(after <= total);
            prop_assert!(after >= total - before[k]);
        }
    }

    #[test]
    fn a_trigger_is_all_or_nothing_of_its_amount(gifts in arb_gifts(), share in 1i64..=10_000, backers in prop::option::of(1i64..5)) {
        let t = Rule::Trigger(TriggerRule { amount_cents: 1_200_000, share_of_target_bps: Some(share), backers, by: None });
        let e = evaluate(&[t], &setting(), &gifts);
        let r = &e.rules[0];
        prop_assert!(r.unlocked_cents == 0 || r.unlocked_cents == 1_200_000);
        prop_assert_eq!(r.unlocked_cents == 1_200_000, r.state == RuleState::Met);
        prop_assert_eq!(r.met_at.is_some(), r.state == RuleState::Met);
        prop_assert_eq!(r.unlocked_cents + r.available_cents.unwrap(), if r.state == RuleState::Expired { 0 } else { 1_200_000 });
    }

    #[test]
    fn rules_never_panic_the_reader(s in "\\PC{0,80}") {
        let _ = serde_json::from_str::<Rule>(&s);
    }
}

#[test]
fn a_backer_is_the_trimmed_lower_cased_e_mail_address() {
    use cofund_core::rules::backer_key;
    assert_eq!(backer_key(" Élise@Example.NL "), "élise@example.nl");
    assert_eq!(backer_key("ANNE@example.nl"), backer_key("anne@EXAMPLE.nl\t"));
    assert_ne!(backer_key("anne@example.nl"), backer_key("anna@example.nl"));
}
