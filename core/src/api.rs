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
    /// The donor wants the cohort's news by e-mail (target reached, campaign closed,
    /// the coordinator's updates). Off unless the donor turns it on. Left out of the
    /// serialised request when off, so requests from before it hash alike.
    #[serde(default, skip_serializing_if = "is_false")]
    pub news: bool,
    /// Honeypot: a hidden field people never fill in; bots do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// The donor's language (the widget's, `nl-NL` or `en-GB`), for the e-mail about the
    /// pledge; without it, or in a language the server does not write, the cohort's.
    /// Left out of the serialised request when absent, so requests without it hash alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The handle of the participant through whose personal link the donor came
    /// ([`crate::participants::Handle`]); the pledge is attributed to them. Left out of
    /// the serialised request when absent, so requests without it hash alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fundraiser: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The fewest and most days a cohort may wait for a transfer before reminding the
/// donor (`reminder_days` in the cohort's definition; the server's default is 5).
pub const REMINDER_DAYS_MIN: i64 = 1;
pub const REMINDER_DAYS_MAX: i64 = 60;

/// Checks a cohort's reminder period: the server on a definition, the dashboard on its
/// draft, by the same rule.
pub fn check_reminder_days(days: i64) -> Result<u32, Problem> {
    if (REMINDER_DAYS_MIN..=REMINDER_DAYS_MAX).contains(&days) {
        Ok(days as u32)
    } else {
        Err(Problem::OutOfRange { min: REMINDER_DAYS_MIN, max: REMINDER_DAYS_MAX })
    }
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
    pub const ALL: [PledgeStatus; 3] = [PledgeStatus::Pledged, PledgeStatus::Received, PledgeStatus::Cancelled];

    /// A status by its wire name (`pledged`, `received`, `cancelled`); `None` for anything
    /// else. The database, the admin API and the dashboard's filter all read it here.
    pub fn parse(s: &str) -> Option<PledgeStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

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
    /// Present when the cohort offers online payment (iDEAL through a provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_payment: Option<OnlinePayment>,
}

/// Online payment of a pledge: `POST start_url` with `{"return_url"}` and an
/// `Idempotency-Key` answers [`PaymentStart`]; `GET status_url` answers [`PaymentState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlinePayment {
    /// `ideal`.
    pub method: String,
    pub start_url: String,
    pub status_url: String,
}

/// The query parameter the server adds to the donor's return URL, naming the pledge
/// whose payment the widget then looks up.
pub const PAYMENT_RETURN_MARKER: &str = "cofund_payment";

/// `POST start_url` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentStartRequest {
    /// The page to come back to; only on the cohort's allowed origins.
    pub return_url: String,
}

/// `POST start_url` answer: where to send the donor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentStart {
    pub checkout_url: String,
}

/// What came of a pledge's online payment, as far as the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlinePaymentStatus {
    /// No online payment was started.
    None,
    /// Started; the donor or the bank has not finished.
    Pending,
    Paid,
    /// Failed, cancelled or expired: the pledge stays pledged; pay again or transfer.
    Failed,
}

/// What a coordinator must look at on a pledge (the admin API's `payment_conflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentConflict {
    /// An online payment of the pledge was paid after the pledge was cancelled: the money
    /// arrived but does not count; refund it or reinstate the pledge.
    PaidWhileCancelled,
}

/// `GET status_url` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentState {
    pub pledge: PledgeReceipt,
    pub online: OnlinePaymentStatus,
    /// How to transfer instead (or pay again: `online_payment`).
    pub payment: PaymentInstructions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_payment: Option<OnlinePayment>,
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
    /// The donor opted in to the cohort's news.
    pub news: bool,
    /// The participant the pledge is attributed to (their handle, checked for form only:
    /// whether that participant exists is the server's to know).
    pub fundraiser: Option<crate::participants::Handle>,
}

/// The fields of a pledge request, in the order a pledge form shows them. Field errors
/// name these, and a form sorts and places its errors by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeField {
    AmountCents,
    Name,
    ShowName,
    ShowAmount,
    Email,
    Message,
    /// Opt-in to the cohort's news by e-mail.
    News,
    Consent,
    /// The honeypot.
    Website,
    /// The participant's handle, from the widget's `fundraiser` attribute (not shown).
    Fundraiser,
}

impl PledgeField {
    /// Every field, in form order.
    pub const ALL: [PledgeField; 10] = [
        PledgeField::AmountCents,
        PledgeField::Name,
        PledgeField::ShowName,
        PledgeField::ShowAmount,
        PledgeField::Email,
        PledgeField::Message,
        PledgeField::News,
        PledgeField::Consent,
        PledgeField::Website,
        PledgeField::Fundraiser,
    ];

