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
                Rule::Trigger(_) if result.state == RuleState::Met => {
                    let at = result.met_at.clone();
                    let met_by = at
                        .as_deref()
                        .and_then(crate::Timestamp::parse_rfc3339)
                        .and_then(|t| ledger.gifts.iter().position(|g| g.status != GiftStatus::Cancelled && g.at == t));
                    lines.push(SettlementLine {
                        kind: LineKind::Trigger,
                        rule: Some(r),
                        at,
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
