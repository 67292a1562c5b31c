//! A stakeholder's rules (contract 1.1) as the rule editor's drafts: what a coordinator
//! types, as text, and the one conversion to `cofund-core`'s [`Rule`]s; the checks are
//! core's (`validate_stakeholder`, run by [`crate::draft::StakeholderDraft`]), the
//! preview is core's evaluator on the cohort's pledges. Plain Rust, tested natively.

use crate::draft::{amount_field, cents_to_input};
use cofund_core::rules::{evaluate, Gift, GiftStatus, Setting, StakeholderEvaluation};
use cofund_core::{Basis, FieldError, MatchRule, Problem, Rule, Timestamp, TriggerRule};

/// The kind of a rule being edited; the wire's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleKind {
    #[default]
    Match,
    Trigger,
    AllOrNothing,
}

impl RuleKind {
    pub const ALL: [RuleKind; 3] = [RuleKind::Match, RuleKind::Trigger, RuleKind::AllOrNothing];

    pub fn wire(self) -> &'static str {
        match self {
            RuleKind::Match => "match",
            RuleKind::Trigger => "trigger",
            RuleKind::AllOrNothing => "all_or_nothing",
        }
    }

    pub fn from_wire(s: &str) -> RuleKind {
        RuleKind::ALL.into_iter().find(|k| k.wire() == s).unwrap_or_default()
    }
}

/// One rule being added or edited; every field as typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleDraft {
    pub kind: RuleKind,
    /// Match: what one crowd euro unlocks, as money: `1` is 1:1, `2` two euro a crowd euro.
    pub per_euro: String,
    /// Match: count only money received (else every pledge not cancelled).
    pub received_only: bool,
    pub cap_per_gift: String,
    pub cap_per_donor: String,
    pub cap_total: String,
    /// RFC 3339, optional.
    pub from: String,
    pub until: String,
    pub first_gift_only: bool,
    /// Trigger: the amount that becomes due.
    pub amount: String,
    /// Trigger: the crowd's share of its target, in percent (`50`, `12,5`).
    pub share_percent: String,
    /// Trigger: distinct backers.
    pub backers: String,
    /// Trigger: RFC 3339, optional.
    pub by: String,
}

