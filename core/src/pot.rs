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
    let order = allocation_order(gifts);
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

/// The order in which [`allocate`] serves `gifts`: by the pledge's time, then the
/// lower cohort index, then the order given.
fn allocation_order(gifts: &[PotGift]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..gifts.len()).collect();
    order.sort_by_key(|&i| (gifts[i].gift.at, gifts[i].cohort, i));
    order
}

/// One step of the pot's use over time: at the time of a pledge the pot gave something
/// to, what the pot had given that cohort so far and what it had given in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotHistoryPoint {
    /// RFC 3339: the pledge's time.
    pub at: String,
    /// The cohort's slug.
    pub cohort: String,
    /// What the pot had given this cohort up to and including this pledge.
    pub cohort_cents: i64,
    /// What the pot had given all cohorts up to and including this pledge.
    pub used_cents: i64,
}

/// The pot's use per cohort over time (`GET /api/v1/admin/programmes/{slug}/pot-history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotHistory {
    pub pot_cents: i64,
    pub used_cents: i64,
    pub left_cents: i64,
    /// Today's figure per cohort (the document's `added_cents`), in the caller's order.
    pub cohorts: Vec<PotCohortShare>,
    /// One per pledge the pot gave something to, in the allocation's order; a cohort's
    /// line steps at each of its points, the pot's total at every point.
    pub points: Vec<PotHistoryPoint>,
}

impl PotAllocation {
    /// The pot's use over time, step by step, from this allocation of `gifts` (the same
    /// gifts, in the same order, as given to [`allocate`]); `slugs[i]` names cohort `i`.
    /// The last point of each cohort is its `per_cohort_cents`, the last point's
    /// `used_cents` is `used_cents`; gifts the pot gave nothing add no point.
    pub fn history(&self, pot_cents: i64, slugs: &[String], gifts: &[PotGift]) -> PotHistory {
        let mut per_cohort = vec![0i64; slugs.len()];
        let mut used = 0i64;
        let mut points = Vec::new();
        for i in allocation_order(gifts) {
            let given = self.per_gift_cents.get(i).copied().unwrap_or(0);
            let cohort = gifts[i].cohort;
            if given <= 0 || cohort >= slugs.len() {
                continue;
            }
            per_cohort[cohort] = per_cohort[cohort].saturating_add(given);
            used = used.saturating_add(given);
            points.push(PotHistoryPoint {
                at: gifts[i].gift.at.to_rfc3339(),
                cohort: slugs[cohort].clone(),
                cohort_cents: per_cohort[cohort],
                used_cents: used,
            });
        }
        PotHistory {
            pot_cents,
            used_cents: self.used_cents,
            left_cents: self.left_cents,
            cohorts: slugs
                .iter()
                .zip(&self.per_cohort_cents)
                .map(|(slug, added)| PotCohortShare { slug: slug.clone(), added_cents: *added })
                .collect(),
            points,
        }
    }
}

// ---------------------------------------------------------------------------------
// The pot as coordinators define it and as documents carry it (issue 14's contract).
// ---------------------------------------------------------------------------------

use serde::{Deserialize, Serialize};

/// Funders in one pot, at most.
pub const MAX_FUNDERS: usize = 20;
const MAX_NAME_CHARS: usize = 200;

/// One funder's part of the pot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funder {
    pub name: String,
    pub amount_cents: i64,
}

/// The pot as a coordinator enters it (`PUT /api/v1/admin/programmes/{slug}`, field
/// `pot`): its name, its funders, what is in it and its match rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PotDefinition {
    pub name: String,
    pub funders: Vec<Funder>,
    /// What the funders put in together: the sum of their `amount_cents`.
    pub pot_cents: i64,
    /// 10 000 = each crowd euro unlocks one euro from the pot.
    pub ratio_bps: i64,
    #[serde(default)]
    pub cap_per_gift_cents: Option<i64>,
    #[serde(default)]
    pub cap_per_cohort_cents: Option<i64>,
}

impl PotDefinition {
    /// The match rule [`allocate`] applies.
    pub fn rule(&self) -> Pot {
        Pot {
            pot_cents: self.pot_cents,
            ratio_bps: self.ratio_bps,
            cap_per_gift_cents: self.cap_per_gift_cents,
            cap_per_cohort_cents: self.cap_per_cohort_cents,
        }
    }

    /// The pot's state as the document of the programme's cohort `cohort` (an index in
    /// the list given to [`allocate`]) carries it.
    pub fn state_for_cohort(&self, programme_slug: &str, allocation: &PotAllocation, cohort: usize) -> PotState {
        PotState {
            programme: programme_slug.to_owned(),
            name: self.name.clone(),
            funders: self.funders.clone(),
            pot_cents: self.pot_cents,
            ratio_bps: self.ratio_bps,
            cap_per_gift_cents: self.cap_per_gift_cents,
            cap_per_cohort_cents: self.cap_per_cohort_cents,
            added_cents: allocation.per_cohort_cents.get(cohort).copied().unwrap_or(0),
            left_cents: allocation.left_cents,
            exhausted: allocation.exhausted(),
        }
    }

