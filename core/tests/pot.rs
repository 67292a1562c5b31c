//! The programme's multiplier pot: never beyond the pot, a cohort's cap or the ratio,
//! first come first served across cohorts, exact to the cent once it runs out.

use cofund_core::pot::{allocate, validate_pot, Pot, PotGift};
use cofund_core::rules::{Gift, GiftStatus};
use cofund_core::Timestamp;
use proptest::prelude::*;

fn gift(cohort: usize, amount_cents: i64, minute: i64) -> PotGift<'static> {
    PotGift {
        cohort,
        gift: Gift {
            amount_cents,
            at: Timestamp(1_800_000_000 + minute * 60),
            status: GiftStatus::Pledged,
            donor: "d",
        },
    }
}

#[test]
fn first_come_first_served_across_cohorts_until_the_pot_is_empty() {
    // € 1.000 in the pot, 1:1, at most € 600 per cohort.
    let pot =
        Pot { pot_cents: 100_000, ratio_bps: 10_000, cap_per_gift_cents: None, cap_per_cohort_cents: Some(60_000) };
    // Given per cohort; allocated by time: cohort 1's € 500 (minute 1) comes first.
    let gifts = [gift(0, 40_000, 2), gift(0, 40_000, 4), gift(1, 50_000, 1), gift(2, 30_000, 3)];
    let a = allocate(&pot, 3, &gifts);
    assert_eq!(a.per_gift_cents, vec![40_000, 0, 50_000, 10_000]);
    assert_eq!(a.per_cohort_cents, vec![40_000, 50_000, 10_000]);
    assert_eq!((a.used_cents, a.left_cents), (100_000, 0));
    assert!(a.exhausted());
}

#[test]
fn a_pot_is_checked_field_by_field() {
    let bad = Pot { pot_cents: 0, ratio_bps: -1, cap_per_gift_cents: Some(5), cap_per_cohort_cents: Some(200) };
    let fields: Vec<_> = validate_pot(&bad).unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect();
    assert_eq!(
        fields,
        [
            ("pot_cents".to_owned(), "out_of_range"),
            ("ratio_bps".to_owned(), "negative"),
            ("cap_per_cohort_cents".to_owned(), "inconsistent"),
        ]
    );
    let good = Pot {
        pot_cents: 1_000_000,
        ratio_bps: 10_000,
        cap_per_gift_cents: Some(10_000),
        cap_per_cohort_cents: Some(250_000),
    };
    assert_eq!(validate_pot(&good), Ok(()));
}

fn arb_gifts() -> impl Strategy<Value = Vec<PotGift<'static>>> {
    prop::collection::vec((0usize..3, 1i64..600_000, 0i64..10_000, 0u8..4), 0..300).prop_map(|v| {
        v.into_iter()
            .map(|(cohort, amount, minute, status)| {
                let mut g = gift(cohort, amount, minute);
                g.gift.status = [GiftStatus::Pledged, GiftStatus::Received, GiftStatus::Pledged, GiftStatus::Cancelled]
                    [status as usize];
                g
            })
            .collect()
    })
}

