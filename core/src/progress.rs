//! Every figure the widget shows, derived from a document with checked integer maths.
//!
//! Rounding rules (stated once, used everywhere):
//! - the crowd target is `budget × target_share_bps / 10 000`, rounded **up** to the
//!   cent, so raising the target always covers the crowd's share of the budget;
//! - percentages are rounded **down**, so 100 % is shown only when a target is really
//!   met; over-funding shows the real figure (112 %);
//! - a match unlocks `crowd pledged × ratio_bps / 10 000`, rounded **down** to the cent,
//!   and never more than its cap;
//! - bar widths are basis points of their whole, rounded down and clamped to 10 000.

use crate::contract::*;
use crate::error::{FieldError, Problem};
use crate::time::Timestamp;
use serde::Serialize;

const BPS: i128 = 10_000;

/// The crowd campaign against its target share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrowdProgress {
    pub target_cents: i64,
    pub pledged_cents: i64,
    pub received_cents: i64,
    pub backers: i64,
    /// Floor of pledged / target in percent; `None` without a crowd target.
    pub percent_of_target: Option<i64>,
    /// Still to raise to reach the target; 0 once met.
    pub remaining_cents: i64,
    /// Width of the progress bar, 0 to 10 000.
    pub bar_bps: i64,
    pub target_met: bool,
}

/// The participants' own contributions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnContributionProgress {
    pub participants: i64,
    pub paid_participants: i64,
    pub per_participant_cents: i64,
    pub target_cents: i64,
    pub received_cents: i64,
    pub percent_received: Option<i64>,
}

/// What a matching offer has unlocked so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchProgress {
    pub ratio_bps: i64,
    /// What one crowd euro unlocks, in cents (50 for a 1:2 match).
    pub cents_per_euro: i64,
    pub cap_cents: i64,
    pub unlocked_cents: i64,
    pub cap_reached: bool,
}

/// One stakeholder's co-funding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StakeholderProgress {
    pub fixed_cents: i64,
    pub matched: Option<MatchProgress>,
    /// What the stakeholder's rules (contract 1.1) have unlocked, from the document's
    /// evaluation; 0 without one.
    pub rules_unlocked_cents: i64,
    /// An all-or-nothing rule expired: the commitment does not hold, nothing counts.
    pub void: bool,
    /// An all-or-nothing rule still waits: everything counts as conditional.
    pub all_or_nothing_waiting: bool,
    /// Fixed plus unlocked match plus what the rules unlocked (0 when void).
    pub total_cents: i64,
    pub status: StakeholderStatus,
}

/// Stakeholders' co-funding by status.
///
/// The programme's multiplier pot counts here, once: what it gave the cohort (the
/// document's `pot.added_cents`) is `pot_cents`, and is part of `committed_cents` and
/// `total_cents` (the funders have put the money in the pot), so every total, bar and
/// gap that uses the stakeholders' co-funding includes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StakeholderTotals {
    pub committed_cents: i64,
    pub conditional_cents: i64,
    pub paid_cents: i64,
    /// What the programme's multiplier pot gave the cohort (0 without a pot).
    pub pot_cents: i64,
    pub total_cents: i64,
}

/// One of the three parts of the budget, against its share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompositionPart {
    /// What this part is expected to bring: own contributions' target, the crowd
    /// target, and for stakeholders the rest of the budget.
    pub share_cents: i64,
    /// What it brings now: own contributions' target (promised by enrolment), crowd
    /// pledges, stakeholders' fixed and matched co-funding.
    pub amount_cents: i64,
    /// Floor percent of amount over share; `None` for a zero share.
    pub percent_of_share: Option<i64>,
    /// Width of this part in a stacked bar of the whole budget (0 to 10 000, the
    /// three together never over 10 000).
    pub bar_bps: i64,
}