    /// The JSON member name, also the `field` of a field error.
    pub const fn as_str(self) -> &'static str {
        match self {
            PledgeField::AmountCents => "amount_cents",
            PledgeField::Name => "name",
            PledgeField::ShowName => "show_name",
            PledgeField::ShowAmount => "show_amount",
            PledgeField::Email => "email",
            PledgeField::Message => "message",
            PledgeField::News => "news",
            PledgeField::Consent => "consent",
            PledgeField::Website => "website",
            PledgeField::Fundraiser => "fundraiser",
        }
    }

    pub fn parse(s: &str) -> Option<PledgeField> {
        PledgeField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Sort key of a field error's `field` in form order; unknown fields last.
    pub fn order(field: &str) -> usize {
        PledgeField::ALL.iter().position(|f| f.as_str() == field).unwrap_or(usize::MAX)
    }
}

/// The stable `error.code` of every API error. On the wire it stays a string, so a
/// client reads codes it does not know yet as [`ApiError::kind`] `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 422 with `fields`.
    ValidationFailed,
    /// 400: the body is not JSON.
    MalformedJson,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 400: a pledge without a usable `Idempotency-Key`.
    IdempotencyKeyRequired,
    /// 422: the key was used with another request body.
    IdempotencyKeyReused,
    /// 409: the cohort does not take pledges now.
    CampaignNotOpen,
    /// 403: pledges are not accepted from the request's origin.
    OriginNotAllowed,
    /// 400: a query parameter is malformed.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 409: the change is not possible from the current state (a cancelled pledge
    /// cannot be confirmed).
    InvalidTransition,
    /// 409: the edit was based on an older revision.
    StaleRevision,
    /// 413.
    PayloadTooLarge,
    /// 429, with `Retry-After`.
    RateLimited,
    /// 503: this instance has as many live subscribers as it allows.
    TooManySubscribers,
    /// 409: online payment is not offered for this pledge (the cohort has it off, the
    /// server has no payment provider, or the pledge is received or cancelled).
    PaymentUnavailable,
    /// 502: the payment provider refused or did not answer; the donor can retry or
    /// transfer.
    PaymentProviderFailed,
    /// 503, with `Retry-After`: the database cannot be reached or cannot write now (a
    /// lost connection, no connection free in time, a full disk). Nothing was changed;
    /// the same request, with the same `Idempotency-Key`, may be retried.
    Unavailable,
    /// 500.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::ValidationFailed,
        ErrorCode::MalformedJson,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::IdempotencyKeyRequired,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::CampaignNotOpen,
        ErrorCode::OriginNotAllowed,
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::InvalidTransition,
        ErrorCode::StaleRevision,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::TooManySubscribers,
        ErrorCode::PaymentUnavailable,
        ErrorCode::PaymentProviderFailed,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::IdempotencyKeyRequired => "idempotency_key_required",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::CampaignNotOpen => "campaign_not_open",
            ErrorCode::OriginNotAllowed => "origin_not_allowed",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::StaleRevision => "stale_revision",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooManySubscribers => "too_many_subscribers",
            ErrorCode::PaymentUnavailable => "payment_unavailable",
            ErrorCode::PaymentProviderFailed => "payment_provider_failed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl ApiError {
    /// The code as a known [`ErrorCode`]; `None` for a code this build does not know.
    pub fn kind(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }
}

pub use crate::text::is_invisible_formatting;

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
    if let Some(problem) = crate::text::text_problem(v, false, max as u32, multiline) {
        errors.push(FieldError::new(field, problem));
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
    let fundraiser = match req.fundraiser.as_deref().map(crate::participants::Handle::parse) {
        None => None,
        Some(Ok(handle)) => Some(handle),
        Some(Err(problem)) => {
            errors.push(FieldError::new(PledgeField::Fundraiser.as_str(), problem));
            None
        }
    };
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
        news: req.news,
        fundraiser,
    })
}

