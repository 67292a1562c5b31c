//! The rules of a stakeholder's commitment (contract 1.1) and their evaluation.
//!
//! A stakeholder may attach rules to its commitment:
//! - [`MatchRule`]: every crowd euro unlocks `ratio_bps / 10 000` euro, per gift
//!   rounded down to the cent, within optional caps (per gift, per donor, in total), an
//!   optional window and, optionally, for each donor's first gift only;
//! - [`TriggerRule`]: a fixed amount becomes due when the crowd reaches a share of its
//!   target and/or a number of distinct backers, optionally by a date;
//! - all or nothing: the whole commitment holds only if the crowd target is met at the
//!   close.
//!
//! [`evaluate`] computes what the rules have unlocked from the cohort's gifts in their
//! order, deterministically, with checked integer arithmetic. The server writes the
//! result into the document (`stakeholders[].evaluation`); readers show it and use
//! [`preview_gift`] for what a new gift would add. Nothing is re-derived elsewhere.

use crate::time::Timestamp;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

const BPS: i128 = 10_000;

/// One rule of a stakeholder's commitment, tagged by `kind` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    Match(MatchRule),
    Trigger(TriggerRule),
    AllOrNothing,
    /// A kind this version does not know, or a rule it cannot read. Readers show it as
    /// a condition they cannot compute; writers refuse it.
    #[serde(untagged)]
    Unreadable(UnreadableRule),
}

/// Which crowd money a match counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every gift that is not cancelled, as soon as it is pledged.
    #[default]
    Pledged,
    /// Only gifts whose money has arrived.
    Received,
}

/// Matching: each counted crowd euro unlocks `ratio_bps / 10 000` euro.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchRule {
    /// 10 000 = 1:1 (a euro per crowd euro), 20 000 = two euro per crowd euro.
    pub ratio_bps: i64,
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_per_gift_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_per_donor_cents: Option<i64>,
    /// The most the match unlocks in total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_cents: Option<i64>,
    /// RFC 3339; gifts from this instant (inclusive) count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// RFC 3339; gifts before this instant (exclusive) count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Only each donor's first gift that is not cancelled is matched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub first_gift_only: bool,
}

/// A fixed amount that becomes due once the crowd reaches its conditions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerRule {
    pub amount_cents: i64,
    /// The crowd's pledges as a share of its target, in basis points (5000 = half).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_of_target_bps: Option<i64>,
    /// Distinct backers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backers: Option<i64>,
    /// RFC 3339; the conditions must be met before this instant (and before the close).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// What could not be read of a rule: its kind if it had one, and for a writer the field
/// that was wrong (not on the wire).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip)]
    pub problem: Option<(String, crate::Problem)>,
}

/// A JSON value as far as a rule needs it: a wrong type is kept as `Other` so that the
/// rule (not the document) is what cannot be read.
enum Scalar {
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
    Other,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v).map_or(Scalar::Other, Scalar::Int))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of one rule object, read loosely, turned into a [`Rule`] by [`build_rule`].
#[derive(Default)]
struct RuleFields(Vec<(String, Scalar)>);

impl RuleFields {
    fn take(&mut self, name: &str) -> Option<Scalar> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.swap_remove(i).1)
    }
}

/// Why a rule cannot be read: the field and its problem.
type Unread = (String, crate::Problem);

fn wrong(field: &str, expected: &str) -> Unread {
    (field.to_owned(), crate::Problem::WrongType { expected: expected.into() })
}

fn opt_int(f: &mut RuleFields, name: &str) -> Result<Option<i64>, Unread> {
    match f.take(name) {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Int(v)) => Ok(Some(v)),
        Some(_) => Err(wrong(name, "integer")),
    }
}

fn int(f: &mut RuleFields, name: &str) -> Result<i64, Unread> {
    opt_int(f, name)?.ok_or_else(|| (name.to_owned(), crate::Problem::Required))
}

fn opt_str(f: &mut RuleFields, name: &str) -> Result<Option<String>, Unread> {
    match f.take(name) {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Str(v)) => Ok(Some(v)),
        Some(_) => Err(wrong(name, "string")),
    }
}