/// Every figure that does not depend on the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub budget_cents: i64,
    pub crowd: CrowdProgress,
    pub own: OwnContributionProgress,
    /// In document order.
    pub stakeholders: Vec<StakeholderProgress>,
    pub stakeholder_totals: StakeholderTotals,
    pub own_part: CompositionPart,
    pub crowd_part: CompositionPart,
    pub stakeholder_part: CompositionPart,
    /// Own contributions' target + crowd pledged + all stakeholders' co-funding.
    pub funded_cents: i64,
    /// Of `funded_cents`, what is conditional.
    pub conditional_cents: i64,
    /// What is still missing from the budget; 0 when fully funded.
    pub gap_cents: i64,
    /// Funding above the budget; 0 when not over-funded.
    pub surplus_cents: i64,
}

/// Where the campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum CampaignPhase {
    /// Not open yet; opens in this many days (rounded up).
    Upcoming {
        days_until_open: i64,
    },
    /// Open; closes in this many days (rounded up, so the last day shows 1).
    Open {
        days_left: i64,
    },
    Closed,
}

impl CampaignPhase {
    /// The phase at `now` of a campaign open from `opens_at` (inclusive) until
    /// `closes_at` (exclusive).
    pub fn at(opens_at: Timestamp, closes_at: Timestamp, now: Timestamp) -> CampaignPhase {
        if now < opens_at {
            CampaignPhase::Upcoming { days_until_open: now.days_until_ceil(opens_at) }
        } else if now < closes_at {
            CampaignPhase::Open { days_left: now.days_until_ceil(closes_at) }
        } else {
            CampaignPhase::Closed
        }
    }
}

/// `part / whole` in percent, rounded down; `None` when `whole` is 0.
pub fn percent_floor(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    i64::try_from(i128::from(part) * 100 / i128::from(whole)).ok()
}

/// `part / whole` in basis points, rounded down and clamped to 0..=10 000.
pub fn bar_bps(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return if part > 0 { 10_000 } else { 0 };
    }
    (i128::from(part.max(0)) * BPS / i128::from(whole)).clamp(0, BPS) as i64
}

