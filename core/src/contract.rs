//! The cohort document, contract version 1 (`cofund/cohort@1`).
//!
//! These are the wire types exactly as a programme's endpoint serves them. They are
//! deliberately permissive (signed amounts, free strings) so that a wrong value reaches
//! validation and is reported with its field name instead of failing inside serde;
//! [`crate::Cohort`] is the validated form. Unknown fields are ignored.
//! The normative description is `schema/cohort-v1.schema.json`.

pub use crate::rules::{
    Basis, MatchRule, Rule, RuleEvaluation, RuleState, StakeholderEvaluation, TriggerRule, UnreadableRule,
};
use serde::{Deserialize, Serialize};

/// The `schema` value of contract version 1.0.
pub const SCHEMA_V1: &str = "cofund/cohort@1";
/// The `schema` value of contract version 1.1, which adds stakeholders' `rules` and
/// their `evaluation`. Readers of this version read any `cofund/cohort@1.x` (a minor
/// version only adds what a reader may ignore); writers use 1.1 only for documents
/// that carry rules, so every 1.0 reader still reads the others.
pub const SCHEMA_V1_1: &str = "cofund/cohort@1.1";
// Contract 1.1 also adds the programme's multiplier pot (`pot`); a document with a pot
// is written as 1.1 too.

/// The `schema` value of contract version 1.2, which adds the group's crowdfunding by
/// participant (`group`) and pledges of time and goods (`in_kind`); written only for
/// documents that carry one of them.
pub const SCHEMA_V1_2: &str = "cofund/cohort@1.2";

/// True for `cofund/cohort@1` and any of its minor versions (`cofund/cohort@1.1`, …).
pub fn is_schema_v1(schema: &str) -> bool {
    match schema.strip_prefix(SCHEMA_V1) {
        Some("") => true,
        Some(minor) => minor.strip_prefix('.').is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}
/// The contract family; a document of `cofund/cohort@2` is recognised as a newer version.
pub const SCHEMA_FAMILY: &str = "cofund/cohort@";

/// One cohort's funding picture: the document the widget reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortDocument {
    pub schema: String,
    pub slug: String,
    pub name: String,
    pub programme: Programme,
    /// Default display locale, `nl-NL` or `en-GB`; an embed attribute overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// ISO 4217 code; `EUR` in practice.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Total programme cost.
    pub budget_cents: i64,
    pub campaign: Campaign,
    pub own_contributions: OwnContributions,
    pub crowd: Crowd,
    #[serde(default)]
    pub stakeholders: Vec<Stakeholder>,
    #[serde(default)]
    pub initiatives: Vec<Initiative>,
    #[serde(default)]
    pub recent_pledges: Vec<RecentPledge>,
    /// Cumulative crowd pledges per day, oldest first.
    #[serde(default)]
    pub history: Vec<HistoryPoint>,
    #[serde(default)]
    pub links: Links,
    /// RFC 3339.
    pub updated_at: String,
    /// Contract 1.1: the programme's multiplier pot, present only when the cohort's
    /// programme has one: what it gave this cohort and what is left in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot: Option<crate::pot::PotState>,
    /// Contract 1.2: the participants' own fundraising pages together (listed
    /// participants only), present when the cohort has participant pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<crate::participants::GroupTally>,
    /// Contract 1.2: pledges of time and goods, counted apart from euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_kind: Option<crate::in_kind::InKindTotals>,
}

fn default_currency() -> String {
    "EUR".to_owned()
}

/// The programme that runs the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// When the crowd campaign runs, RFC 3339 timestamps; `closes_at` is exclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub opens_at: String,
    pub closes_at: String,
}

/// Each participant's own contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnContributions {
    /// Number of participants in the cohort.
    pub participants: i64,
    pub per_participant_cents: i64,
    /// Participants who have paid.
    pub received: i64,
}

/// The cohort's group crowdfunding campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crowd {
    /// Share of the budget the crowd campaign must raise, in basis points (5000 = 50 %).
    pub target_share_bps: i64,
    /// All open and received pledges.
    pub pledged_cents: i64,
    /// The part of `pledged_cents` that has arrived.
    pub received_cents: i64,
    pub backers: i64,
    #[serde(default)]
    pub suggested_cents: Vec<i64>,
    pub min_cents: i64,
    pub max_cents: i64,
}