fn build_rule(mut f: RuleFields) -> Rule {
    let kind = match f.take("kind") {
        Some(Scalar::Str(k)) => k,
        Some(Scalar::Null) | None => {
            return Rule::Unreadable(UnreadableRule {
                kind: None,
                problem: Some(("kind".into(), crate::Problem::Required)),
            })
        }
        Some(_) => return Rule::Unreadable(UnreadableRule { kind: None, problem: Some(wrong("kind", "string")) }),
    };
    let built = match kind.as_str() {
        "match" => (|| {
            let basis = match opt_str(&mut f, "basis")?.as_deref() {
                None | Some("pledged") => Basis::Pledged,
                Some("received") => Basis::Received,
                Some(_) => {
                    return Err(("basis".to_owned(), crate::Problem::Format { expected: "pledged or received".into() }))
                }
            };
            let first_gift_only = match f.take("first_gift_only") {
                None | Some(Scalar::Null) => false,
                Some(Scalar::Bool(b)) => b,
                Some(_) => return Err(wrong("first_gift_only", "boolean")),
            };
            Ok(Rule::Match(MatchRule {
                ratio_bps: int(&mut f, "ratio_bps")?,
                basis,
                cap_per_gift_cents: opt_int(&mut f, "cap_per_gift_cents")?,
                cap_per_donor_cents: opt_int(&mut f, "cap_per_donor_cents")?,
                cap_cents: opt_int(&mut f, "cap_cents")?,
                from: opt_str(&mut f, "from")?,
                until: opt_str(&mut f, "until")?,
                first_gift_only,
            }))
        })(),
        "trigger" => (|| {
            Ok(Rule::Trigger(TriggerRule {
                amount_cents: int(&mut f, "amount_cents")?,
                share_of_target_bps: opt_int(&mut f, "share_of_target_bps")?,
                backers: opt_int(&mut f, "backers")?,
                by: opt_str(&mut f, "by")?,
            }))
        })(),
        "all_or_nothing" => Ok(Rule::AllOrNothing),
        _ => Err((
            "kind".to_owned(),
            crate::Problem::Format { expected: "one of match, trigger, all_or_nothing".into() },
        )),
    };
    built.unwrap_or_else(|problem| Rule::Unreadable(UnreadableRule { kind: Some(kind), problem: Some(problem) }))
}

impl<'de> Deserialize<'de> for Rule {
    /// Never fails on well-formed JSON: what cannot be read becomes
    /// [`Rule::Unreadable`], so one odd rule does not refuse the whole document.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn not_object() -> Rule {
            Rule::Unreadable(UnreadableRule { kind: None, problem: Some(wrong("kind", "object")) })
        }
        impl<'de> Visitor<'de> for V {
            type Value = Rule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rule object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Rule, A::Error> {
                let mut fields = RuleFields::default();
                while let Some(key) = a.next_key::<String>()? {
                    fields.0.push((key, a.next_value::<Scalar>()?));
                }
                Ok(build_rule(fields))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Rule, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(not_object())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Rule, E> {
                Ok(not_object())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Rule, E> {
                Ok(not_object())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Rule, E> {
                Ok(not_object())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Rule, E> {
                Ok(not_object())
            }
            fn visit_str<E>(self, _: &str) -> Result<Rule, E> {
                Ok(not_object())
            }
            fn visit_unit<E>(self) -> Result<Rule, E> {
                Ok(not_object())
            }
        }
        d.deserialize_any(V)
    }
}

/// What one rule stands at, as the document carries it. An open set: a state this
/// version does not know reads as `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    /// A match that is counting gifts.
    Open,
    /// A match whose window has not begun.
    NotYetOpen,
    /// A match whose window, or the campaign, has ended.
    Ended,
    /// A match that has unlocked its whole cap.
    Capped,
    /// A trigger or all-or-nothing whose conditions are not met yet.
    Waiting,
    /// A trigger or all-or-nothing whose conditions were met (see `met_at`).
    Met,
    /// A trigger or all-or-nothing whose time ran out unmet: nothing is due.
    Expired,
    /// A rule that cannot be computed (not readable, or a newer state).
    #[serde(other)]
    Unknown,
}

/// One rule's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEvaluation {
    pub state: RuleState,
    /// What this rule has unlocked so far.
    pub unlocked_cents: i64,
    /// What it can still unlock; `null` when it has no limit.
    #[serde(default)]
    pub available_cents: Option<i64>,
    /// Trigger and all-or-nothing: the crowd's pledges as a share of its target, in
    /// basis points, rounded down.
    #[serde(default)]
    pub progress_bps: Option<i64>,
    /// Trigger: the distinct backers counted.
    #[serde(default)]
    pub backers: Option<i64>,
    /// Trigger and all-or-nothing: RFC 3339 time of the pledge that met it.
    #[serde(default)]
    pub met_at: Option<String>,
}

