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