/// The contract's field name of rule `i`'s `field`: `rules[0].ratio_bps`.
pub fn rule_field(i: usize, field: &str) -> String {
    format!("rules[{i}].{field}")
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl RuleDraft {
    /// The draft of a stored rule. `None` for a rule the editor cannot show (one this
    /// version cannot read), which is then kept as it is.
    pub fn from_rule(r: &Rule) -> Option<RuleDraft> {
        let money = |c: Option<i64>| c.map(cents_to_input).unwrap_or_default();
        Some(match r {
            Rule::Match(m) => RuleDraft {
                kind: RuleKind::Match,
                per_euro: cents_to_input(m.ratio_bps / 100),
                received_only: m.basis == Basis::Received,
                cap_per_gift: money(m.cap_per_gift_cents),
                cap_per_donor: money(m.cap_per_donor_cents),
                cap_total: money(m.cap_cents),
                from: m.from.clone().unwrap_or_default(),
                until: m.until.clone().unwrap_or_default(),
                first_gift_only: m.first_gift_only,
                ..RuleDraft::default()
            },
            Rule::Trigger(t) => RuleDraft {
                kind: RuleKind::Trigger,
                amount: cents_to_input(t.amount_cents),
                // Basis points are hundredths of a percent: read and written like cents.
                share_percent: money(t.share_of_target_bps),
                backers: t.backers.map(|b| b.to_string()).unwrap_or_default(),
                by: t.by.clone().unwrap_or_default(),
                ..RuleDraft::default()
            },
            Rule::AllOrNothing => RuleDraft { kind: RuleKind::AllOrNothing, ..RuleDraft::default() },
            Rule::Unreadable(_) => return None,
        })
    }

    /// Rule `i` as typed; what cannot be read goes to `errors`, named by its contract
    /// field. Whether the values fit together is `validate_stakeholder`'s to say.
    pub fn to_rule(&self, i: usize, errors: &mut Vec<FieldError>) -> Rule {
        let mut money = |field: &str, input: &str, optional: bool| -> Option<i64> {
            if optional && blank(input) {
                return None;
            }
            match amount_field(&rule_field(i, field), input) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        match self.kind {
            RuleKind::Match => {
                let ratio_bps = money("ratio_bps", &self.per_euro, false).unwrap_or(0).saturating_mul(100);
                let cap_per_gift_cents = money("cap_per_gift_cents", &self.cap_per_gift, true);
                let cap_per_donor_cents = money("cap_per_donor_cents", &self.cap_per_donor, true);
                let cap_cents = money("cap_cents", &self.cap_total, true);
                let from = time_field(i, "from", &self.from, errors);
                let until = time_field(i, "until", &self.until, errors);
                Rule::Match(MatchRule {
                    ratio_bps,
                    basis: if self.received_only { Basis::Received } else { Basis::Pledged },
                    cap_per_gift_cents,
                    cap_per_donor_cents,
                    cap_cents,
                    from,
                    until,
                    first_gift_only: self.first_gift_only,
                })
            }
            RuleKind::Trigger => {
                let amount_cents = money("amount_cents", &self.amount, false).unwrap_or(0);
                let share_of_target_bps = money("share_of_target_bps", &self.share_percent, true);
                let backers = if blank(&self.backers) {
                    None
                } else {
                    match self.backers.trim().parse::<i64>() {
                        Ok(n) => Some(n),
                        Err(_) => {
                            errors.push(FieldError::new(
                                rule_field(i, "backers"),
                                Problem::Format { expected: "a whole number".into() },
                            ));
                            None
                        }
                    }
                };
                let by = time_field(i, "by", &self.by, errors);
                Rule::Trigger(TriggerRule { amount_cents, share_of_target_bps, backers, by })
            }
            RuleKind::AllOrNothing => Rule::AllOrNothing,
        }
    }
}

fn time_field(i: usize, field: &str, input: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if blank(input) {
        return None;
    }
    match Timestamp::parse_rfc3339(input.trim()) {
        Some(_) => Some(input.trim().to_owned()),
        None => {
            errors.push(FieldError::new(
                rule_field(i, field),
                Problem::Format { expected: "a time such as 2027-04-01T00:00:00+02:00".into() },
            ));
            None
        }
    }
}

/// Every draft as a rule, or every error at once.
pub fn rules_from_drafts(drafts: &[RuleDraft]) -> Result<Vec<Rule>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let rules: Vec<Rule> = drafts.iter().enumerate().map(|(i, d)| d.to_rule(i, &mut errors)).collect();
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// One of the cohort's pledges as the preview needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewPledge {
    pub amount_cents: i64,
    pub at: Timestamp,
    pub status: GiftStatus,
    /// The donor's e-mail address; donors are grouped by `cofund_core::rules::backer_key`.
    pub email: String,
}

/// "At today's figures these rules unlock € X": core's evaluator on the cohort's
/// pledges in the order they were made, as the server evaluates the document.
pub fn preview(rules: &[Rule], pledges: &[PreviewPledge], setting: &Setting) -> StakeholderEvaluation {
    let mut ordered: Vec<&PreviewPledge> = pledges.iter().collect();
    ordered.sort_by_key(|p| p.at);
    let donors: Vec<String> = ordered.iter().map(|p| cofund_core::rules::backer_key(&p.email)).collect();
    let gifts: Vec<Gift> = ordered
        .iter()
        .zip(&donors)
        .map(|(p, donor)| Gift { amount_cents: p.amount_cents, at: p.at, status: p.status, donor })
        .collect();
    evaluate(rules, setting, &gifts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::StakeholderDraft;

    fn codes(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
        errors.into_iter().map(|e| (e.field, e.problem.code())).collect()
    }

    #[test]
    fn drafts_become_rules_and_back() {
        let drafts = vec![
            RuleDraft {
                kind: RuleKind::Match,
                per_euro: "1".into(),
                cap_per_gift: "25".into(),
                cap_total: "5.000".into(),
                ..RuleDraft::default()
            },
            RuleDraft {
                kind: RuleKind::Trigger,
                amount: "12.000".into(),
                share_percent: "50".into(),
                ..RuleDraft::default()
            },
            RuleDraft { kind: RuleKind::AllOrNothing, ..RuleDraft::default() },
        ];
        let rules = rules_from_drafts(&drafts).unwrap();
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(
            json,
            r#"[{"kind":"match","ratio_bps":10000,"basis":"pledged","cap_per_gift_cents":2500,"cap_cents":500000},{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":5000},{"kind":"all_or_nothing"}]"#
        );
        let back: Vec<RuleDraft> = rules.iter().map(|r| RuleDraft::from_rule(r).unwrap()).collect();
        assert_eq!(rules_from_drafts(&back).unwrap(), rules);
    }

    #[test]
    fn what_cannot_be_read_is_named_by_its_field() {
        let drafts = vec![
            RuleDraft { kind: RuleKind::Match, per_euro: "".into(), cap_total: "veel".into(), ..RuleDraft::default() },
            RuleDraft {
                kind: RuleKind::Trigger,
                amount: "100".into(),
                backers: "twintig".into(),
                by: "morgen".into(),
                ..RuleDraft::default()
            },
        ];
        assert_eq!(
            codes(rules_from_drafts(&drafts).unwrap_err()),
            [
                ("rules[0].ratio_bps".to_owned(), "required"),
                ("rules[0].cap_cents".to_owned(), "format"),
                ("rules[1].backers".to_owned(), "format"),
                ("rules[1].by".to_owned(), "format"),
            ]
        );
    }

    #[test]
    fn core_checks_what_fits_together_at_the_rules_fields() {
        let drafts = vec![
            RuleDraft {
                kind: RuleKind::Match,
                per_euro: "1".into(),
                cap_per_gift: "100".into(),
                cap_total: "50".into(),
                ..RuleDraft::default()
            },
            RuleDraft {
                kind: RuleKind::Trigger,
                amount: "100".into(),
                share_percent: "150".into(),
                ..RuleDraft::default()
            },
            RuleDraft { kind: RuleKind::Trigger, amount: "100".into(), ..RuleDraft::default() },
        ];
        let rules = rules_from_drafts(&drafts).unwrap();
        let d = StakeholderDraft { name: "Fonds".into(), amount: "0".into(), rules, ..Default::default() };
        let fields: Vec<String> = d.to_stakeholder().unwrap_err().into_iter().map(|e| e.field).collect();
        assert!(fields.contains(&"rules[0].cap_per_gift_cents".to_owned()), "{fields:?}");
        assert!(fields.contains(&"rules[1].share_of_target_bps".to_owned()), "{fields:?}");
        assert!(fields.iter().any(|f| f.starts_with("rules[2].")), "{fields:?}");
    }

    #[test]
    fn the_preview_is_cores_evaluation_of_the_pledges_in_their_order() {
        let t = |s: i64| Timestamp(1_800_000_000 + s);
        let pledge = |amount_cents, at, email: &str| PreviewPledge {
            amount_cents,
            at,
            status: GiftStatus::Pledged,
            email: email.into(),
        };
        // Given out of order: the evaluator sees them by time. The € 4.000 gift is capped at € 100.
        let pledges =
            vec![pledge(400_000, t(2), "b@x.nl"), pledge(2_500, t(1), "A@x.nl "), pledge(6_000, t(3), "a@x.nl")];
        let rules = vec![Rule::Match(MatchRule {
            ratio_bps: 10_000,
            basis: Basis::Pledged,
            cap_per_gift_cents: Some(10_000),
            cap_per_donor_cents: Some(5_000),
            cap_cents: Some(500_000),
            from: None,
            until: None,
            first_gift_only: false,
        })];
        let setting = Setting { crowd_target_cents: 3_000_000, closes_at: t(1000), now: t(10) };
        let e = preview(&rules, &pledges, &setting);
        // a@x.nl: € 25, then only € 25 more of its € 50 per donor; b@x.nl: € 50 (the per-donor cap).
        assert_eq!(e.unlocked_cents, 2_500 + 5_000 + 2_500);
        assert_eq!(e.available_cents, Some(500_000 - 10_000));
    }
}