/// A direct stakeholder that co-funds the programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stakeholder {
    pub name: String,
    pub kind: StakeholderKind,
    pub status: StakeholderStatus,
    /// The fixed co-funding. A `match` adds to it.
    pub amount_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What a `conditional` commitment depends on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_: Option<MatchOffer>,
    /// Contract 1.1: the rules of the commitment (see [`crate::rules`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Contract 1.1: what the rules have unlocked, computed by the server from the
    /// cohort's pledges; `rules[i]` evaluates the stakeholder's `rules[i]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<StakeholderEvaluation>,
}

/// Matching: each crowd euro unlocks `ratio_bps / 10000` euro, up to `cap_cents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchOffer {
    pub ratio_bps: i64,
    pub cap_cents: i64,
}

/// A cohort slug, as in URLs: 1 to 64 of `a-z`, `0-9` and `-` (the document's `slug`, the
/// server's paths and the CLI's arguments all follow this one rule).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// [`is_slug`] in words, for error messages.
pub const SLUG_RULE: &str = "1 to 64 of a-z, 0-9 and -";

/// An open set: a kind this version does not know reads as [`StakeholderKind::Unrecognised`],
/// which the widget shows as `other` and a writer (the server) refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeholderKind {
    Municipality,
    Welfare,
    Fund,
    Business,
    Other,
    /// A kind from a newer contract; never valid in a document written by this version.
    #[serde(other)]
    Unrecognised,
}

/// An open set: a status this version does not know reads as
/// [`StakeholderStatus::Unrecognised`], which the widget counts and shows as
/// `conditional` (promised, not certain) and a writer refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeholderStatus {
    Committed,
    Conditional,
    Paid,
    /// A status from a newer contract; never valid in a document written by this version.
    #[serde(other)]
    Unrecognised,
}

impl StakeholderKind {
    /// Every kind this version writes, in the contract's order.
    pub const KNOWN: [StakeholderKind; 5] = [
        StakeholderKind::Municipality,
        StakeholderKind::Welfare,
        StakeholderKind::Fund,
        StakeholderKind::Business,
        StakeholderKind::Other,
    ];

    /// The contract's name (`municipality`, …), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderKind::Municipality => "municipality",
            StakeholderKind::Welfare => "welfare",
            StakeholderKind::Fund => "fund",
            StakeholderKind::Business => "business",
            StakeholderKind::Other => "other",
            StakeholderKind::Unrecognised => "unrecognised",
        }
    }

    /// A known kind by its contract name; `None` for anything else.
    pub fn parse(s: &str) -> Option<StakeholderKind> {
        Self::KNOWN.into_iter().find(|k| k.as_str() == s)
    }
}

impl StakeholderStatus {
    /// Every status this version writes, in the contract's order.
    pub const KNOWN: [StakeholderStatus; 3] =
        [StakeholderStatus::Committed, StakeholderStatus::Conditional, StakeholderStatus::Paid];

    /// The contract's name (`committed`, …), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderStatus::Committed => "committed",
            StakeholderStatus::Conditional => "conditional",
            StakeholderStatus::Paid => "paid",
            StakeholderStatus::Unrecognised => "unrecognised",
        }
    }

    /// A known status by its contract name; `None` for anything else.
    pub fn parse(s: &str) -> Option<StakeholderStatus> {
        Self::KNOWN.into_iter().find(|k| k.as_str() == s)
    }
}

/// A neighbourhood initiative the cohort supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Initiative {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A recent pledge as the donor chose to show it: `None` is hidden by the donor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentPledge {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    /// RFC 3339.
    pub at: String,
}

/// Cumulative crowd pledges at the end of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub pledged_cents: i64,
}

/// Where to pledge and where to read more. No `pledge` link: the document is read-only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// A Server-Sent Events stream that signals every change of the document, so open
    /// widgets update at once. Absent: clients poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
}
