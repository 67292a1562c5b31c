//! Settlement statements (issue 14): for each stakeholder, what it owes and why — a
//! line per gift its match unlocked something for (the time, the gift and what it
//! unlocked), a line for each trigger that was met (the moment and the amount), the
//! fixed amount, and the total. Computed from the same evaluation as the document
//! ([`crate::rules`], [`crate::progress::matched_cents`], [`crate::pot::allocate`]), so
//! a statement's total is the stakeholder's total in the cohort's widget.

use crate::contract::Stakeholder;
use crate::pot::PotDefinition;
use crate::rules::{evaluate, Gift, GiftStatus, Rule, RuleState, Setting};
use serde::{Deserialize, Serialize};

/// Why a line is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The stakeholder's fixed co-funding.
    Fixed,
    /// What a gift unlocked through the stakeholder's match (the 1.0 `match` offer or a
    /// match rule).
    Match,
    /// A trigger that was met: its amount.
    Trigger,
    /// What a gift unlocked from the programme's multiplier pot.
    Pot,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementLine {
    pub kind: LineKind,
    /// The rule's index in the stakeholder's `rules`; `None` for the fixed amount, the
    /// 1.0 match offer and the pot.
    pub rule: Option<usize>,
    /// RFC 3339: the gift's time (match, pot) or the moment the trigger was met.
    pub at: Option<String>,
    /// The pledge that unlocked the line (match, pot; for a trigger the one that met it).
    pub pledge: Option<String>,
    /// The gift's amount (match, pot).
    pub gift_cents: Option<i64>,
    /// What is owed for this line.
    pub amount_cents: i64,
}

/// What one stakeholder (or the pot's funders together) owes for a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub stakeholder: String,
    /// An all-or-nothing rule expired unmet: nothing is owed and there are no lines.
    pub void: bool,
    /// An all-or-nothing rule still waits: the lines hold only if the crowd target is met.
    pub conditional: bool,
    pub lines: Vec<SettlementLine>,
    /// The sum of the lines.
    pub total_cents: i64,
}

/// The cohort's gifts as statements see them: each with the reference of its pledge
/// (`pledges[i]` is `gifts[i]`'s), in the order of the pledges.
#[derive(Debug, Clone, Copy)]
pub struct Ledger<'a, 'g> {
    pub gifts: &'a [Gift<'g>],
    pub pledges: &'a [String],
}

impl Ledger<'_, '_> {
    fn pledge(&self, i: usize) -> Option<String> {
        self.pledges.get(i).cloned()
    }
}

fn total(lines: &[SettlementLine]) -> i64 {
    lines.iter().fold(0i64, |a, l| a.saturating_add(l.amount_cents))
}

