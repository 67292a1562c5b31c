//! Pledges of time and goods (issue 15): a neighbour gives hours with a skill or task, a
//! local business gives things, optionally for one of the cohort's initiatives.
//!
//! They are counted apart from euros ("86 uur en 12 spullen toegezegd") and never added
//! to the crowd's euro figure, unless the programme sets a value per hour and chooses to
//! count it ([`InKindValuation`]); then the value is shown labelled as value.
//!
//! Time is held in whole minutes, typed in hours with quarters (`1,5`, `0,25`, `2`), and
//! read by the one decimal reader of amounts ([`crate::parse_amount_input`]).

use crate::api::{is_plausible_email, EMAIL_MAX_CHARS, MESSAGE_MAX_CHARS, NAME_MAX_CHARS};
use crate::error::{FieldError, Problem};
use crate::text::{check_text, text_problem};
use crate::AmountInputError;
use serde::{Deserialize, Serialize};

/// The least and most time one pledge may give: a quarter of an hour, a thousand hours.
pub const MINUTES_MIN: i64 = 15;
pub const MINUTES_MAX: i64 = 60_000;
/// The most things one pledge may give.
pub const QUANTITY_MAX: i64 = 1_000;
/// Longest task or description of goods, in characters.
pub const WHAT_MAX_CHARS: u32 = 200;
/// The highest value per hour a programme may set: € 1.000.
pub const PER_HOUR_MAX_CENTS: i64 = 100_000;

/// What a pledge of time or goods gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InKindKind {
    Time,
    Goods,
    /// A kind from a newer contract; a writer refuses it.
    #[serde(other)]
    Unrecognised,
}

/// What a donor sends to pledge time or goods (`POST …/in-kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InKindRequest {
    pub kind: InKindKind,
    /// Time: the minutes given, whole quarters of an hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// Goods: how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Time: the task or skill ("klussen", "boekhouding"); goods: what ("laptops").
    pub what: String,
    /// The name of one of the cohort's initiatives it is for; none: the cohort's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiative: Option<String>,
    pub name: String,
    #[serde(default)]
    pub show_name: bool,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub consent: bool,
    /// As [`crate::api::PledgeRequest::locale`]: a hint for e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// As [`crate::api::PledgeRequest::fundraiser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fundraiser: Option<String>,
}

/// A checked pledge of time or goods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInKind {
    pub gift: InKindGift,
    pub what: String,
    pub initiative: Option<String>,
    pub name: String,
    pub show_name: bool,
    pub email: String,
    pub message: Option<String>,
}

/// The gift itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InKindGift {
    Time { minutes: i64 },
    Goods { quantity: i64 },
}

/// Checks a pledge of time or goods against the cohort's initiatives; every problem is
/// reported with its field.
pub fn validate_in_kind(req: &InKindRequest, initiatives: &[&str]) -> Result<ValidInKind, Vec<FieldError>> {
    let mut errors = Vec::new();
    let gift = match req.kind {
        InKindKind::Time => match req.minutes {
            None => {
                errors.push(FieldError::new("minutes", Problem::Required));
                None
            }
            Some(m) if !(MINUTES_MIN..=MINUTES_MAX).contains(&m) => {
                errors.push(FieldError::new("minutes", Problem::OutOfRange { min: MINUTES_MIN, max: MINUTES_MAX }));
                None
            }
            Some(m) if m % 15 != 0 => {
                errors
                    .push(FieldError::new("minutes", Problem::Format { expected: "whole quarters of an hour".into() }));
                None
            }
            Some(minutes) => Some(InKindGift::Time { minutes }),
        },
        InKindKind::Goods => match req.quantity {
            None => {
                errors.push(FieldError::new("quantity", Problem::Required));
                None
            }
            Some(q) if !(1..=QUANTITY_MAX).contains(&q) => {
                errors.push(FieldError::new("quantity", Problem::OutOfRange { min: 1, max: QUANTITY_MAX }));
                None
            }
            Some(quantity) => Some(InKindGift::Goods { quantity }),
        },
        InKindKind::Unrecognised => {
            errors.push(FieldError::new("kind", Problem::Format { expected: "time or goods".into() }));
            None
        }
    };
    let what = req.what.trim();
    check_text(&mut errors, "what", what, true, WHAT_MAX_CHARS);
    let initiative = req.initiative.as_deref().map(str::trim).filter(|i| !i.is_empty());
    if initiative.is_some_and(|i| !initiatives.contains(&i)) {
        errors.push(FieldError::new(
            "initiative",
            Problem::Format { expected: "one of the cohort's initiatives".into() },
        ));
    }
    let name = req.name.trim();
    check_text(&mut errors, "name", name, true, NAME_MAX_CHARS as u32);
    let email = req.email.trim();
    if email.is_empty() {
        errors.push(FieldError::new("email", Problem::Required));
    } else if email.chars().count() > EMAIL_MAX_CHARS || !is_plausible_email(email) {
        errors.push(FieldError::new("email", Problem::Format { expected: "an e-mail address".into() }));
    }
    let message = req.message.as_deref().map(str::trim).filter(|m| !m.is_empty());
    if let Some(problem) = message.and_then(|m| text_problem(m, false, MESSAGE_MAX_CHARS as u32, true)) {
        errors.push(FieldError::new("message", problem));
    }
    if !req.consent {
        errors.push(FieldError::new("consent", Problem::Required));
    }
    if let Some(f) = req.fundraiser.as_deref() {
        if let Err(problem) = crate::participants::Handle::parse(f) {
            errors.push(FieldError::new("fundraiser", problem));
        }
    }
    match gift {
        Some(gift) if errors.is_empty() => Ok(ValidInKind {
            gift,
            what: what.to_owned(),
            initiative: initiative.map(str::to_owned),
            name: name.to_owned(),
            show_name: req.show_name,
            email: email.to_owned(),
            message: message.map(str::to_owned),
        }),
        _ => Err(errors),
    }
}

