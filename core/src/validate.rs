//! Parsing and validating a cohort document into a [`Cohort`] ("parse, don't validate":
//! code that holds a `Cohort` never checks a field again).

use crate::contract::*;
use crate::error::{DocumentError, FieldError, Problem};
use crate::progress::{self, CampaignPhase, Summary};
use crate::time::{Date, Timestamp};
use serde::Deserialize;

const MAX_TEXT_CHARS: u32 = 200;
const MAX_CONDITION_CHARS: u32 = 500;
const MAX_URL_CHARS: u32 = 2048;
const MAX_LIST: usize = 200;
const MAX_HISTORY: usize = 2000;
const MAX_SUGGESTED: usize = 12;
/// Matching up to ten euro per crowd euro; anything above is a typo.
const MAX_MATCH_RATIO_BPS: i64 = 100_000;

/// A cohort document that passed validation, with its timestamps parsed and its
/// time-independent figures computed (so every sum is known to fit).
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    doc: CohortDocument,
    opens_at: Timestamp,
    closes_at: Timestamp,
    updated_at: Timestamp,
    summary: Summary,
}

impl Cohort {
    /// Parses and validates a JSON document.
    ///
    /// The schema version is checked first so that a document of another major version
    /// gets that message instead of a list of missing fields.
    pub fn from_json(json: &str) -> Result<Cohort, DocumentError> {
        // Only `schema` is read here; every other field is ignored.
        #[derive(Deserialize)]
        struct SchemaProbe {
            #[serde(default)]
            schema: Option<String>,
        }
        let probe: SchemaProbe =
            serde_json::from_str(json).map_err(|e| DocumentError::Json(e.to_string()))?;
        match probe.schema {
            Some(s) if s == SCHEMA_V1 => {}
            found => return Err(DocumentError::UnsupportedSchema { found }),
        }
        let doc: CohortDocument =
            serde_json::from_str(json).map_err(|e| DocumentError::Json(e.to_string()))?;
        Cohort::from_document(doc)
    }

    /// Validates a document, reporting every problem found, each with its field path.
    pub fn from_document(doc: CohortDocument) -> Result<Cohort, DocumentError> {
        let mut v = Validator::default();
        v.check_document(&doc);
        let times = (
            Timestamp::parse_rfc3339(&doc.campaign.opens_at),
            Timestamp::parse_rfc3339(&doc.campaign.closes_at),
            Timestamp::parse_rfc3339(&doc.updated_at),
        );
        if !v.errors.is_empty() {
            return Err(DocumentError::Invalid(v.errors));
        }
        let (Some(opens_at), Some(closes_at), Some(updated_at)) = times else {
            unreachable!("validated above");
        };
        let summary = progress::summarise(&doc).map_err(|e| DocumentError::Invalid(vec![e]))?;
        Ok(Cohort { doc, opens_at, closes_at, updated_at, summary })
    }

    /// The document as it was served.
    pub fn document(&self) -> &CohortDocument {
        &self.doc
    }

    /// Gives the document back.
    pub fn into_document(self) -> CohortDocument {
        self.doc
    }

    /// All figures that do not depend on the clock.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn opens_at(&self) -> Timestamp {
        self.opens_at
    }

    pub fn closes_at(&self) -> Timestamp {
        self.closes_at
    }

    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the campaign stands at `now`.
    pub fn phase(&self, now: Timestamp) -> CampaignPhase {
        CampaignPhase::at(self.opens_at, self.closes_at, now)
    }

    /// True when the document offers pledging (a pledge link) and the campaign is open.
    pub fn accepts_pledges(&self, now: Timestamp) -> bool {
        self.doc.links.pledge.is_some() && matches!(self.phase(now), CampaignPhase::Open { .. })
    }

    /// The same cohort with new crowd totals, as a pledge response returns them.
    /// Re-validated, so totals that break an invariant are refused.
    pub fn with_crowd_totals(&self, totals: &crate::api::CrowdTotals) -> Result<Cohort, DocumentError> {
        let mut doc = self.doc.clone();
        doc.crowd.pledged_cents = totals.pledged_cents;
        doc.crowd.received_cents = totals.received_cents;
        doc.crowd.backers = totals.backers;
        Cohort::from_document(doc)
    }
}