/// The statement of stakeholder `s` of a cohort with `setting`, from the cohort's
/// pledges.
pub fn settle(s: &Stakeholder, setting: &Setting, ledger: Ledger) -> Settlement {
    let evaluation = (!s.rules.is_empty()).then(|| evaluate(&s.rules, setting, ledger.gifts));
    let void = evaluation.as_ref().is_some_and(|e| crate::rules::is_void(&s.rules, e));
    let conditional = evaluation.as_ref().is_some_and(|e| crate::rules::awaits_all_or_nothing(&s.rules, e));
    let mut lines = Vec::new();
    if void {
        return Settlement { stakeholder: s.name.clone(), void, conditional, lines, total_cents: 0 };
    }
    if s.amount_cents > 0 {
        lines.push(SettlementLine {
            kind: LineKind::Fixed,
            rule: None,
            at: None,
            pledge: None,
            gift_cents: None,
            amount_cents: s.amount_cents,
        });
    }
    if let Some(offer) = &s.match_ {
        // The 1.0 offer matches the crowd's running total: each gift unlocks the
        // difference it makes to `matched_cents`.
        let mut pledged = 0i64;
        for (i, g) in ledger.gifts.iter().enumerate().filter(|(_, g)| g.status != GiftStatus::Cancelled) {
            let before = crate::progress::matched_cents(offer, pledged);
            pledged = pledged.saturating_add(g.amount_cents);
            let unlocked = crate::progress::matched_cents(offer, pledged) - before;
            if unlocked > 0 {
                lines.push(gift_line(LineKind::Match, None, g, ledger.pledge(i), unlocked));
            }
        }
    }
    if let Some(e) = &evaluation {
        for (r, (rule, result)) in s.rules.iter().zip(&e.rules).enumerate() {
            match rule {
                Rule::Match(m) => {
                    for (i, unlocked) in m.allocations(ledger.gifts).into_iter().enumerate() {
                        if unlocked > 0 {
                            lines.push(gift_line(
                                LineKind::Match,
                                Some(r),
                                &ledger.gifts[i],
                                ledger.pledge(i),
                                unlocked,
                            ));
                        }
                    }
                }
                Rule::Trigger(t) if result.state == RuleState::Met => {
                    let met_by = t.met_by(ledger.gifts, setting);
                    lines.push(SettlementLine {
                        kind: LineKind::Trigger,
                        rule: Some(r),
                        at: result.met_at.clone(),
                        pledge: met_by.and_then(|i| ledger.pledge(i)),
                        gift_cents: None,
                        amount_cents: result.unlocked_cents,
                    });
                }
                _ => {}
            }
        }
    }
    let total_cents = total(&lines);
    Settlement { stakeholder: s.name.clone(), void, conditional, lines, total_cents }
}

fn gift_line(kind: LineKind, rule: Option<usize>, g: &Gift, pledge: Option<String>, amount: i64) -> SettlementLine {
    SettlementLine {
        kind,
        rule,
        at: Some(g.at.to_rfc3339()),
        pledge,
        gift_cents: Some(g.amount_cents),
        amount_cents: amount,
    }
}

/// The statement of the programme's multiplier pot for one cohort: a line per gift of
/// the cohort with what the pot gave it (`given[i]` for `ledger.gifts[i]`, from
/// [`crate::pot::allocate`]'s `per_gift_cents`). The stakeholder is the pot's name;
/// its funders share it as they put money in.
pub fn settle_pot(pot: &PotDefinition, ledger: Ledger, given: &[i64]) -> Settlement {
    let lines: Vec<SettlementLine> = ledger
        .gifts
        .iter()
        .zip(given)
        .enumerate()
        .filter(|(_, (_, given))| **given > 0)
        .map(|(i, (g, given))| gift_line(LineKind::Pot, None, g, ledger.pledge(i), *given))
        .collect();
    let total_cents = total(&lines);
    Settlement { stakeholder: pot.name.clone(), void: false, conditional: false, lines, total_cents }
}

// ---------------------------------------------------------------------------------
// What each of the pot's funders owes for the pot's use.
// ---------------------------------------------------------------------------------

/// Shares `total_cents` over `weights` in proportion, in whole cents that add up to
/// exactly `total_cents` (largest remainder): each gets `⌊total × weight / Σ weights⌋`,
/// and the cents left over go one each to the largest remainders, ties by the order of
/// `weights`. No share exceeds its weight when `total_cents` does not exceed the sum of
/// the weights. Weights that are not positive get nothing; all zero (or no weights, or
/// a total that is not positive): every share is 0.
pub fn largest_remainder(total_cents: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    let mut shares = vec![0i64; weights.len()];
    if sum == 0 || total_cents <= 0 {
        return shares;
    }
    let total = i128::from(total_cents);
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    let mut placed = 0i128;
    for (i, w) in weights.iter().enumerate() {
        let exact = total * i128::from((*w).max(0));
        let floor = exact / sum;
        shares[i] = i64::try_from(floor).unwrap_or(i64::MAX);
        placed += floor;
        remainders.push((exact % sum, i));
    }
    // Largest remainder first; ties by the order given.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(total - placed).unwrap_or(0);
    for (_, i) in remainders.into_iter().filter(|(r, _)| *r > 0).take(left) {
        shares[i] += 1;
    }
    shares
}