/// `amount × bps / 10 000`, rounded up (`ceil`) or down; exact in 128 bits.
fn apply_bps(amount: i64, bps: i64, ceil: bool) -> i64 {
    let product = i128::from(amount) * i128::from(bps);
    let q = if ceil { (product + BPS - 1).div_euclid(BPS) } else { product.div_euclid(BPS) };
    // Validation bounds bps, so the result fits unless bps > 10 000 on a huge amount.
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The crowd target of a budget: rounded up to the cent.
pub fn crowd_target_cents(budget_cents: i64, target_share_bps: i64) -> i64 {
    apply_bps(budget_cents, target_share_bps, true)
}

/// What a match has unlocked for `crowd_pledged_cents`: rounded down, capped.
pub fn matched_cents(offer: &MatchOffer, crowd_pledged_cents: i64) -> i64 {
    apply_bps(crowd_pledged_cents, offer.ratio_bps, false).min(offer.cap_cents)
}

fn add(field: &str, a: i64, b: i64) -> Result<i64, FieldError> {
    a.checked_add(b).ok_or_else(|| FieldError::new(field, Problem::Overflow))
}

fn part(share_cents: i64, amount_cents: i64, budget: i64) -> CompositionPart {
    CompositionPart {
        share_cents,
        amount_cents,
        percent_of_share: percent_floor(amount_cents, share_cents),
        bar_bps: bar_bps(amount_cents, budget),
    }
}

/// Computes the [`Summary`] of a document whose fields are individually valid.
/// Fails, naming the field, where a sum overflows or the shares exceed the budget.
pub fn summarise(d: &CohortDocument) -> Result<Summary, FieldError> {
    let budget = d.budget_cents;
    let c = &d.crowd;
    let target = crowd_target_cents(budget, c.target_share_bps);
    let crowd = CrowdProgress {
        target_cents: target,
        pledged_cents: c.pledged_cents,
        received_cents: c.received_cents,
        backers: c.backers,
        percent_of_target: percent_floor(c.pledged_cents, target),
        remaining_cents: (target - c.pledged_cents).max(0),
        bar_bps: bar_bps(c.pledged_cents, target),
        target_met: target > 0 && c.pledged_cents >= target,
    };

    let o = &d.own_contributions;
    let own_target = o
        .participants
        .checked_mul(o.per_participant_cents)
        .ok_or_else(|| FieldError::new("own_contributions.per_participant_cents", Problem::Overflow))?;
    let own_received = o.received * o.per_participant_cents; // received <= participants
    let own = OwnContributionProgress {
        participants: o.participants,
        paid_participants: o.received,
        per_participant_cents: o.per_participant_cents,
        target_cents: own_target,
        received_cents: own_received,
        percent_received: percent_floor(own_received, own_target),
    };

    let mut totals = StakeholderTotals::default();
    let mut stakeholders = Vec::with_capacity(d.stakeholders.len());
    for (i, s) in d.stakeholders.iter().enumerate() {
        let field = format!("stakeholders[{i}].amount_cents");
        let matched = s.match_.as_ref().map(|m| {
            let unlocked = matched_cents(m, c.pledged_cents);
            MatchProgress {
                ratio_bps: m.ratio_bps,
                cents_per_euro: apply_bps(100, m.ratio_bps, false),
                cap_cents: m.cap_cents,
                unlocked_cents: unlocked,
                cap_reached: unlocked >= m.cap_cents,
            }
        });
        let evaluation = s.evaluation.as_ref();
        let rules_unlocked = evaluation.map_or(0, |e| e.unlocked_cents);
        let void = evaluation.is_some_and(|e| crate::rules::is_void(&s.rules, e));
        let waiting = evaluation.is_some_and(|e| crate::rules::awaits_all_or_nothing(&s.rules, e));
        let total = add(&field, s.amount_cents, matched.as_ref().map_or(0, |m| m.unlocked_cents))
            .and_then(|t| add(&format!("stakeholders[{i}].evaluation.unlocked_cents"), t, rules_unlocked))?;
        let total = if void { 0 } else { total };
        // Waiting on all or nothing: promised, not certain, whatever the status says.
        let status = if waiting { StakeholderStatus::Conditional } else { s.status };
        let bucket = match status {
            StakeholderStatus::Committed => &mut totals.committed_cents,
            // Only a forgiving reader lets an unrecognised status through: not certain.
            StakeholderStatus::Conditional | StakeholderStatus::Unrecognised => &mut totals.conditional_cents,
            StakeholderStatus::Paid => &mut totals.paid_cents,
        };
        *bucket = add(&field, *bucket, total)?;
        totals.total_cents = add(&field, totals.total_cents, total)?;
        stakeholders.push(StakeholderProgress {
            fixed_cents: s.amount_cents,
            matched,
            rules_unlocked_cents: rules_unlocked,
            void,
            all_or_nothing_waiting: waiting,
            total_cents: total,
            status: s.status,
        });
    }

    if let Some(pot) = &d.pot {
        totals.pot_cents = pot.added_cents;
        totals.committed_cents = add("pot.added_cents", totals.committed_cents, pot.added_cents)?;
        totals.total_cents = add("pot.added_cents", totals.total_cents, pot.added_cents)?;
    }

    let shares = add("crowd.target_share_bps", own_target, target)?;
    if shares > budget {
        return Err(FieldError::new(
            "crowd.target_share_bps",
            Problem::Inconsistent { with: "budget_cents and own_contributions".into() },
        ));
    }
    let stakeholder_share = budget - shares;

    let funded = add("crowd.pledged_cents", own_target, c.pledged_cents)
        .and_then(|f| add("stakeholders", f, totals.total_cents))?;

    // Stacked bar of the budget: each part's width, clamped so the three fit.
    let own_part = part(own_target, own_target, budget);
    let mut crowd_part = part(target, c.pledged_cents, budget);
    crowd_part.bar_bps = crowd_part.bar_bps.min(10_000 - own_part.bar_bps);
    let mut stakeholder_part = part(stakeholder_share, totals.total_cents, budget);
    stakeholder_part.bar_bps = stakeholder_part.bar_bps.min(10_000 - own_part.bar_bps - crowd_part.bar_bps);

    Ok(Summary {
        budget_cents: budget,
        crowd,
        own,
        stakeholders,
        conditional_cents: totals.conditional_cents,
        stakeholder_totals: totals,
        own_part,
        crowd_part,
        stakeholder_part,
        funded_cents: funded,
        gap_cents: (budget - funded).max(0),
        surplus_cents: (funded - budget).max(0),
    })
}