/// Why typed hours are not a time to pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursInputError {
    /// Not a number as amounts are read (see [`crate::amount`]).
    Number(AmountInputError),
    /// Not whole quarters of an hour, such as `1,1`.
    NotQuarters,
}

/// Reads hours as people type them (`2`, `1,5`, `0,25`, `1.5`) into minutes.
///
/// ```
/// use cofund_core::in_kind::{parse_hours_input, HoursInputError};
/// assert_eq!(parse_hours_input("1,5"), Ok(90));
/// assert_eq!(parse_hours_input("0,25"), Ok(15));
/// assert_eq!(parse_hours_input("1,1"), Err(HoursInputError::NotQuarters));
/// ```
pub fn parse_hours_input(input: &str) -> Result<i64, HoursInputError> {
    let hundredths = crate::parse_amount_input(input).map_err(HoursInputError::Number)?;
    if hundredths % 25 != 0 {
        return Err(HoursInputError::NotQuarters);
    }
    hundredths.checked_mul(60).map(|m| m / 100).ok_or(HoursInputError::Number(AmountInputError::TooLarge))
}

/// A programme's value of an hour given: shown beside the hours, and counted in the
/// crowd's figure (labelled as value) only when `count_in_crowd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InKindValuation {
    pub per_hour_cents: i64,
    #[serde(default)]
    pub count_in_crowd: bool,
}

impl InKindValuation {
    pub fn validate(&self, field: &str) -> Result<(), Vec<FieldError>> {
        if (1..=PER_HOUR_MAX_CENTS).contains(&self.per_hour_cents) {
            Ok(())
        } else {
            Err(vec![FieldError::new(
                format!("{field}.per_hour_cents"),
                Problem::OutOfRange { min: 1, max: PER_HOUR_MAX_CENTS },
            )])
        }
    }
}

/// One stored pledge of time or goods, as the totals need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InKindLine {
    pub gift: InKindGift,
    /// The hours actually given, once the coordinator marked a pledge of time delivered.
    pub delivered_minutes: Option<i64>,
    pub cancelled: bool,
}

/// The cohort's pledges of time and goods together (contract 1.2, field `in_kind`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InKindTotals {
    /// Pledges of time and goods that are not cancelled.
    pub pledges: i64,
    /// Time promised, in minutes.
    pub minutes_pledged: i64,
    /// Time given, in minutes, of the pledges marked delivered.
    pub minutes_delivered: i64,
    /// Things promised.
    pub goods: i64,
    /// The value of the time, when the programme sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<InKindValue>,
}

/// The value of the time given: what was delivered where marked, what was promised
/// otherwise, at the programme's rate (rounded down to the cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InKindValue {
    pub per_hour_cents: i64,
    pub value_cents: i64,
    /// Counted in the crowd's figure (labelled as value).
    pub counted: bool,
}

impl InKindTotals {
    /// Counts the lines; `None` if a sum does not fit (it cannot with the limits a writer
    /// keeps, but the figures must never wrap).
    pub fn count(lines: &[InKindLine], valuation: Option<InKindValuation>) -> Option<InKindTotals> {
        let mut t = InKindTotals::default();
        let mut minutes_valued: i64 = 0;
        for line in lines.iter().filter(|l| !l.cancelled) {
            t.pledges = t.pledges.checked_add(1)?;
            match line.gift {
                InKindGift::Time { minutes } => {
                    t.minutes_pledged = t.minutes_pledged.checked_add(minutes)?;
                    let given = line.delivered_minutes.unwrap_or(minutes);
                    if line.delivered_minutes.is_some() {
                        t.minutes_delivered = t.minutes_delivered.checked_add(given)?;
                    }
                    minutes_valued = minutes_valued.checked_add(given)?;
                }
                InKindGift::Goods { quantity } => t.goods = t.goods.checked_add(quantity)?,
            }
        }
        if let Some(v) = valuation {
            t.value = Some(InKindValue {
                per_hour_cents: v.per_hour_cents,
                value_cents: minutes_valued.checked_mul(v.per_hour_cents)? / 60,
                counted: v.count_in_crowd,
            });
        }
        Some(t)
    }
}