/// Reads a pledge request from a parsed JSON body. A missing or mistyped field is a
/// field error (the donor's form can place it) rather than a parse failure, and the
/// validation errors of the readable fields are added, so every problem is reported at
/// once, in form order. Unknown members are ignored.
pub fn read_pledge_request(
    value: &serde_json::Value,
    min_cents: i64,
    max_cents: i64,
) -> Result<PledgeRequest, Vec<FieldError>> {
    use serde_json::Value;
    let Value::Object(map) = value else {
        return Err(vec![FieldError::new("", Problem::Format { expected: "a JSON object".into() })]);
    };
    let mut errors: Vec<FieldError> = Vec::new();
    let get = |f: PledgeField| map.get(f.as_str()).filter(|v| !v.is_null());
    let wrong = |errors: &mut Vec<FieldError>, f: PledgeField, expected: &str| {
        errors.push(FieldError::new(f.as_str(), Problem::Format { expected: expected.into() }));
    };
    let amount_cents = match get(PledgeField::AmountCents) {
        None => {
            errors.push(FieldError::new(PledgeField::AmountCents.as_str(), Problem::Required));
            0
        }
        Some(v) => v.as_i64().unwrap_or_else(|| {
            wrong(&mut errors, PledgeField::AmountCents, "a whole number of cents");
            0
        }),
    };
    let text = |errors: &mut Vec<FieldError>, f: PledgeField| match get(f) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            wrong(errors, f, "a string");
            None
        }
    };
    let name = text(&mut errors, PledgeField::Name);
    let email = text(&mut errors, PledgeField::Email);
    let message = text(&mut errors, PledgeField::Message);
    let website = text(&mut errors, PledgeField::Website);
    let fundraiser = text(&mut errors, PledgeField::Fundraiser);
    let flag = |errors: &mut Vec<FieldError>, f: PledgeField, default: bool| match get(f) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            wrong(errors, f, "true or false");
            default
        }
    };
    let request = PledgeRequest {
        amount_cents,
        name,
        show_name: flag(&mut errors, PledgeField::ShowName, false),
        show_amount: flag(&mut errors, PledgeField::ShowAmount, true),
        email: email.unwrap_or_default(),
        message,
        consent: flag(&mut errors, PledgeField::Consent, false),
        news: flag(&mut errors, PledgeField::News, false),
        website,
        // Only a hint for e-mail: anything but a short string is ignored, not refused.
        locale: map
            .get("locale")
            .and_then(|l| l.as_str())
            .filter(|l| !l.is_empty() && l.len() <= 35)
            .map(str::to_owned),
        fundraiser,
    };
    if errors.is_empty() {
        return Ok(request);
    }
    if let Err(more) = validate_pledge(&request, min_cents, max_cents) {
        for e in more {
            if !errors.iter().any(|x| x.field == e.field) {
                errors.push(e);
            }
        }
    }
    errors.sort_by_key(|e| PledgeField::order(&e.field));
    Err(errors)
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
            news: false,
            website: None,
            locale: None,
            fundraiser: None,
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
            news: false,
            website: Some("http://spam".into()),
            locale: None,
            fundraiser: None,
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
    fn invisible_formatting_is_refused_in_names_and_messages() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200F}'] {
            let mut r = req();
            r.name = Some(format!("Fatima{c}gnp.exe"));
            let e = validate_pledge(&r, 1, 10_000).unwrap_err();
            assert_eq!((e[0].field.as_str(), &e[0].problem), ("name", &Problem::ControlCharacters), "{c:?}");
            let mut r = req();
            r.message = Some(format!("Succes{c}!"));
            assert_eq!(validate_pledge(&r, 1, 10_000).unwrap_err()[0].field, "message");
        }
        // A family emoji is joined with U+200D and stays allowed.
        let mut r = req();
        r.name = Some("Familie \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}".into());
        assert!(validate_pledge(&r, 1, 10_000).is_ok());
    }

    #[test]
    fn a_request_is_read_with_every_problem_in_form_order() {
        let v = serde_json::json!({"amount_cents": "25", "name": 7, "show_name": "yes", "email": "a@b.nl",
                                   "message": "x", "consent": false, "extra": 1});
        let fields: Vec<String> =
            read_pledge_request(&v, 500, 500_000).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["amount_cents", "name", "show_name", "consent"]);
        let v = serde_json::json!({"amount_cents": 2500, "email": "a@b.nl", "consent": true, "unknown": [1]});
        let r = read_pledge_request(&v, 500, 500_000).unwrap();
        assert!(r.show_amount && !r.show_name);
        assert!(read_pledge_request(&serde_json::json!([1]), 1, 2).is_err());
    }

    #[test]
    fn codes_and_fields_round_trip() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
        for f in PledgeField::ALL {
            assert_eq!(PledgeField::parse(f.as_str()), Some(f));
        }
        assert_eq!(ErrorCode::parse("a_code_of_tomorrow"), None);
        assert!(PledgeField::order("email") < PledgeField::order("consent"));
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
