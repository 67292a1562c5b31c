//! A programme's multiplier pot (issue 14, part 3; core only so far): funders put money
//! in one pot that matches crowd gifts across the programme's cohorts, first come, first
//! served by the time of the pledge, with a cap per cohort, never beyond the pot.
//!
//! The allocation is a pure function of the cohorts' gifts, recomputed rather than
//! stored: two instances that take pledges at the same moment cannot both spend the
//! last euro, because neither spends anything; whoever renders next computes the same
//! allocation from the same pledges.

use crate::error::{FieldError, Problem};
use crate::rules::{Gift, GiftStatus};

const MAX_RATIO_BPS: i64 = 100_000;

/// The pot and its match rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pot {
    /// What the funders put in.
    pub pot_cents: i64,
    /// 10 000 = each crowd euro unlocks one euro from the pot.
    pub ratio_bps: i64,
    pub cap_per_gift_cents: Option<i64>,
    /// The most one cohort may receive from the pot.
    pub cap_per_cohort_cents: Option<i64>,
}

/// A gift of one of the programme's cohorts (`cohort` indexes the caller's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PotGift<'a> {
    pub cohort: usize,
    pub gift: Gift<'a>,
}

/// What the pot gave: per cohort, per gift (in the order given), used and left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PotAllocation {
    pub per_cohort_cents: Vec<i64>,
    pub per_gift_cents: Vec<i64>,
    pub used_cents: i64,
    pub left_cents: i64,
}

impl PotAllocation {
    /// The pot has nothing left: every widget says so.
    pub fn exhausted(&self) -> bool {
        self.left_cents == 0
    }
}

/// Checks a pot as a writer must; errors name the pot's own fields.
pub fn validate_pot(p: &Pot) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut at_least_one = |field: &str, v: i64, max: i64| {
        if v < 0 {
            errors.push(FieldError::new(field, Problem::Negative));
        } else if !(1..=max).contains(&v) {
            errors.push(FieldError::new(field, Problem::OutOfRange { min: 1, max }));
        }
    };
    at_least_one("pot_cents", p.pot_cents, i64::MAX);
    at_least_one("ratio_bps", p.ratio_bps, MAX_RATIO_BPS);
    if let Some(c) = p.cap_per_gift_cents {
        at_least_one("cap_per_gift_cents", c, i64::MAX);
    }
    if let Some(c) = p.cap_per_cohort_cents {
        at_least_one("cap_per_cohort_cents", c, i64::MAX);
    }
    if p.cap_per_cohort_cents.is_some_and(|c| c > p.pot_cents) {
        errors.push(FieldError::new("cap_per_cohort_cents", Problem::Inconsistent { with: "pot_cents".into() }));
    }
    if p.cap_per_gift_cents.is_some_and(|g| g > p.cap_per_cohort_cents.unwrap_or(p.pot_cents)) {
        errors
            .push(FieldError::new("cap_per_gift_cents", Problem::Inconsistent { with: "cap_per_cohort_cents".into() }));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Allocates the pot over the gifts of `cohorts` cohorts: in the order of the pledges'
/// times (ties: the lower cohort index, then the order given), each gift that is not
/// cancelled unlocks `⌊gift × ratio⌋` within its caps and what is left in the pot.
pub fn allocate(pot: &Pot, cohorts: usize, gifts: &[PotGift]) -> PotAllocation {
    let mut order: Vec<usize> = (0..gifts.len()).collect();
    order.sort_by_key(|&i| (gifts[i].gift.at, gifts[i].cohort, i));
    let mut per_cohort = vec![0i64; cohorts];
    let mut per_gift = vec![0i64; gifts.len()];
    let mut left = pot.pot_cents.max(0);
    for i in order {
        let PotGift { cohort, gift } = &gifts[i];
        if gift.status == GiftStatus::Cancelled || *cohort >= cohorts {
            continue;
        }
        let mut give = i64::try_from(i128::from(gift.amount_cents.max(0)) * i128::from(pot.ratio_bps) / 10_000)
            .unwrap_or(i64::MAX);
        if let Some(cap) = pot.cap_per_gift_cents {
            give = give.min(cap);
        }
        if let Some(cap) = pot.cap_per_cohort_cents {
            give = give.min(cap.saturating_sub(per_cohort[*cohort]));
        }
        let give = give.min(left).max(0);
        left -= give;
        per_cohort[*cohort] += give;
        per_gift[i] = give;
    }
    PotAllocation {
        per_cohort_cents: per_cohort,
        per_gift_cents: per_gift,
        used_cents: pot.pot_cents.max(0) - left,
        left_cents: left,
    }
}