/// A stakeholder's rules evaluated: `rules[i]` is the evaluation of the stakeholder's
/// `rules[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeholderEvaluation {
    /// What the rules have unlocked so far, on top of the fixed amount (0 once an
    /// all-or-nothing rule has expired).
    pub unlocked_cents: i64,
    /// What the rules can still unlock; `null` when there is no limit.
    #[serde(default)]
    pub available_cents: Option<i64>,
    #[serde(default)]
    pub rules: Vec<RuleEvaluation>,
}

/// A pledge's state as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiftStatus {
    Pledged,
    Received,
    Cancelled,
}

/// Who gave a gift, as per-donor caps, first gifts and distinct backers count donors:
/// the donor's e-mail address trimmed and in lower case. The server keys backers by it
/// and the dashboard's rule preview groups pledges by it.
///
/// ```
/// assert_eq!(cofund_core::rules::backer_key(" Élise@Example.NL "), "élise@example.nl");
/// ```
pub fn backer_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// One crowd gift, in the cohort's order of pledges. `donor` identifies the donor for
/// per-donor caps, first gifts and distinct backers ([`backer_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gift<'a> {
    pub amount_cents: i64,
    pub at: Timestamp,
    pub status: GiftStatus,
    pub donor: &'a str,
}

/// What the rules are evaluated against besides the gifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub crowd_target_cents: i64,
    pub closes_at: Timestamp,
    pub now: Timestamp,
}

/// `amount × bps / 10 000`, rounded down; saturating (validation bounds both).
fn of_bps(amount: i64, bps: i64) -> i64 {
    i64::try_from(i128::from(amount) * i128::from(bps) / BPS).unwrap_or(i64::MAX)
}

/// `part / whole` in basis points, rounded down; `None` for a zero whole.
fn bps_of(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| i64::try_from(i128::from(part) * BPS / i128::from(whole)).unwrap_or(i64::MAX))
}

fn time(s: &Option<String>) -> Option<Timestamp> {
    s.as_deref().and_then(Timestamp::parse_rfc3339)
}

impl MatchRule {
    fn counts(&self, g: &Gift) -> bool {
        let basis_ok = match self.basis {
            Basis::Pledged => g.status != GiftStatus::Cancelled,
            Basis::Received => g.status == GiftStatus::Received,
        };
        basis_ok && time(&self.from).is_none_or(|f| g.at >= f) && time(&self.until).is_none_or(|u| g.at < u)
    }

    /// What each gift unlocked, in order (0 for a gift that does not count): first come,
    /// first served against the caps. Public for the property tests.
    pub fn allocations(&self, gifts: &[Gift]) -> Vec<i64> {
        let mut total = 0i64;
        let mut per_donor: HashMap<&str, i64> = HashMap::new();
        let mut matched_donors: HashSet<&str> = HashSet::new();
        gifts
            .iter()
            .map(|g| {
                if !self.counts(g) || (self.first_gift_only && !matched_donors.insert(g.donor)) {
                    return 0;
                }
                let donor = per_donor.entry(g.donor).or_insert(0);
                let mut unlocked = of_bps(g.amount_cents, self.ratio_bps);
                if let Some(cap) = self.cap_per_gift_cents {
                    unlocked = unlocked.min(cap);
                }
                if let Some(cap) = self.cap_per_donor_cents {
                    unlocked = unlocked.min(cap.saturating_sub(*donor));
                }
                if let Some(cap) = self.cap_cents {
                    unlocked = unlocked.min(cap.saturating_sub(total));
                }
                let unlocked = unlocked.max(0);
                *donor = donor.saturating_add(unlocked);
                total = total.saturating_add(unlocked);
                unlocked
            })
            .collect()
    }