proptest! {
    /// Three cohorts sharing a pot, up to 300 pledges: the pot is never exceeded, nor a
    /// cohort's cap or the ratio, and once it has run out what it gave equals the pot to
    /// the cent.
    #[test]
    fn the_pot_is_never_exceeded_and_runs_out_to_the_cent(
        gifts in arb_gifts(),
        pot_cents in 1i64..5_000_000,
        ratio in 1i64..=30_000,
        per_gift in prop::option::of(1i64..100_000),
        per_cohort in prop::option::of(1i64..5_000_000),
    ) {
        let pot = Pot { pot_cents, ratio_bps: ratio, cap_per_gift_cents: per_gift, cap_per_cohort_cents: per_cohort.map(|c| c.min(pot_cents)) };
        let a = allocate(&pot, 3, &gifts);
        prop_assert!(a.used_cents <= pot_cents);
        prop_assert_eq!(a.used_cents + a.left_cents, pot_cents);
        prop_assert_eq!(a.per_cohort_cents.iter().sum::<i64>(), a.used_cents);
        prop_assert_eq!(a.per_gift_cents.iter().sum::<i64>(), a.used_cents);
        for (g, given) in gifts.iter().zip(&a.per_gift_cents) {
            prop_assert!(*given >= 0);
            prop_assert!(i128::from(*given) * 10_000 <= i128::from(g.gift.amount_cents) * i128::from(ratio));
            if g.gift.status == GiftStatus::Cancelled { prop_assert_eq!(*given, 0); }
            if let Some(cap) = per_gift { prop_assert!(*given <= cap); }
        }
        if let Some(cap) = pot.cap_per_cohort_cents {
            prop_assert!(a.per_cohort_cents.iter().all(|c| *c <= cap));
        }
        // If some counted gift got less than it asked for and no cap of its own held it
        // back, the pot had run out: it gave exactly what was in it.
        let uncapped = per_gift.is_none() && per_cohort.is_none();
        let starved = gifts.iter().zip(&a.per_gift_cents).any(|(g, given)| {
            g.gift.status != GiftStatus::Cancelled && i128::from(*given) * 10_000 + 10_000 <= i128::from(g.gift.amount_cents) * i128::from(ratio)
        });
        if uncapped && starved { prop_assert_eq!(a.used_cents, pot_cents); prop_assert!(a.exhausted()); }
        // The order the cohorts' lists arrive in does not matter: it is the pledges' time.
        let mut reversed = gifts.clone();
        reversed.reverse();
        let b = allocate(&pot, 3, &reversed);
        prop_assert_eq!(b.used_cents, a.used_cents);
    }
}

mod programme {
    use cofund_core::programme::{programme_slug, ProgrammeDocument, PROGRAMME_SCHEMA_V1};
    use cofund_core::Cohort;

    fn example(slug: &str) -> Cohort {
        let json =
            std::fs::read_to_string(format!("{}/../public/cohorts/{slug}.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
        Cohort::from_json(&json).unwrap()
    }

    #[test]
    fn the_programme_adds_up_its_cohorts_as_their_widgets_show_them() {
        assert_eq!(programme_slug(" Starters4Communities "), "starters4communities");
        assert_eq!(programme_slug("Bouw & Buurt: Noord"), "bouw-buurt-noord");
        let cohorts: Vec<_> = ["utrecht-voorjaar-2027", "rotterdam-zuid-najaar-2027", "amsterdam-noord-2026"]
            .iter()
            .map(|s| (example(s), format!("/api/v1/cohorts/{s}")))
            .collect();
        let p = ProgrammeDocument::build("Starters4Communities", None, &cohorts).unwrap();
        assert_eq!(p.schema, PROGRAMME_SCHEMA_V1);
        assert_eq!(p.cohorts[0].slug, "rotterdam-zuid-najaar-2027", "newest campaign first");
        assert_eq!(p.totals.cohorts, 3);
        let pledged: i64 = cohorts.iter().map(|(c, _)| c.summary().crowd.pledged_cents).sum();
        assert_eq!(p.totals.pledged_cents, pledged);
        let stakeholders: i64 = cohorts.iter().map(|(c, _)| c.summary().stakeholder_totals.total_cents).sum();
        assert_eq!(p.totals.stakeholders_cents, stakeholders);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ProgrammeDocument>(&json).unwrap(), p);
    }
}

proptest! {
    /// Cancelling a pledge gives back what it had unlocked: gifts pledged before it keep
    /// exactly what they had, later ones never get less, and what the pot gave in all
    /// changes by what the cancelled gift had minus what the later ones now take from it.
    /// Cancelling the latest pledge puts exactly its share back in the pot.
    #[test]
    fn cancelling_a_pledge_gives_back_what_it_had_unlocked(
        gifts in arb_gifts(),
        pick in any::<prop::sample::Index>(),
        pot_cents in 1i64..5_000_000,
        ratio in 1i64..=30_000,
        per_cohort in prop::option::of(1i64..5_000_000),
    ) {
        prop_assume!(!gifts.is_empty());
        let pot = Pot { pot_cents, ratio_bps: ratio, cap_per_gift_cents: None, cap_per_cohort_cents: per_cohort.map(|c| c.min(pot_cents)) };
        let k = pick.index(gifts.len());
        let before = allocate(&pot, 3, &gifts);
        let mut cancelled = gifts.clone();
        cancelled[k].gift.status = GiftStatus::Cancelled;
        let after = allocate(&pot, 3, &cancelled);
        prop_assert_eq!(after.per_gift_cents[k], 0);
        let key = |i: usize| (gifts[i].gift.at, gifts[i].cohort, i);
        let mut later_gain = 0i64;
        for i in 0..gifts.len() {
            if i == k { continue; }
            if key(i) < key(k) {
                prop_assert_eq!(after.per_gift_cents[i], before.per_gift_cents[i]);
            } else {
                prop_assert!(after.per_gift_cents[i] >= before.per_gift_cents[i]);
                later_gain += after.per_gift_cents[i] - before.per_gift_cents[i];
            }
        }
        prop_assert_eq!(after.used_cents, before.used_cents - before.per_gift_cents[k] + later_gain);
        prop_assert!(later_gain <= before.per_gift_cents[k]);
        if (0..gifts.len()).all(|i| i == k || key(i) < key(k)) {
            prop_assert_eq!(after.left_cents, before.left_cents + before.per_gift_cents[k]);
        }
    }
}

mod contract {
    use cofund_core::pot::{allocate, Funder, PotDefinition, PotGift, PotState};
    use cofund_core::programme::{ImpactFigure, ImpactKind, ProgrammeSettings};
    use cofund_core::rules::{Gift, GiftStatus, Setting};
    use cofund_core::settlement::{settle, settle_pot, Ledger, LineKind};
    use cofund_core::{Cohort, CohortDocument, DocumentError, Timestamp};

