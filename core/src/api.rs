//! Wire types of the pledge API (`POST /api/v1/cohorts/{slug}/pledges`) and the one
//! error shape that every API error uses. Shared so the widget and the server agree.

use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Longest pledge message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 280;
/// Longest donor name, in characters.
pub const NAME_MAX_CHARS: usize = 80;
/// Longest e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// Longest idempotency key.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;

/// What a donor sends to pledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PledgeRequest {
    pub amount_cents: i64,
    #[serde(default)]
    pub name: Option<String>,
    /// Show the name publicly. Off unless the donor turns it on.
    #[serde(default)]
    pub show_name: bool,
    /// Show the amount publicly.
    #[serde(default = "yes")]
    pub show_amount: bool,
    pub email: String,
    #[serde(default)]
    pub message: Option<String>,
    /// The donor agreed to the consent text.
    pub consent: bool,
    /// Honeypot: a hidden field people never fill in; bots do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

fn yes() -> bool {
    true
}

/// The state of a pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PledgeStatus {
    /// Promised, money not yet seen.
    Pledged,
    /// A coordinator confirmed the money arrived.
    Received,
    /// Withdrawn or never paid; counts nowhere.
    Cancelled,
}

impl PledgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PledgeStatus::Pledged => "pledged",
            PledgeStatus::Received => "received",
            PledgeStatus::Cancelled => "cancelled",
        }
    }
}

/// A pledge as the donor who made it sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PledgeReceipt {
    pub id: String,
    pub amount_cents: i64,
    pub status: PledgeStatus,
    pub created_at: String,
}

/// How to pay the pledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentInstructions {
    pub iban: String,
    pub account_holder: String,
    /// Unique per pledge; the coordinator matches the bank transfer on it.
    pub reference: String,
    pub amount_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The crowd totals after a pledge, for the widget to show at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrowdTotals {
    pub pledged_cents: i64,
    pub received_cents: i64,
    pub backers: i64,
}

/// `201 Created` body of a pledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PledgeResponse {
    pub pledge: PledgeReceipt,
    pub payment: PaymentInstructions,
    pub totals: CrowdTotals,
}

/// A public pledge in `GET /api/v1/cohorts/{slug}/pledges`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicPledge {
    pub name: Option<String>,
    pub amount_cents: Option<i64>,
    pub message: Option<String>,
    pub at: String,
}

/// A page of public pledges, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PledgePage {
    pub pledges: Vec<PublicPledge>,
    /// Pass as `?cursor=` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Every API error: `{"error": {"code", "message", "fields": [...]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: ApiError,
}

/// The error itself. `fields` is present for validation failures (422).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine name: `validation_failed`, `not_found`, `campaign_not_open`, …
    pub code: String,
    /// A human sentence in English, for logs and developers.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// A pledge request that passed [`validate_pledge`]: trimmed, with empty optionals
/// turned into `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPledge {
    pub amount_cents: i64,
    pub name: Option<String>,
    pub show_name: bool,
    pub show_amount: bool,
    pub email: String,
    pub message: Option<String>,
}

fn clean_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max {
        errors.push(FieldError::new(field, Problem::TooLong { max: max as u32 }));
    } else if v.chars().any(|c| c.is_control() && !(multiline && c == '\n')) {
        errors.push(FieldError::new(field, Problem::ControlCharacters));
    }
    Some(v.to_owned())
}

/// Plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces. Deliverability is proven by the payment, not by a regular expression.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks a pledge against the cohort's limits. Returns every field error at once,
/// with the same field names as the request, so a form can show each beside its field.
/// Used by the widget before sending and by the server before storing.
pub fn validate_pledge(req: &PledgeRequest, min_cents: i64, max_cents: i64) -> Result<ValidPledge, Vec<FieldError>> {
    let mut errors = Vec::new();
    if req.amount_cents < min_cents || req.amount_cents > max_cents {
        errors.push(FieldError::new("amount_cents", Problem::OutOfRange { min: min_cents, max: max_cents }));
    }
    let name = clean_text(&mut errors, "name", req.name.as_deref(), NAME_MAX_CHARS, false);
    if req.show_name && name.is_none() {
        errors.push(FieldError::new("name", Problem::Required));
    }
    let email = req.email.trim();
    if email.is_empty() {
        errors.push(FieldError::new("email", Problem::Required));
    } else if email.chars().count() > EMAIL_MAX_CHARS {
        errors.push(FieldError::new("email", Problem::TooLong { max: EMAIL_MAX_CHARS as u32 }));
    } else if !is_plausible_email(email) {
        errors.push(FieldError::new("email", Problem::Format { expected: "an e-mail address".into() }));
    }
    let message = clean_text(&mut errors, "message", req.message.as_deref(), MESSAGE_MAX_CHARS, true);
    if !req.consent {
        errors.push(FieldError::new("consent", Problem::Required));
    }
    if req.website.as_deref().is_some_and(|w| !w.is_empty()) {
        errors.push(FieldError::new("website", Problem::Format { expected: "empty".into() }));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidPledge {
        amount_cents: req.amount_cents,
        name,
        show_name: req.show_name,
        show_amount: req.show_amount,
        email: email.to_owned(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> PledgeRequest {
        PledgeRequest {
            amount_cents: 2550,
            name: Some("  Fatima ".into()),
            show_name: true,
            show_amount: true,
            email: "fatima@example.nl".into(),
            message: Some("Succes!\nGroet".into()),
            consent: true,
            website: None,
        }
    }

    #[test]
    fn a_good_pledge_is_cleaned() {
        let v = validate_pledge(&req(), 500, 500_000).unwrap();
        assert_eq!(v.name.as_deref(), Some("Fatima"));
        assert_eq!(v.message.as_deref(), Some("Succes!\nGroet"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let r = PledgeRequest {
            amount_cents: 100,
            name: Some("x".repeat(81)),
            show_name: true,
            show_amount: false,
            email: "not-an-address".into(),
            message: Some("x".repeat(281)),
            consent: false,
            website: Some("http://spam".into()),
        };
        let fields: Vec<_> = validate_pledge(&r, 500, 500_000).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["amount_cents", "name", "email", "message", "consent", "website"]);
    }

    #[test]
    fn limits_are_inclusive_and_control_characters_refused() {
        let mut r = req();
        r.amount_cents = 500;
        assert!(validate_pledge(&r, 500, 500).is_ok());
        r.amount_cents = 501;
        assert!(validate_pledge(&r, 500, 500).is_err());
        let mut r = req();
        r.name = Some("a\u{0}b".into());
        assert_eq!(validate_pledge(&r, 1, 10_000).unwrap_err()[0].problem, Problem::ControlCharacters);
        let mut r = req();
        r.message = Some("x".repeat(280));
        assert!(validate_pledge(&r, 1, 10_000).is_ok());
    }

    #[test]
    fn email_plausibility() {
        for ok in ["a@b.nl", "first.last+tag@sub.example.org"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.nl", "a@.nl", "a@b.", "a b@c.nl", "a@b@c.nl"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}