    fn evaluate(&self, gifts: &[Gift], s: &Setting) -> RuleEvaluation {
        let unlocked = self.allocations(gifts).iter().fold(0i64, |a, b| a.saturating_add(*b));
        let ended = s.now >= s.closes_at || time(&self.until).is_some_and(|u| s.now >= u);
        let capped = self.cap_cents.is_some_and(|c| unlocked >= c);
        let state = if capped {
            RuleState::Capped
        } else if ended {
            RuleState::Ended
        } else if time(&self.from).is_some_and(|f| s.now < f) {
            RuleState::NotYetOpen
        } else {
            RuleState::Open
        };
        let available = match state {
            RuleState::Capped | RuleState::Ended => Some(0),
            _ => self.cap_cents.map(|c| c.saturating_sub(unlocked).max(0)),
        };
        RuleEvaluation {
            state,
            unlocked_cents: unlocked,
            available_cents: available,
            progress_bps: None,
            backers: None,
            met_at: None,
        }
    }
}

/// Walks the gifts that are not cancelled, in order, until `met` says the running crowd
/// total and distinct backers meet the conditions; the time of that gift.
fn first_met(gifts: &[Gift], deadline: Timestamp, met: impl Fn(i64, i64) -> bool) -> (Option<Timestamp>, i64, i64) {
    let (met_by, pledged, backers) = first_met_by(gifts, deadline, met);
    (met_by.map(|i| gifts[i].at), pledged, backers)
}

/// [`first_met`] with the index of the gift that met the conditions.
fn first_met_by(gifts: &[Gift], deadline: Timestamp, met: impl Fn(i64, i64) -> bool) -> (Option<usize>, i64, i64) {
    let mut pledged = 0i64;
    let mut donors: HashSet<&str> = HashSet::new();
    let mut met_by = None;
    for (i, g) in gifts.iter().enumerate().filter(|(_, g)| g.status != GiftStatus::Cancelled) {
        pledged = pledged.saturating_add(g.amount_cents);
        donors.insert(g.donor);
        if met_by.is_none() && g.at < deadline && met(pledged, donors.len() as i64) {
            met_by = Some(i);
        }
    }
    (met_by, pledged, donors.len() as i64)
}

/// The state of a condition that was met at `met_at` or must be met by `deadline`.
fn condition_state(met_at: Option<Timestamp>, deadline: Timestamp, now: Timestamp) -> RuleState {
    match met_at {
        Some(_) => RuleState::Met,
        None if now >= deadline => RuleState::Expired,
        None => RuleState::Waiting,
    }
}

impl TriggerRule {
    /// The crowd total that meets the share condition: rounded up, like the target.
    fn threshold_cents(&self, target: i64) -> Option<i64> {
        self.share_of_target_bps.map(|bps| crate::progress::crowd_target_cents(target, bps))
    }

    /// The index of the gift that met the trigger, if one did (for settlement lines).
    pub fn met_by(&self, gifts: &[Gift], s: &Setting) -> Option<usize> {
        let deadline = time(&self.by).map_or(s.closes_at, |b| b.min(s.closes_at));
        let threshold = self.threshold_cents(s.crowd_target_cents);
        first_met_by(gifts, deadline, |pledged, backers| {
            threshold.is_none_or(|t| pledged >= t) && self.backers.is_none_or(|b| backers >= b)
        })
        .0
    }

