//! The programme document, `cofund/programme@1` (issue 14, part 2; first version): a
//! programme's cohorts with their figures and the programme's totals, all taken from
//! the cohorts' own documents through [`crate::Cohort`]'s summary, so a programme shows
//! exactly what each cohort's widget shows.
//!
//! Not in this version: impact figures, the multiplier pot's state and live events.

use crate::error::{FieldError, Problem};
use crate::progress::percent_floor;
use crate::Cohort;
use serde::{Deserialize, Serialize};

/// The `schema` value of the programme document.
pub const PROGRAMME_SCHEMA_V1: &str = "cofund/programme@1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeDocument {
    pub schema: String,
    /// [`programme_slug`] of the name.
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Newest campaign first.
    pub cohorts: Vec<ProgrammeCohort>,
    pub totals: ProgrammeTotals,
}

/// One cohort as the programme shows it; `document` is the cohort document's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeCohort {
    pub slug: String,
    pub name: String,
    pub document: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub currency: String,
    pub opens_at: String,
    pub closes_at: String,
    pub budget_cents: i64,
    pub crowd_target_cents: i64,
    pub pledged_cents: i64,
    pub received_cents: i64,
    pub backers: i64,
    /// Floor of pledged / target in percent; `null` without a target.
    pub percent_of_target: Option<i64>,
    pub own_target_cents: i64,
    pub own_received_cents: i64,
    /// Every stakeholder's co-funding (fixed, matched and unlocked by rules).
    pub stakeholders_cents: i64,
}

/// Sums over the cohorts (of one currency: cohorts in another are listed, not added).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeTotals {
    pub currency: String,
    pub cohorts: i64,
    pub budget_cents: i64,
    pub own_target_cents: i64,
    pub own_received_cents: i64,
    pub crowd_target_cents: i64,
    pub pledged_cents: i64,
    pub received_cents: i64,
    pub backers: i64,
    pub stakeholders_cents: i64,
}

/// `Starters4Communities` → `starters4communities`; runs of anything but a-z and 0-9
/// become one `-`.
pub fn programme_slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn add(total: &mut i64, v: i64) -> Result<(), FieldError> {
    *total = total.checked_add(v).ok_or_else(|| FieldError::new("totals", Problem::Overflow))?;
    Ok(())
}

impl ProgrammeDocument {
    /// The document of the programme `name` from its cohorts, each with its document's URL.
    pub fn build(
        name: &str,
        url: Option<String>,
        cohorts: &[(Cohort, String)],
    ) -> Result<ProgrammeDocument, FieldError> {
        let mut list: Vec<ProgrammeCohort> = cohorts
            .iter()
            .map(|(c, document)| {
                let d = c.document();
                let s = c.summary();
                ProgrammeCohort {
                    slug: d.slug.clone(),
                    name: d.name.clone(),
                    document: document.clone(),
                    page: d.links.page.clone(),
                    currency: d.currency.clone(),
                    opens_at: d.campaign.opens_at.clone(),
                    closes_at: d.campaign.closes_at.clone(),
                    budget_cents: s.budget_cents,
                    crowd_target_cents: s.crowd.target_cents,
                    pledged_cents: s.crowd.pledged_cents,
                    received_cents: s.crowd.received_cents,
                    backers: s.crowd.backers,
                    percent_of_target: s.crowd.percent_of_target,
                    own_target_cents: s.own.target_cents,
                    own_received_cents: s.own.received_cents,
                    stakeholders_cents: s.stakeholder_totals.total_cents,
                }
            })
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse(crate::Timestamp::parse_rfc3339(&c.opens_at)));
        let currency = list.first().map_or_else(|| "EUR".to_owned(), |c| c.currency.clone());
        let mut t = ProgrammeTotals { currency, ..ProgrammeTotals::default() };
        for c in list.iter().filter(|c| c.currency == t.currency) {
            t.cohorts += 1;
            add(&mut t.budget_cents, c.budget_cents)?;
            add(&mut t.own_target_cents, c.own_target_cents)?;
            add(&mut t.own_received_cents, c.own_received_cents)?;
            add(&mut t.crowd_target_cents, c.crowd_target_cents)?;
            add(&mut t.pledged_cents, c.pledged_cents)?;
            add(&mut t.received_cents, c.received_cents)?;
            add(&mut t.backers, c.backers)?;
            add(&mut t.stakeholders_cents, c.stakeholders_cents)?;
        }
        Ok(ProgrammeDocument {
            schema: PROGRAMME_SCHEMA_V1.to_owned(),
            slug: programme_slug(name),
            name: name.to_owned(),
            url,
            cohorts: list,
            totals: t,
        })
    }

    /// The crowd's pledges over all targets, in percent (rounded down).
    pub fn percent_of_targets(&self) -> Option<i64> {
        percent_floor(self.totals.pledged_cents, self.totals.crowd_target_cents)
    }
}