    fn utrecht() -> CohortDocument {
        let json = std::fs::read_to_string(format!(
            "{}/../public/cohorts/utrecht-voorjaar-2027.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&json).unwrap()
    }

    fn definition() -> PotDefinition {
        PotDefinition {
            name: "Vermenigvuldigingspot Starters4Communities".into(),
            funders: vec![
                Funder { name: "Oranje Fonds".into(), amount_cents: 500_000 },
                Funder { name: "Provincie Utrecht".into(), amount_cents: 500_000 },
            ],
            pot_cents: 1_000_000,
            ratio_bps: 10_000,
            cap_per_gift_cents: Some(2_500),
            cap_per_cohort_cents: Some(300_000),
        }
    }

    fn state(added: i64, left: i64) -> PotState {
        PotState {
            programme: "starters4communities".into(),
            name: "Vermenigvuldigingspot Starters4Communities".into(),
            funders: definition().funders,
            pot_cents: 1_000_000,
            ratio_bps: 10_000,
            cap_per_gift_cents: Some(2_500),
            cap_per_cohort_cents: Some(300_000),
            added_cents: added,
            left_cents: left,
            exhausted: left == 0,
        }
    }

    #[test]
    fn the_pot_in_a_cohort_document_counts_as_committed_co_funding_once() {
        let plain = Cohort::from_document(utrecht()).unwrap();
        let mut d = utrecht();
        d.pot = Some(state(12_345, 54_321));
        let with_pot = Cohort::from_document(d).unwrap();
        let (a, b) = (&plain.summary().stakeholder_totals, &with_pot.summary().stakeholder_totals);
        assert_eq!(b.pot_cents, 12_345);
        assert_eq!(b.total_cents, a.total_cents + 12_345);
        assert_eq!(b.committed_cents, a.committed_cents + 12_345);
        assert_eq!(with_pot.summary().funded_cents, plain.summary().funded_cents + 12_345);
        let json = serde_json::to_value(with_pot.document()).unwrap();
        assert_eq!(json["pot"]["added_cents"], 12_345);
        assert_eq!(json["pot"]["cap_per_gift_cents"], 2_500);
        assert!(serde_json::to_value(plain.document()).unwrap().get("pot").is_none(), "absent without a pot");
    }

    #[test]
    fn a_pot_whose_figures_do_not_add_up_is_refused_by_writers_and_left_out_by_readers() {
        let mut d = utrecht();
        let mut bad = state(2_000_000, 0);
        bad.exhausted = false;
        d.pot = Some(bad);
        let Err(DocumentError::Invalid(errors)) = Cohort::from_document(d.clone()) else { panic!() };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pot.added_cents", "pot.exhausted"]);
        let read = Cohort::from_json(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(read.document().pot, None);
    }

    #[test]
    fn the_pot_preview_follows_the_typed_amount_within_caps_and_what_is_left() {
        let mut d = utrecht();
        d.pot = Some(state(299_000, 54_321));
        let c = Cohort::from_document(d).unwrap();
        // € 10 → € 10 (1:1); € 50 → € 25 (cap per gift); the cohort has € 10 of its cap left.
        assert_eq!(c.pot_preview(1_000).map(|p| (p.adds_cents, p.left_after_cents)), Some((1_000, 53_321)));
        let mut d = utrecht();
        d.pot = Some(state(0, 54_321));
        let c = Cohort::from_document(d).unwrap();
        assert_eq!(c.pot_preview(5_000).map(|p| p.adds_cents), Some(2_500));
        assert_eq!(c.pot_preview(0), None);
        let mut d = utrecht();
        d.pot = Some(state(0, 1_000));
        assert_eq!(Cohort::from_document(d).unwrap().pot_preview(5_000).map(|p| p.left_after_cents), Some(0));
        let mut d = utrecht();
        d.pot = Some(state(300_000, 0));
        assert_eq!(Cohort::from_document(d).unwrap().pot_preview(5_000), None, "an exhausted pot previews nothing");
    }

    fn settings(json: &str) -> ProgrammeSettings {
        serde_json::from_str(json).unwrap()
    }

    fn errors(s: &ProgrammeSettings) -> Vec<(String, &'static str)> {
        s.validate().unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect()
    }

    #[test]
    fn programme_settings_are_checked_field_by_field() {
        let good = ProgrammeSettings {
            name: "Starters4Communities".into(),
            url: Some("https://starters4communities.nl".into()),
            pot: Some(definition()),
            impact: vec![
                ImpactFigure {
                    kind: ImpactKind::Participants,
                    label: None,
                    value: 250,
                    as_of: "2026-06-30".into(),
                    source: "Jaarverslag 2025".into(),
                },
                ImpactFigure {
                    kind: ImpactKind::Custom,
                    label: Some("Buurtmaaltijden".into()),
                    value: 40,
                    as_of: "2026-06-30".into(),
                    source: "Eigen telling".into(),
                },
            ],
        };
        assert_eq!(good.validate(), Ok(()));
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(settings(&json), good);

        // A pot rule without a pot: no money in it, no funders.
        let s = settings(r#"{"name":"S4C","pot":{"name":"Pot","funders":[],"pot_cents":0,"ratio_bps":10000}}"#);
        assert_eq!(errors(&s), [("pot.funders".into(), "required"), ("pot.pot_cents".into(), "out_of_range")]);
        // A ratio of 0 or below; caps that contradict each other.
        let s = settings(
            r#"{"name":"S4C","pot":{"name":"Pot","funders":[{"name":"F","amount_cents":1000}],"pot_cents":1000,"ratio_bps":0,"cap_per_gift_cents":900,"cap_per_cohort_cents":500}}"#,
        );
        assert_eq!(
            errors(&s),
            [("pot.ratio_bps".into(), "out_of_range"), ("pot.cap_per_gift_cents".into(), "inconsistent")]
        );
        let s = settings(
            r#"{"name":"S4C","pot":{"name":"Pot","funders":[{"name":"F","amount_cents":1000}],"pot_cents":1000,"ratio_bps":-1,"cap_per_cohort_cents":5000}}"#,
        );
        assert_eq!(
            errors(&s),
            [("pot.ratio_bps".into(), "negative"), ("pot.cap_per_cohort_cents".into(), "inconsistent")]
        );
        // Funders that do not add up to the pot.
        let s = settings(
            r#"{"name":"S4C","pot":{"name":"Pot","funders":[{"name":"F","amount_cents":900}],"pot_cents":1000,"ratio_bps":10000}}"#,
        );
        assert_eq!(errors(&s), [("pot.pot_cents".into(), "inconsistent")]);
        // Impact: custom without a label, a share above 100 %, a bad date, no source.
        let s = settings(
            r#"{"name":"S4C","url":"javascript:alert(1)","impact":[
                {"kind":"custom","value":1,"as_of":"2026-06-30","source":"x"},
                {"kind":"found_work_share_bps","value":12000,"as_of":"30-06-2026","source":""},
                {"kind":"smiles","value":-1,"as_of":"2026-06-30","source":"x"}]}"#,
        );
        assert_eq!(
            errors(&s),
            [
                ("url".into(), "format"),
                ("impact[0].label".into(), "required"),
                ("impact[1].value".into(), "out_of_range"),
                ("impact[1].as_of".into(), "format"),
                ("impact[1].source".into(), "required"),
                ("impact[2].kind".into(), "format"),
                ("impact[2].value".into(), "negative"),
            ]
        );
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn a_settlement_lists_the_fixed_amount_each_matched_gift_and_the_met_trigger_from_the_evaluation() {
        let mut d = utrecht();
        // A fund: € 1.000 fixed, 1:1 on each gift up to € 20 per gift; the municipality
        // € 500 once there are two backers.
        d.stakeholders[0].rules =
            serde_json::from_str(r#"[{"kind":"match","ratio_bps":10000,"cap_per_gift_cents":2000}]"#).unwrap();
        d.stakeholders[0].amount_cents = 100_000;
        d.stakeholders[0].match_ = None;
        d.stakeholders[1].rules =
            serde_json::from_str(r#"[{"kind":"trigger","amount_cents":50000,"backers":2}]"#).unwrap();
        d.stakeholders[1].match_ = None;
        let setting = Setting {
            crowd_target_cents: 3_000_000,
            closes_at: ts("2027-04-16T00:00:00+02:00"),
            now: ts("2027-03-20T12:00:00+01:00"),
        };
        let gifts = [
            Gift { amount_cents: 1_500, at: ts("2027-03-02T10:00:00Z"), status: GiftStatus::Pledged, donor: "a" },
            Gift { amount_cents: 5_000, at: ts("2027-03-03T10:00:00Z"), status: GiftStatus::Cancelled, donor: "b" },
            Gift { amount_cents: 2_500, at: ts("2027-03-04T10:00:00Z"), status: GiftStatus::Received, donor: "c" },
        ];
        let pledges: Vec<String> = ["p1", "p2", "p3"].map(String::from).to_vec();
        let ledger = Ledger { gifts: &gifts, pledges: &pledges };
        let fund = settle(&d.stakeholders[0], &setting, ledger);
        let lines: Vec<_> = fund.lines.iter().map(|l| (l.kind, l.pledge.as_deref(), l.amount_cents)).collect();
        assert_eq!(
            lines,
            [
                (LineKind::Fixed, None, 100_000),
                (LineKind::Match, Some("p1"), 1_500),
                (LineKind::Match, Some("p3"), 2_000)
            ]
        );
        assert_eq!(fund.total_cents, 103_500);
        let evaluation = cofund_core::rules::evaluate(&d.stakeholders[0].rules, &setting, &gifts);
        assert_eq!(fund.total_cents, 100_000 + evaluation.unlocked_cents, "the evaluation's figure, line by line");
        let municipality = settle(&d.stakeholders[1], &setting, ledger);
        let trigger = municipality.lines.iter().find(|l| l.kind == LineKind::Trigger).unwrap();
        assert_eq!((trigger.at.as_deref(), trigger.pledge.as_deref()), (Some("2027-03-04T10:00:00Z"), Some("p3")));
        assert_eq!(trigger.amount_cents, 50_000);
        // The pot's statement: what allocate gave each gift.
        let pot = definition();
        let pot_gifts: Vec<PotGift> = gifts.iter().map(|g| PotGift { cohort: 0, gift: g.clone() }).collect();
        let a = allocate(&pot.rule(), 1, &pot_gifts);
        let s = settle_pot(&pot, ledger, &a.per_gift_cents);
        assert_eq!(s.lines.iter().map(|l| l.amount_cents).collect::<Vec<_>>(), [1_500, 2_500]);
        assert_eq!(s.total_cents, a.used_cents);
    }
}

mod history {
    use super::{arb_gifts, gift};
    use cofund_core::pot::{allocate, Pot, PotCohortShare};
    use proptest::prelude::*;

    fn slugs() -> Vec<String> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    #[test]
    fn the_pots_use_steps_per_cohort_at_each_allocated_pledge() {
        let pot =
            Pot { pot_cents: 100_000, ratio_bps: 10_000, cap_per_gift_cents: None, cap_per_cohort_cents: Some(60_000) };
        // As in the first test: cohort 1 (minute 1), cohort 0 (2), cohort 2 (3), cohort 0 (4, nothing left).
        let gifts = [gift(0, 40_000, 2), gift(0, 40_000, 4), gift(1, 50_000, 1), gift(2, 30_000, 3)];
        let a = allocate(&pot, 3, &gifts);
        let h = a.history(pot.pot_cents, &slugs(), &gifts);
        let steps: Vec<(&str, i64, i64)> =
            h.points.iter().map(|p| (p.cohort.as_str(), p.cohort_cents, p.used_cents)).collect();
        assert_eq!(steps, [("b", 50_000, 50_000), ("a", 40_000, 90_000), ("c", 10_000, 100_000)]);
        assert_eq!(h.points[0].at, gifts[2].gift.at.to_rfc3339());
        assert_eq!((h.pot_cents, h.used_cents, h.left_cents), (100_000, 100_000, 0));
        assert_eq!(
            h.cohorts,
            [
                PotCohortShare { slug: "a".into(), added_cents: 40_000 },
                PotCohortShare { slug: "b".into(), added_cents: 50_000 },
                PotCohortShare { slug: "c".into(), added_cents: 10_000 },
            ]
        );
    }

    proptest! {
        /// The last point of each cohort is what the documents say the pot added to it
        /// today, the pot's total only grows and never exceeds the pot, and its last
        /// point is what the pot gave.
        #[test]
        fn the_history_ends_at_todays_figures_and_never_exceeds_the_pot(
            gifts in arb_gifts(),
            pot_cents in 1i64..5_000_000,
            ratio in 1i64..=30_000,
            per_cohort in prop::option::of(1i64..5_000_000),
        ) {
            let pot = Pot { pot_cents, ratio_bps: ratio, cap_per_gift_cents: None, cap_per_cohort_cents: per_cohort.map(|c| c.min(pot_cents)) };
            let a = allocate(&pot, 3, &gifts);
            let h = a.history(pot_cents, &slugs(), &gifts);
            let mut last = [0i64; 3];
            let mut used = 0i64;
            let mut at = String::new();
            for p in &h.points {
                let i = slugs().iter().position(|s| *s == p.cohort).unwrap();
                prop_assert!(p.cohort_cents > last[i]);
                prop_assert!(p.used_cents > used);
                prop_assert!(p.used_cents <= pot_cents);
                prop_assert_eq!(p.used_cents, last.iter().sum::<i64>() + p.cohort_cents - last[i]);
                prop_assert!(p.at >= at);
                last[i] = p.cohort_cents;
                used = p.used_cents;
                at = p.at.clone();
            }
            prop_assert_eq!(last.to_vec(), a.per_cohort_cents.clone());
            prop_assert_eq!(used, a.used_cents);
            prop_assert_eq!(h.cohorts.iter().map(|c| c.added_cents).collect::<Vec<_>>(), a.per_cohort_cents);
        }
    }
}

mod funders {
    use cofund_core::pot::{Funder, PotCohortShare, PotDefinition};
    use cofund_core::settlement::{funder_statements, largest_remainder};
    use proptest::prelude::*;

    fn pot(amounts: &[i64]) -> PotDefinition {
        PotDefinition {
            name: "Pot".into(),
            funders: amounts
                .iter()
                .enumerate()
                .map(|(i, a)| Funder { name: format!("F{i}"), amount_cents: *a })
                .collect(),
            pot_cents: amounts.iter().sum(),
            ratio_bps: 10_000,
            cap_per_gift_cents: None,
            cap_per_cohort_cents: None,
        }
    }

    fn given(cents: &[i64]) -> Vec<PotCohortShare> {
        cents.iter().enumerate().map(|(i, c)| PotCohortShare { slug: format!("c{i}"), added_cents: *c }).collect()
    }

    #[test]
    fn largest_remainder_breaks_ties_by_funder_order() {
        assert_eq!(largest_remainder(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(largest_remainder(2, &[1, 1, 1]), [1, 1, 0]);
        // 7 × 3/6 = 3.5, 7 × 2/6 = 2.33, 7 × 1/6 = 1.17: the half gets the cent.
        assert_eq!(largest_remainder(7, &[3, 2, 1]), [4, 2, 1]);
        assert_eq!(largest_remainder(0, &[3, 2, 1]), [0, 0, 0]);
        assert_eq!(largest_remainder(5, &[0, 0]), [0, 0]);
    }

    #[test]
    fn each_funder_owes_its_share_per_cohort_and_in_total() {
        // The demo's pot: two funders of € 5.000 each; the pot gave € 25,01 and € 10,00.
        let s = funder_statements(&pot(&[500_000, 500_000]), &given(&[2_501, 1_000]));
        let cells: Vec<(i64, i64, i64)> =
            s.iter().map(|f| (f.per_cohort[0].added_cents, f.per_cohort[1].added_cents, f.total_cents)).collect();
        // In total 3 501 / 2: 1 751 and 1 750 (the tie's cent to the first funder).
        assert_eq!(cells, [(1_251, 500, 1_751), (1_250, 500, 1_750)]);
        // A tie in every cohort does not pile up on the first funder beyond its total.
        let s = funder_statements(&pot(&[1, 1]), &given(&[1, 1]));
        assert_eq!(s.iter().map(|f| f.total_cents).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(
            s.iter().map(|f| f.per_cohort.iter().map(|c| c.added_cents).sum::<i64>()).collect::<Vec<_>>(),
            [1, 1]
        );
    }

    proptest! {
        /// The shares add up exactly (per cohort and in all) to what the pot gave; no
        /// funder owes more than it put in; a funder's total is within a cent of its
        /// exact pro-rata share.
        #[test]
        fn funder_shares_add_up_exactly_and_stay_within_each_funders_amount(
            amounts in prop::collection::vec(1i64..2_000_000, 1..8),
            parts in prop::collection::vec(0u32..1_000, 0..6),
            used_permille in 0u32..=1_000,
        ) {
            let d = pot(&amounts);
            let used = i64::try_from(i128::from(d.pot_cents) * i128::from(used_permille) / 1_000).unwrap();
            // Split `used` over the cohorts by `parts`.
            let g = largest_remainder(used, &parts.iter().map(|p| i64::from(*p)).collect::<Vec<_>>());
            let used: i64 = g.iter().sum();
            let s = funder_statements(&d, &given(&g));
            prop_assert_eq!(s.iter().map(|f| f.total_cents).sum::<i64>(), used);
            for (c, gc) in g.iter().enumerate() {
                prop_assert_eq!(s.iter().map(|f| f.per_cohort[c].added_cents).sum::<i64>(), *gc);
            }
            for (f, a) in s.iter().zip(&amounts) {
                prop_assert!(f.total_cents <= *a);
                prop_assert_eq!(f.per_cohort.iter().map(|c| c.added_cents).sum::<i64>(), f.total_cents);
                prop_assert!(f.per_cohort.iter().all(|c| c.added_cents >= 0));
                let exact = i128::from(used) * i128::from(*a);
                let total = i128::from(d.pot_cents);
                prop_assert!(i128::from(f.total_cents) * total >= exact - total);
                prop_assert!(i128::from(f.total_cents) * total <= exact + total);
            }
        }
    }
}
