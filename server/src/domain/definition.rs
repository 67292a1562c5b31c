//! The cohort definition: what a coordinator stores with `cofund cohort put FILE` or
//! `PUT /api/v1/admin/cohorts/{slug}`. It is the contract document minus everything
//! pledges determine (crowd totals, backers, recent pledges, history, `updated_at`,
//! `links.pledge`), plus server settings (payment, allowed origins, pledging on/off).

use super::{valid_iban, valid_origin_pattern};
use cofund_core::api::CrowdTotals;
use cofund_core::{
    Campaign, Cohort, CohortDocument, Crowd, DocumentError, FieldError, HistoryPoint, Initiative, Links,
    OwnContributions, Problem, Programme, RecentPledge, Stakeholder, SCHEMA_V1, SCHEMA_V1_1,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortDefinition {
    /// May be omitted in `PUT /api/v1/admin/cohorts/{slug}`: the path gives it.
    #[serde(default)]
    pub slug: String,
    pub name: String,
    pub programme: Programme,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default = "eur")]
    pub currency: String,
    pub budget_cents: i64,
    pub campaign: Campaign,
    pub own_contributions: OwnContributions,
    pub crowd: CrowdSettings,
    #[serde(default)]
    pub stakeholders: Vec<Stakeholder>,
    #[serde(default)]
    pub initiatives: Vec<Initiative>,
    #[serde(default)]
    pub links: DefinitionLinks,
    /// Required while pledging is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentSettings>,
    /// Origins whose pages may POST pledges from a browser: `https://www.example.nl`,
    /// `http://localhost:*` (any port) or `*`.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// `false`: a read-only cohort; the document has no `links.pledge`, pledges are refused.
    #[serde(default = "yes")]
    pub pledging_enabled: bool,
    /// Donors may pay their pledge online (iDEAL through the server's payment
    /// provider). Off unless a coordinator turns it on; without a provider configured it
    /// has no effect. The provider's API key is server configuration, never stored here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub online_payment: bool,
    /// Days after which a donor whose transfer has not arrived is reminded (at most
    /// twice, this many days apart). Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_days: Option<u32>,
    /// `Reply-To` of the cohort's e-mail to donors (the server's `reply_to` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The organisation that receives the gifts, when it is an ANBI: donors can then
    /// get a gift statement (giftenoverzicht) naming it and its RSIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anbi: Option<Anbi>,
}

/// A receiving organisation registered as ANBI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anbi {
    /// Its name as registered, e.g. `Stichting Starters4Communities`.
    pub organisation: String,
    /// Its RSIN: nine digits passing the eleven test (`cofund_core::anbi`).
    pub rsin: String,
}

fn eur() -> String {
    "EUR".to_owned()
}
fn yes() -> bool {
    true
}

/// The crowd campaign's settings; the totals come from the pledges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdSettings {
    pub target_share_bps: i64,
    #[serde(default)]
    pub suggested_cents: Vec<i64>,
    pub min_cents: i64,
    pub max_cents: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionLinks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

/// Where donors transfer their pledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    pub iban: String,
    pub account_holder: String,
    /// 1 to 12 of `A-Z`, `0-9` and `-`; each pledge's reference is this plus a code.
    pub reference_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What the pledge rows say about a cohort, for its document.
#[derive(Debug, Clone, PartialEq)]
pub struct PledgeFigures {
    pub totals: CrowdTotals,
    pub recent_pledges: Vec<RecentPledge>,
    pub history: Vec<HistoryPoint>,
}

impl Default for PledgeFigures {
    fn default() -> Self {
        PledgeFigures {
            totals: CrowdTotals { pledged_cents: 0, received_cents: 0, backers: 0 },
            recent_pledges: Vec::new(),
            history: Vec::new(),
        }
    }
}

const MAX_ORIGINS: usize = 50;

impl CohortDefinition {
    /// The prefix of its pledges' payment references: the payment settings' one, else
    /// `CFD`.
    pub fn reference_prefix(&self) -> String {
        self.payment.as_ref().map(|p| p.reference_prefix.clone()).unwrap_or_else(|| "CFD".to_owned())
    }

