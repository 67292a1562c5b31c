//! Wire types of the pledge API (`POST /api/v1/cohorts/{slug}/pledges`) and the one
//! error shape that every API error uses. Shared so the widget and the server agree.

use crate::error::FieldError;
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