/// Problems of another server's totals that would make a figure wrong; a forgiving
/// reader leaves such totals out rather than show them wrong.
pub fn totals_problems(t: &InKindTotals) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, v) in [
        ("in_kind.pledges", t.pledges),
        ("in_kind.minutes_pledged", t.minutes_pledged),
        ("in_kind.minutes_delivered", t.minutes_delivered),
        ("in_kind.goods", t.goods),
    ] {
        if v < 0 {
            errors.push(FieldError::new(field, Problem::Negative));
        }
    }
    if let Some(v) = &t.value {
        if v.per_hour_cents <= 0 || v.value_cents < 0 {
            errors.push(FieldError::new("in_kind.value", Problem::Negative));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(minutes: i64) -> InKindRequest {
        InKindRequest {
            kind: InKindKind::Time,
            minutes: Some(minutes),
            quantity: None,
            what: "Klussen in het buurthuis".into(),
            initiative: None,
            name: "Henk".into(),
            show_name: false,
            email: "henk@example.nl".into(),
            message: None,
            consent: true,
            locale: None,
            fundraiser: None,
        }
    }

    fn fields(r: Result<ValidInKind, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_pledge_of_four_hours_is_taken() {
        let v = validate_in_kind(&time(240), &[]).unwrap();
        assert_eq!(v.gift, InKindGift::Time { minutes: 240 });
        assert_eq!(v.what, "Klussen in het buurthuis");
    }

    #[test]
    fn bad_time_and_goods_get_field_errors() {
        assert_eq!(fields(validate_in_kind(&time(0), &[])), ["minutes"]);
        assert_eq!(fields(validate_in_kind(&time(600_000), &[])), ["minutes"]);
        assert_eq!(fields(validate_in_kind(&time(20), &[])), ["minutes"]);
        let mut r = time(60);
        r.what = "  ".into();
        r.name = "Henk\u{202E}".into();
        r.initiative = Some("Onbekend".into());
        r.consent = false;
        assert_eq!(fields(validate_in_kind(&r, &["Buurtcafé"])), ["what", "initiative", "name", "consent"]);
        let goods = InKindRequest { kind: InKindKind::Goods, minutes: None, quantity: Some(0), ..time(0) };
        assert_eq!(fields(validate_in_kind(&goods, &[])), ["quantity"]);
        let newer: InKindRequest = serde_json::from_value(
            serde_json::json!({"kind": "money", "what": "x", "name": "a", "email": "a@b.nl", "consent": true}),
        )
        .unwrap();
        assert_eq!(fields(validate_in_kind(&newer, &[])), ["kind"]);
    }

    #[test]
    fn hours_are_typed_in_quarters() {
        assert_eq!(parse_hours_input("4"), Ok(240));
        assert_eq!(parse_hours_input("1,75"), Ok(105));
        assert_eq!(parse_hours_input("1.5"), Ok(90));
        assert_eq!(parse_hours_input("1,1"), Err(HoursInputError::NotQuarters));
        assert_eq!(parse_hours_input(""), Err(HoursInputError::Number(AmountInputError::Empty)));
        assert_eq!(parse_hours_input("vier"), Err(HoursInputError::Number(AmountInputError::Malformed)));
    }

    #[test]
    fn totals_keep_time_and_goods_apart_and_value_only_when_set() {
        let lines = [
            InKindLine { gift: InKindGift::Time { minutes: 240 }, delivered_minutes: None, cancelled: false },
            InKindLine { gift: InKindGift::Time { minutes: 120 }, delivered_minutes: Some(90), cancelled: false },
            InKindLine { gift: InKindGift::Time { minutes: 600 }, delivered_minutes: None, cancelled: true },
            InKindLine { gift: InKindGift::Goods { quantity: 12 }, delivered_minutes: None, cancelled: false },
        ];
        let t = InKindTotals::count(&lines, None).unwrap();
        assert_eq!((t.pledges, t.minutes_pledged, t.minutes_delivered, t.goods), (3, 360, 90, 12));
        assert_eq!(t.value, None);
        let valued = InKindTotals::count(&lines, Some(InKindValuation { per_hour_cents: 1_500, count_in_crowd: true }))
            .unwrap()
            .value
            .unwrap();
        // 240 promised + 90 given = 330 minutes = 5,5 h at € 15.
        assert_eq!(valued.value_cents, 8_250);
        assert!(valued.counted);
        assert!(totals_problems(&t).is_empty());
        assert_eq!(
            InKindValuation { per_hour_cents: 0, count_in_crowd: false }.validate("in_kind_value").unwrap_err()[0]
                .field,
            "in_kind_value.per_hour_cents"
        );
    }
}