    /// The pot's state as the programme document carries it; `slugs[i]` is the slug of
    /// cohort `i` of the allocation.
    pub fn programme_state(&self, programme_slug: &str, allocation: &PotAllocation, slugs: &[String]) -> ProgrammePot {
        ProgrammePot {
            programme: programme_slug.to_owned(),
            name: self.name.clone(),
            funders: self.funders.clone(),
            pot_cents: self.pot_cents,
            ratio_bps: self.ratio_bps,
            cap_per_gift_cents: self.cap_per_gift_cents,
            cap_per_cohort_cents: self.cap_per_cohort_cents,
            left_cents: allocation.left_cents,
            exhausted: allocation.exhausted(),
            per_cohort: slugs
                .iter()
                .zip(&allocation.per_cohort_cents)
                .map(|(slug, added)| PotCohortShare { slug: slug.clone(), added_cents: *added })
                .collect(),
        }
    }
}

/// Checks a pot as a writer must; errors name fields under `prefix` (`pot.` in the
/// admin API): a name, one to [`MAX_FUNDERS`] funders whose amounts add up to
/// `pot_cents`, and the match rule of [`validate_pot`].
pub fn validate_pot_definition(prefix: &str, d: &PotDefinition) -> Vec<FieldError> {
    let f = |name: &str| format!("{prefix}{name}");
    let mut errors = Vec::new();
    text(&mut errors, &f("name"), &d.name);
    if d.funders.is_empty() {
        errors.push(FieldError::new(f("funders"), Problem::Required));
    } else if d.funders.len() > MAX_FUNDERS {
        errors.push(FieldError::new(f("funders"), Problem::OutOfRange { min: 1, max: MAX_FUNDERS as i64 }));
    }
    let mut sum = Some(0i64);
    for (i, funder) in d.funders.iter().enumerate() {
        text(&mut errors, &f(&format!("funders[{i}].name")), &funder.name);
        if funder.amount_cents < 0 {
            errors.push(FieldError::new(f(&format!("funders[{i}].amount_cents")), Problem::Negative));
        } else if funder.amount_cents == 0 {
            errors.push(FieldError::new(
                f(&format!("funders[{i}].amount_cents")),
                Problem::OutOfRange { min: 1, max: i64::MAX },
            ));
        }
        sum = sum.and_then(|s| s.checked_add(funder.amount_cents));
    }
    if let Err(rule) = validate_pot(&d.rule()) {
        errors.extend(rule.into_iter().map(|e| FieldError::new(f(&e.field), e.problem)));
    }
    match sum {
        None => errors.push(FieldError::new(f("funders"), Problem::Overflow)),
        Some(s) if !d.funders.is_empty() && d.pot_cents > 0 && s != d.pot_cents => {
            errors.push(FieldError::new(f("pot_cents"), Problem::Inconsistent { with: f("funders") }))
        }
        Some(_) => {}
    }
    errors
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    crate::text::check_text(errors, field, value, true, MAX_NAME_CHARS as u32);
}

/// The pot's state in a cohort document (contract 1.1, field `pot`; present only when
/// the cohort's programme has a pot). Computed by the server from every pledge of the
/// programme's cohorts; readers show it and use [`crate::Cohort::pot_preview`].
///
/// What the pot gave the cohort (`added_cents`) counts as committed co-funding in the
/// cohort's summary ([`crate::StakeholderTotals::pot_cents`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotState {
    /// The programme's slug.
    pub programme: String,
    pub name: String,
    #[serde(default)]
    pub funders: Vec<Funder>,
    pub pot_cents: i64,
    pub ratio_bps: i64,
    #[serde(default)]
    pub cap_per_gift_cents: Option<i64>,
    #[serde(default)]
    pub cap_per_cohort_cents: Option<i64>,
    /// What the pot has given this cohort.
    pub added_cents: i64,
    /// What is left in the whole pot.
    pub left_cents: i64,
    /// Nothing is left: every widget says so.
    pub exhausted: bool,
}

/// The pot's state in the programme document: [`PotState`] without `added_cents`, with
/// what it gave each cohort instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammePot {
    pub programme: String,
    pub name: String,
    #[serde(default)]
    pub funders: Vec<Funder>,
    pub pot_cents: i64,
    pub ratio_bps: i64,
    #[serde(default)]
    pub cap_per_gift_cents: Option<i64>,
    #[serde(default)]
    pub cap_per_cohort_cents: Option<i64>,
    pub left_cents: i64,
    pub exhausted: bool,
    /// In the order of the programme document's `cohorts`.
    #[serde(default)]
    pub per_cohort: Vec<PotCohortShare>,
}

/// What the pot gave one cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotCohortShare {
    pub slug: String,
    pub added_cents: i64,
}

/// What the pot would add to a new gift, for the pledge form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PotPreview {
    /// What the pot would add to the gift (0 when a cap or an empty pot holds it back).
    pub adds_cents: i64,
    /// What would be left in the pot after it.
    pub left_after_cents: i64,
}

impl PotState {
    /// What a new gift of `amount_cents` would get from the pot, as [`allocate`] gives
    /// it: a new pledge is the latest, so it gets the ratio within the caps and what is
    /// left. `None` for a pot that is exhausted or an amount that is not positive.
    pub fn preview(&self, amount_cents: i64) -> Option<PotPreview> {
        if amount_cents <= 0 || self.exhausted || self.left_cents <= 0 {
            return None;
        }
        let mut give =
            i64::try_from(i128::from(amount_cents) * i128::from(self.ratio_bps.max(0)) / 10_000).unwrap_or(i64::MAX);
        if let Some(cap) = self.cap_per_gift_cents {
            give = give.min(cap);
        }
        if let Some(cap) = self.cap_per_cohort_cents {
            give = give.min(cap.saturating_sub(self.added_cents));
        }
        let give = give.min(self.left_cents).max(0);
        Some(PotPreview { adds_cents: give, left_after_cents: self.left_cents - give })
    }
}