    fn evaluate(&self, gifts: &[Gift], s: &Setting) -> RuleEvaluation {
        let deadline = time(&self.by).map_or(s.closes_at, |b| b.min(s.closes_at));
        let threshold = self.threshold_cents(s.crowd_target_cents);
        let (met_at, pledged, backers) = first_met(gifts, deadline, |pledged, backers| {
            threshold.is_none_or(|t| pledged >= t) && self.backers.is_none_or(|b| backers >= b)
        });
        let state = condition_state(met_at, deadline, s.now);
        RuleEvaluation {
            state,
            unlocked_cents: if state == RuleState::Met { self.amount_cents } else { 0 },
            available_cents: Some(if state == RuleState::Waiting { self.amount_cents } else { 0 }),
            progress_bps: self.share_of_target_bps.and(bps_of(pledged, s.crowd_target_cents)),
            backers: self.backers.map(|_| backers),
            met_at: met_at.map(Timestamp::to_rfc3339),
        }
    }
}

fn all_or_nothing(gifts: &[Gift], s: &Setting) -> RuleEvaluation {
    let target = s.crowd_target_cents;
    let (met_at, pledged, _) = first_met(gifts, s.closes_at, |pledged, _| target > 0 && pledged >= target);
    RuleEvaluation {
        state: condition_state(met_at, s.closes_at, s.now),
        unlocked_cents: 0,
        available_cents: None,
        progress_bps: bps_of(pledged, target),
        backers: None,
        met_at: met_at.map(Timestamp::to_rfc3339),
    }
}

/// Evaluates a stakeholder's rules from the cohort's gifts, in the order they were
/// pledged. Deterministic: the same rules, setting and gifts give the same result.
pub fn evaluate(rules: &[Rule], setting: &Setting, gifts: &[Gift]) -> StakeholderEvaluation {
    let evaluations: Vec<RuleEvaluation> = rules
        .iter()
        .map(|r| match r {
            Rule::Match(m) => m.evaluate(gifts, setting),
            Rule::Trigger(t) => t.evaluate(gifts, setting),
            Rule::AllOrNothing => all_or_nothing(gifts, setting),
            Rule::Unreadable(_) => RuleEvaluation {
                state: RuleState::Unknown,
                unlocked_cents: 0,
                available_cents: Some(0),
                progress_bps: None,
                backers: None,
                met_at: None,
            },
        })
        .collect();
    let void =
        rules.iter().zip(&evaluations).any(|(r, e)| matches!(r, Rule::AllOrNothing) && e.state == RuleState::Expired);
    combine(evaluations, void)
}

/// The stakeholder's figures from its rules' evaluations: the sums, or nothing at all
/// once an all-or-nothing rule has expired (`void`).
fn combine(rules: Vec<RuleEvaluation>, void: bool) -> StakeholderEvaluation {
    let unlocked = rules.iter().fold(0i64, |a, r| a.saturating_add(r.unlocked_cents));
    let available = rules.iter().try_fold(0i64, |a, r| r.available_cents.map(|v| a.saturating_add(v)));
    StakeholderEvaluation {
        unlocked_cents: if void { 0 } else { unlocked },
        available_cents: if void { Some(0) } else { available },
        rules,
    }
}

/// Whether the stakeholder's commitment is void: an all-or-nothing rule expired unmet.
pub fn is_void(rules: &[Rule], evaluation: &StakeholderEvaluation) -> bool {
    rules.iter().zip(&evaluation.rules).any(|(r, e)| matches!(r, Rule::AllOrNothing) && e.state == RuleState::Expired)
}

/// Whether the commitment still waits on an all-or-nothing rule.
pub fn awaits_all_or_nothing(rules: &[Rule], evaluation: &StakeholderEvaluation) -> bool {
    rules.iter().zip(&evaluation.rules).any(|(r, e)| matches!(r, Rule::AllOrNothing) && e.state == RuleState::Waiting)
}