/// Checks one stakeholder on its own, with the same rules as inside a document; the
/// errors name the stakeholder's own fields (`amount_cents`, `match.cap_cents`), so a
/// form can show each beside its field before anything is sent.
pub fn validate_stakeholder(s: &Stakeholder) -> Result<(), Vec<FieldError>> {
    let mut v = Validator::default();
    v.check_stakeholder("", s);
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

/// Collects every problem instead of stopping at the first.
#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn err(&mut self, field: impl Into<String>, problem: Problem) {
        self.errors.push(FieldError::new(field, problem));
    }

    fn text(&mut self, field: &str, value: &str, required: bool, max: u32) {
        self.text_lines(field, value, required, max, false);
    }

    /// `multiline`: line feeds are allowed (pledge messages), other control characters not.
    fn text_lines(&mut self, field: &str, value: &str, required: bool, max: u32, multiline: bool) {
        if required && value.trim().is_empty() {
            self.err(field, Problem::Required);
        } else if value.chars().count() > max as usize {
            self.err(field, Problem::TooLong { max });
        } else if value.chars().any(|c| c.is_control() && !(multiline && c == '\n')) {
            self.err(field, Problem::ControlCharacters);
        }
    }

    fn opt_text(&mut self, field: &str, value: &Option<String>, max: u32) {
        if let Some(v) = value {
            self.text(field, v, false, max);
        }
    }

    fn url(&mut self, field: &str, value: &Option<String>) {
        let Some(u) = value else { return };
        let before = self.errors.len();
        self.text(field, u, true, MAX_URL_CHARS);
        if self.errors.len() == before
            && !(u.starts_with("https://") || u.starts_with("http://") || (u.starts_with('/') && !u.starts_with("//")))
        {
            self.err(field, Problem::Format { expected: "an http(s) URL or an absolute path".into() });
        }
    }

    fn range(&mut self, field: &str, value: i64, min: i64, max: i64) -> bool {
        if value < 0 && min >= 0 {
            self.err(field, Problem::Negative);
            false
        } else if value < min || value > max {
            self.err(field, Problem::OutOfRange { min, max });
            false
        } else {
            true
        }
    }

    fn amount(&mut self, field: &str, value: i64) -> bool {
        self.range(field, value, 0, i64::MAX)
    }

    fn timestamp(&mut self, field: &str, value: &str) -> Option<Timestamp> {
        let t = Timestamp::parse_rfc3339(value);
        if t.is_none() {
            self.err(field, Problem::Format { expected: "an RFC 3339 date-time".into() });
        }
        t
    }

    fn list_len(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.err(field, Problem::OutOfRange { min: 0, max: max as i64 });
        }
    }

    /// One stakeholder; `prefix` is `stakeholders[2].` in a document, empty on its own.
    fn check_stakeholder(&mut self, prefix: &str, s: &Stakeholder) {
        let f = |name: &str| format!("{prefix}{name}");
        self.text(&f("name"), &s.name, true, MAX_TEXT_CHARS);
        self.amount(&f("amount_cents"), s.amount_cents);
        self.url(&f("url"), &s.url);
        self.opt_text(&f("condition"), &s.condition, MAX_CONDITION_CHARS);
        if let Some(m) = &s.match_ {
            self.range(&f("match.ratio_bps"), m.ratio_bps, 1, MAX_MATCH_RATIO_BPS);
            self.amount(&f("match.cap_cents"), m.cap_cents);
        }
    }

    fn check_document(&mut self, d: &CohortDocument) {
        if d.slug.is_empty()
            || d.slug.len() > 64
            || !d.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            self.err("slug", Problem::Format { expected: "1 to 64 of a-z, 0-9 and -".into() });
        }
        self.text("name", &d.name, true, MAX_TEXT_CHARS);
        self.text("programme.name", &d.programme.name, true, MAX_TEXT_CHARS);
        self.url("programme.url", &d.programme.url);
        if let Some(l) = &d.locale {
            if l != "nl-NL" && l != "en-GB" {
                self.err("locale", Problem::Format { expected: "nl-NL or en-GB".into() });
            }
        }
        if d.currency.len() != 3 || !d.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            self.err("currency", Problem::Format { expected: "an ISO 4217 code such as EUR".into() });
        }
        self.range("budget_cents", d.budget_cents, 1, i64::MAX);

        let opens = self.timestamp("campaign.opens_at", &d.campaign.opens_at);
        let closes = self.timestamp("campaign.closes_at", &d.campaign.closes_at);
        if let (Some(o), Some(c)) = (opens, closes) {
            if c <= o {
                self.err("campaign.closes_at", Problem::Inconsistent { with: "campaign.opens_at".into() });
            }
        }
        self.timestamp("updated_at", &d.updated_at);

        let own = &d.own_contributions;
        self.range("own_contributions.participants", own.participants, 0, 1_000_000);
        self.amount("own_contributions.per_participant_cents", own.per_participant_cents);
        if self.range("own_contributions.received", own.received, 0, i64::MAX)
            && own.participants >= 0
            && own.received > own.participants
        {
            self.err(
                "own_contributions.received",
                Problem::Inconsistent { with: "own_contributions.participants".into() },
            );
        }

        let c = &d.crowd;
        self.range("crowd.target_share_bps", c.target_share_bps, 0, 10_000);
        let pledged_ok = self.amount("crowd.pledged_cents", c.pledged_cents);
        if self.amount("crowd.received_cents", c.received_cents) && pledged_ok && c.received_cents > c.pledged_cents {
            self.err("crowd.received_cents", Problem::Inconsistent { with: "crowd.pledged_cents".into() });
        }
        self.range("crowd.backers", c.backers, 0, i64::MAX);
        let min_ok = self.range("crowd.min_cents", c.min_cents, 1, i64::MAX);
        let max_ok = self.range("crowd.max_cents", c.max_cents, 1, i64::MAX);
        if min_ok && max_ok && c.max_cents < c.min_cents {
            self.err("crowd.max_cents", Problem::Inconsistent { with: "crowd.min_cents".into() });
        }
        self.list_len("crowd.suggested_cents", c.suggested_cents.len(), MAX_SUGGESTED);
        for (i, s) in c.suggested_cents.iter().enumerate() {
            if min_ok && max_ok {
                self.range(&format!("crowd.suggested_cents[{i}]"), *s, c.min_cents, c.max_cents.max(c.min_cents));
            }
        }

        self.list_len("stakeholders", d.stakeholders.len(), MAX_LIST);
        for (i, s) in d.stakeholders.iter().enumerate() {
            self.check_stakeholder(&format!("stakeholders[{i}]."), s);
        }

        self.list_len("initiatives", d.initiatives.len(), MAX_LIST);
        for (i, ini) in d.initiatives.iter().enumerate() {
            self.text(&format!("initiatives[{i}].name"), &ini.name, true, MAX_TEXT_CHARS);
            self.url(&format!("initiatives[{i}].url"), &ini.url);
        }

        self.list_len("recent_pledges", d.recent_pledges.len(), MAX_LIST);
        for (i, p) in d.recent_pledges.iter().enumerate() {
            let f = |name: &str| format!("recent_pledges[{i}].{name}");
            self.opt_text(&f("name"), &p.name, crate::api::NAME_MAX_CHARS as u32);
            if let Some(m) = &p.message {
                // The same rule as a pledge's message: line feeds are the donor's own.
                self.text_lines(&f("message"), m, false, crate::api::MESSAGE_MAX_CHARS as u32, true);
            }
            if let Some(a) = p.amount_cents {
                self.amount(&f("amount_cents"), a);
            }
            self.timestamp(&f("at"), &p.at);
        }

        self.list_len("history", d.history.len(), MAX_HISTORY);
        let mut previous: Option<(Date, i64)> = None;
        for (i, h) in d.history.iter().enumerate() {
            let date = Date::parse(&h.date);
            if date.is_none() {
                self.err(format!("history[{i}].date"), Problem::Format { expected: "a date YYYY-MM-DD".into() });
            }
            let ok = self.amount(&format!("history[{i}].pledged_cents"), h.pledged_cents);
            if let (Some(date), true) = (date, ok) {
                if let Some((pd, pc)) = previous {
                    if date <= pd {
                        self.err(format!("history[{i}].date"), Problem::Inconsistent { with: format!("history[{}].date", i - 1) });
                    } else if h.pledged_cents < pc {
                        self.err(
                            format!("history[{i}].pledged_cents"),
                            Problem::Inconsistent { with: format!("history[{}].pledged_cents", i - 1) },
                        );
                    }
                }
                previous = Some((date, h.pledged_cents));
            }
        }

        self.url("links.pledge", &d.links.pledge);
        self.url("links.page", &d.links.page);
        self.url("links.events", &d.links.events);
    }
}

#[cfg(test)]
mod stakeholder_tests {
    use super::*;

    #[test]
    fn a_stakeholder_is_checked_on_its_own_with_its_own_field_names() {
        let good = Stakeholder {
            name: "Gemeente Utrecht".into(),
            kind: StakeholderKind::Municipality,
            status: StakeholderStatus::Conditional,
            amount_cents: 1_200_000,
            url: None,
            condition: Some("als de crowd € 10.000 haalt".into()),
            match_: Some(MatchOffer { ratio_bps: 5000, cap_cents: 600_000 }),
        };
        assert_eq!(validate_stakeholder(&good), Ok(()));
        let bad = Stakeholder {
            name: " ".into(),
            amount_cents: -1,
            url: Some("javascript:alert(1)".into()),
            match_: Some(MatchOffer { ratio_bps: 0, cap_cents: 10 }),
            ..good
        };
        let fields: Vec<_> = validate_stakeholder(&bad).unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect();
        assert_eq!(
            fields,
            [
                ("name".to_owned(), "required"),
                ("amount_cents".to_owned(), "negative"),
                ("url".to_owned(), "format"),
                ("match.ratio_bps".to_owned(), "out_of_range"),
            ]
        );
    }
}