/// One funder's statement for the programme's pot: its share of what the pot gave each
/// cohort and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunderStatement {
    pub funder: String,
    /// What the funder put in the pot.
    pub amount_cents: i64,
    /// Its share of what the pot gave each cohort, in the order of the cohorts given.
    pub per_cohort: Vec<crate::pot::PotCohortShare>,
    /// Its share of everything the pot gave: the sum of `per_cohort`.
    pub total_cents: i64,
}

/// What the pot's funders owe for a programme (`GET /api/v1/admin/programmes/{slug}/settlements`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeSettlements {
    pub programme: String,
    /// The pot's name.
    pub pot: String,
    pub currency: String,
    /// RFC 3339: the moment the statements were computed.
    pub computed_at: String,
    pub pot_cents: i64,
    /// What the pot gave in all: the sum of the funders' totals.
    pub used_cents: i64,
    /// One per funder, in the pot's order ([`funder_statements`]).
    pub funders: Vec<FunderStatement>,
}

/// What each funder of `pot` owes for what the pot gave the programme's cohorts
/// (`given`, per cohort as [`crate::pot::allocate`]'s `per_cohort_cents`), pro rata to
/// what each put in. The rounding rule, stated once:
///
/// 1. a funder's total is its largest-remainder share of everything the pot gave
///    ([`largest_remainder`], ties by funder order), so the totals add up to it exactly
///    and none exceeds what the funder put in;
/// 2. per cohort each funder first gets `⌊its share⌋`; the cents a cohort has left over
///    go, cohort by cohort in order, one at a time to the funder with the most of its
///    total still to place (ties by funder order).
///
/// So every cohort's shares add up to what the pot gave it, and every funder's to its
/// total.
pub fn funder_statements(pot: &PotDefinition, given: &[crate::pot::PotCohortShare]) -> Vec<FunderStatement> {
    let weights: Vec<i64> = pot.funders.iter().map(|f| f.amount_cents).collect();
    let used = given.iter().fold(0i64, |a, c| a.saturating_add(c.added_cents.max(0)));
    // What each funder still has to place of its total, cohort by cohort.
    let mut to_place = largest_remainder(used, &weights);
    let weight_sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    let mut cells: Vec<Vec<i64>> = vec![Vec::with_capacity(given.len()); weights.len()];
    for c in given {
        let g = c.added_cents.max(0);
        let mut column: Vec<i64> = weights
            .iter()
            .zip(&to_place)
            .map(|(w, left)| {
                let floor = if weight_sum == 0 { 0 } else { i128::from(g) * i128::from((*w).max(0)) / weight_sum };
                i64::try_from(floor).unwrap_or(i64::MAX).min(*left)
            })
            .collect();
        for (left, cell) in to_place.iter_mut().zip(&column) {
            *left -= cell;
        }
        let mut spare = g - column.iter().sum::<i64>();
        while spare > 0 {
            // The funder with the most still to place; ties by funder order.
            let Some((f, _)) =
                to_place.iter().enumerate().filter(|(_, l)| **l > 0).max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            else {
                break;
            };
            column[f] += 1;
            to_place[f] -= 1;
            spare -= 1;
        }
        for (f, cell) in column.into_iter().enumerate() {
            cells[f].push(cell);
        }
    }
    pot.funders
        .iter()
        .zip(cells)
        .map(|(funder, column)| FunderStatement {
            funder: funder.name.clone(),
            amount_cents: funder.amount_cents,
            total_cents: column.iter().sum(),
            per_cohort: given
                .iter()
                .zip(column)
                .map(|(c, amount)| crate::pot::PotCohortShare { slug: c.slug.clone(), added_cents: amount })
                .collect(),
        })
        .collect()
}