/// What a new gift of `amount_cents` at `now`, by a donor who has not given before,
/// would unlock through the stakeholder's match rules, given their evaluation in the
/// document. `None` when no match rule is open to it.
pub fn preview_gift(
    rules: &[Rule],
    evaluation: &StakeholderEvaluation,
    amount_cents: i64,
    now: Timestamp,
) -> Option<i64> {
    if amount_cents <= 0 || is_void(rules, evaluation) {
        return None;
    }
    let mut any = false;
    let mut sum = 0i64;
    for (r, e) in rules.iter().zip(&evaluation.rules) {
        let Rule::Match(m) = r else { continue };
        if e.state != RuleState::Open
            || time(&m.from).is_some_and(|f| now < f)
            || time(&m.until).is_some_and(|u| now >= u)
        {
            continue;
        }
        // A first gift of a new donor: the ratio, then every cap that applies to it
        // (what is left of the total is the evaluation's `available_cents`). Written out
        // rather than through `allocations`, which keeps the widget free of hash maps.
        let caps = [m.cap_per_gift_cents, m.cap_per_donor_cents, e.available_cents];
        let unlocked = caps.into_iter().flatten().fold(of_bps(amount_cents, m.ratio_bps), i64::min).max(0);
        any = true;
        sum = sum.saturating_add(unlocked);
    }
    any.then_some(sum)
}

/// What a new gift would add to one stakeholder's co-funding through its matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftPreview {
    /// Index in the document's `stakeholders`.
    pub stakeholder: usize,
    /// What the gift would unlock.
    pub adds_cents: i64,
    /// What the matches could still unlock after it; `None` when they have no limit.
    pub left_after_cents: Option<i64>,
}

impl crate::Cohort {
    /// For a gift of `amount_cents` at `now` by a new donor: what each stakeholder's
    /// match (the 1.0 `match` and 1.1 match rules) would add, for the pledge form's
    /// preview. Only stakeholders whose match is still open to it.
    pub fn gift_preview(&self, amount_cents: i64, now: Timestamp) -> Vec<GiftPreview> {
        let pledged = self.document().crowd.pledged_cents;
        let mut out = Vec::new();
        for (i, s) in self.document().stakeholders.iter().enumerate() {
            let mut adds = 0i64;
            let mut left = Some(0i64);
            let mut open = false;
            if let Some(offer) = &s.match_ {
                let after = crate::progress::matched_cents(offer, pledged.saturating_add(amount_cents));
                let unlocked = crate::progress::matched_cents(offer, pledged);
                if unlocked < offer.cap_cents {
                    open = true;
                    adds = after - unlocked;
                    left = Some(offer.cap_cents - after);
                }
            }
            if let Some(e) = &s.evaluation {
                if let Some(more) = preview_gift(&s.rules, e, amount_cents, now) {
                    open = true;
                    adds = adds.saturating_add(more);
                    let available = s.rules.iter().zip(&e.rules).filter(|(r, _)| matches!(r, Rule::Match(_))).try_fold(
                        0i64,
                        |a, (_, r)| match r.state {
                            RuleState::Open => r.available_cents.map(|v| a.saturating_add(v)),
                            _ => Some(a),
                        },
                    );
                    left = match (left, available) {
                        (Some(l), Some(a)) => Some(l.saturating_add(a.saturating_sub(more)).max(0)),
                        _ => None,
                    };
                }
            }
            if open {
                out.push(GiftPreview { stakeholder: i, adds_cents: adds, left_after_cents: left });
            }
        }
        out
    }
}

impl crate::Cohort {
    /// For a gift of `amount_cents` by a new donor: what the programme's multiplier pot
    /// would add to it and leave after it ("De pot van Starters4Communities voegt € 25
    /// toe"); `None` without a pot, or when the pot is exhausted.
    pub fn pot_preview(&self, amount_cents: i64) -> Option<crate::pot::PotPreview> {
        self.document().pot.as_ref()?.preview(amount_cents)
    }
}

/// The next instant after `now` at which the rules' evaluation may change without a new
/// pledge (a window opens or ends, a trigger's date or the close passes): a document
/// rendered now is up to date until then.
pub fn next_change(rules: &[Rule], closes_at: Timestamp, now: Timestamp) -> Option<Timestamp> {
    let mut times = vec![Some(closes_at)];
    for r in rules {
        match r {
            Rule::Match(m) => times.extend([time(&m.from), time(&m.until)]),
            Rule::Trigger(t) => times.push(time(&t.by)),
            Rule::AllOrNothing | Rule::Unreadable(_) => {}
        }
    }
    times.into_iter().flatten().filter(|t| *t > now).min()
}