    /// The contract document of this definition with the given pledge figures, served
    /// from `base` (the cohort's API URL, `…/api/v1/cohorts/{slug}`).
    /// Stakeholders with rules get their `evaluation` afterwards (see
    /// [`CohortDefinition::has_rules`]); the document is then of contract 1.1, else 1.0.
    pub fn to_document(&self, figures: PledgeFigures, base: &str, updated_at: String) -> CohortDocument {
        CohortDocument {
            schema: if self.has_rules() { SCHEMA_V1_1 } else { SCHEMA_V1 }.to_owned(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            programme: self.programme.clone(),
            locale: self.locale.clone(),
            currency: self.currency.clone(),
            budget_cents: self.budget_cents,
            campaign: self.campaign.clone(),
            own_contributions: self.own_contributions.clone(),
            crowd: Crowd {
                target_share_bps: self.crowd.target_share_bps,
                pledged_cents: figures.totals.pledged_cents,
                received_cents: figures.totals.received_cents,
                backers: figures.totals.backers,
                suggested_cents: self.crowd.suggested_cents.clone(),
                min_cents: self.crowd.min_cents,
                max_cents: self.crowd.max_cents,
            },
            // Evaluations are filled in from the pledges, never taken from a definition.
            stakeholders: self.stakeholders.iter().map(|s| Stakeholder { evaluation: None, ..s.clone() }).collect(),
            initiatives: self.initiatives.clone(),
            recent_pledges: figures.recent_pledges,
            history: figures.history,
            links: Links {
                pledge: self.pledging_enabled.then(|| format!("{base}/pledges")),
                page: self.links.page.clone(),
                events: Some(format!("{base}/events")),
            },
            updated_at,
            // The programme's pot is filled in from all its cohorts' pledges afterwards.
            pot: None,
            // Participant pages and pledges of time and goods are not stored yet.
            group: None,
            in_kind: None,
        }
    }

    /// Whether a stakeholder has rules, whose evaluation needs the cohort's pledges.
    pub fn has_rules(&self) -> bool {
        self.stakeholders.iter().any(|s| !s.rules.is_empty())
    }

    /// Validates the definition with the shared crate's document rules (field paths are
    /// the same as in the definition) plus the server settings. Every problem at once.
    pub fn validate(&self) -> Result<Cohort, Vec<FieldError>> {
        let mut errors = Vec::new();
        // The evaluation is the server's to compute from the pledges, never a writer's.
        for (i, s) in self.stakeholders.iter().enumerate() {
            if s.evaluation.is_some() {
                errors.push(FieldError::new(
                    format!("stakeholders[{i}].evaluation"),
                    Problem::Format { expected: "absent: the server computes it from the pledges".into() },
                ));
            }
        }
        let doc = self.to_document(
            PledgeFigures::default(),
            &format!("/api/v1/cohorts/{}", self.slug),
            "2000-01-01T00:00:00Z".to_owned(),
        );
        let cohort = match Cohort::from_document(doc) {
            Ok(c) => Some(c),
            Err(DocumentError::Invalid(e)) => {
                errors.extend(e);
                None
            }
            Err(other) => {
                errors.push(FieldError::new("", Problem::Format { expected: other.to_string() }));
                None
            }
        };
        let text = |errors: &mut Vec<FieldError>, field: &str, v: &str, required: bool, max: usize| {
            cofund_core::text::check_text(errors, field, v, required, max as u32)
        };
        match &self.payment {
            None if self.pledging_enabled => errors.push(FieldError::new("payment", Problem::Required)),
            None => {}
            Some(p) => {
                if p.iban.trim().is_empty() {
                    errors.push(FieldError::new("payment.iban", Problem::Required));
                } else if !valid_iban(&p.iban) {
                    errors.push(FieldError::new(
                        "payment.iban",
                        Problem::Format { expected: "an IBAN such as NL91ABNA0417164300".into() },
                    ));
                }
                text(&mut errors, "payment.account_holder", &p.account_holder, true, 70);
                let prefix_ok = !p.reference_prefix.is_empty()
                    && p.reference_prefix.len() <= 12
                    && p.reference_prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
                if !prefix_ok {
                    errors.push(FieldError::new(
                        "payment.reference_prefix",
                        Problem::Format { expected: "1 to 12 of A-Z, 0-9 and -".into() },
                    ));
                }
                if let Some(n) = &p.note {
                    text(&mut errors, "payment.note", n, false, 500);
                }
            }
        }
        if self.allowed_origins.len() > MAX_ORIGINS {
            errors.push(FieldError::new("allowed_origins", Problem::OutOfRange { min: 0, max: MAX_ORIGINS as i64 }));
        }
        for (i, o) in self.allowed_origins.iter().enumerate() {
            if !valid_origin_pattern(o) {
                errors.push(FieldError::new(
                    format!("allowed_origins[{i}]"),
                    Problem::Format {
                        expected: "an origin such as https://www.example.nl, http://localhost:* or *".into(),
                    },
                ));
            }
        }
        if let Some(days) = self.reminder_days {
            if let Err(problem) = cofund_core::api::check_reminder_days(i64::from(days)) {
                errors.push(FieldError::new("reminder_days", problem));
            }
        }
        if let Some(r) = &self.reply_to {
            if r.len() > 254 || r.parse::<lettre::message::Mailbox>().is_err() {
                errors.push(FieldError::new("reply_to", Problem::Format { expected: "an e-mail address".into() }));
            }
        }
        if let Some(a) = &self.anbi {
            cofund_core::text::check_text(
                &mut errors,
                "anbi.organisation",
                a.organisation.trim(),
                true,
                cofund_core::MAX_TEXT_CHARS,
            );
            if !cofund_core::anbi::is_valid_rsin(&a.rsin) {
                errors.push(FieldError::new(
                    "anbi.rsin",
                    Problem::Format { expected: "an RSIN: nine digits that pass the eleven test".into() },
                ));
            }
        }
        match cohort {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors),
        }
    }
}
