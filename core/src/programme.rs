//! The programme document, `cofund/programme@1` (issue 14, part 2; first version): a
//! programme's cohorts with their figures and the programme's totals, all taken from
//! the cohorts' own documents through [`crate::Cohort`]'s summary, so a programme shows
//! exactly what each cohort's widget shows.
//!
//! Additive fields (issue 14): `pot`, the multiplier pot's state with what it gave each
//! cohort ([`crate::pot::ProgrammePot`]), and `impact`, the figures coordinators enter
//! ([`ImpactFigure`]); both are set through [`ProgrammeSettings`].

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
    /// The multiplier pot, when the programme has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot: Option<crate::pot::ProgrammePot>,
    /// Impact figures, as the coordinators entered them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impact: Vec<ImpactFigure>,
}

/// Which impact figure: widgets and the dashboard translate the known kinds and show
/// `label` for `custom`. An open set: a kind this version does not know reads as
/// `unrecognised` (shown by its label) and a writer refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactKind {
    /// Participants (starters) so far.
    Participants,
    /// Neighbourhood initiatives supported.
    Initiatives,
    /// Share of participants who found work, in basis points (6 200 = 62 %).
    FoundWorkShareBps,
    /// Anything else: `label` says what.
    Custom,
    #[serde(other)]
    Unrecognised,
}

/// One impact figure with its date and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactFigure {
    pub kind: ImpactKind,
    /// Free text; required for `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub value: i64,
    /// `YYYY-MM-DD`: the date the figure holds for.
    pub as_of: String,
    /// Where it comes from ("Jaarverslag 2025").
    pub source: String,
}

/// Impact figures per programme, at most.
pub const MAX_IMPACT: usize = 20;
const MAX_TEXT_CHARS: usize = crate::MAX_TEXT_CHARS as usize;
const MAX_URL_CHARS: usize = 2048;

/// What a coordinator sets of a programme (`PUT /api/v1/admin/programmes/{slug}`, also
/// its `GET` and the CLI): its name, page, multiplier pot and impact figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeSettings {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub pot: Option<crate::pot::PotDefinition>,
    #[serde(default)]
    pub impact: Vec<ImpactFigure>,
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool, max: usize) {
    crate::text::check_text(errors, field, value, required, max as u32);
}

impl ProgrammeSettings {
    /// Checks the settings as a writer must; every error names its field (`url`,
    /// `pot.ratio_bps`, `impact[2].label`, …).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_text(&mut e, "name", &self.name, true, MAX_TEXT_CHARS);
        if !self.name.trim().is_empty() && programme_slug(&self.name).is_empty() {
            e.push(FieldError::new("name", Problem::Format { expected: "a name with letters or digits".into() }));
        }
        if let Some(u) = &self.url {
            let before = e.len();
            check_text(&mut e, "url", u, true, MAX_URL_CHARS);
            if e.len() == before && !(u.starts_with("https://") || u.starts_with("http://")) {
                e.push(FieldError::new("url", Problem::Format { expected: "an http(s) URL".into() }));
            }
        }
        if let Some(p) = &self.pot {
            e.extend(crate::pot::validate_pot_definition("pot.", p));
        }
        if self.impact.len() > MAX_IMPACT {
            e.push(FieldError::new("impact", Problem::OutOfRange { min: 0, max: MAX_IMPACT as i64 }));
        }
        for (i, f) in self.impact.iter().enumerate() {
            let field = |name: &str| format!("impact[{i}].{name}");
            match f.kind {
                ImpactKind::Unrecognised => e.push(FieldError::new(
                    field("kind"),
                    Problem::Format {
                        expected: "one of participants, initiatives, found_work_share_bps, custom".into(),
                    },
                )),
                ImpactKind::Custom => {
                    check_text(&mut e, &field("label"), f.label.as_deref().unwrap_or(""), true, MAX_TEXT_CHARS)
                }
                _ => {
                    if let Some(l) = &f.label {
                        check_text(&mut e, &field("label"), l, false, MAX_TEXT_CHARS);
                    }
                }
            }
            let max = if f.kind == ImpactKind::FoundWorkShareBps { 10_000 } else { i64::MAX };
            if f.value < 0 {
                e.push(FieldError::new(field("value"), Problem::Negative));
            } else if f.value > max {
                e.push(FieldError::new(field("value"), Problem::OutOfRange { min: 0, max }));
            }
            if crate::Date::parse(&f.as_of).is_none() {
                e.push(FieldError::new(field("as_of"), Problem::Format { expected: "a date YYYY-MM-DD".into() }));
            }
            check_text(&mut e, &field("source"), &f.source, true, MAX_TEXT_CHARS);
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }
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
            pot: None,
            impact: Vec::new(),
        })
    }

    /// The crowd's pledges over all targets, in percent (rounded down).
    pub fn percent_of_targets(&self) -> Option<i64> {
        percent_floor(self.totals.pledged_cents, self.totals.crowd_target_cents)
    }
}
