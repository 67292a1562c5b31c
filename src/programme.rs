//! Reading a programme document (`cofund/programme@1`) for the widget's programme mode,
//! forgivingly like the cohort reader: a cohort entry that cannot be read is left out
//! (and counted, so the widget can say so), a totals block that cannot be read is not
//! shown; the document itself is refused only when it is not a programme document.
//! The figures are the server's (`cofund-core`'s `ProgrammeDocument::build`); this
//! module only reads them and orders what the widget shows.

use cofund_core::pot::ProgrammePot;
use cofund_core::programme::{ImpactFigure, ProgrammeCohort, ProgrammeTotals, PROGRAMME_SCHEMA_V1};
use cofund_core::DocumentError;
use serde_json::value::RawValue;

/// The family of the programme document's schema; `cofund/programme@2` is a newer one.
pub const PROGRAMME_SCHEMA_FAMILY: &str = "cofund/programme@";

/// True for `cofund/programme@1` and its minor versions (`cofund/programme@1.1`, …).
pub fn is_programme_schema_v1(schema: &str) -> bool {
    match schema.strip_prefix(PROGRAMME_SCHEMA_V1) {
        Some("") => true,
        Some(minor) => minor.strip_prefix('.').is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// The `schema` of a JSON document, if it has one (to choose the cohort or programme mode).
pub fn schema_of(json: &str) -> Result<Option<String>, DocumentError> {
    #[derive(serde::Deserialize)]
    struct SchemaProbe {
        #[serde(default)]
        schema: Option<Box<RawValue>>,
    }
    let probe: SchemaProbe = serde_json::from_str(json).map_err(|e| DocumentError::Json(e.to_string()))?;
    Ok(probe.schema.and_then(|s| serde_json::from_str::<String>(s.get()).ok()))
}

/// A programme document as the widget shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeRead {
    pub slug: String,
    pub name: String,
    pub url: Option<String>,
    /// Newest campaign first, as the server lists them.
    pub cohorts: Vec<ProgrammeCohort>,
    /// `None` when the document's totals could not be read.
    pub totals: Option<ProgrammeTotals>,
    /// The multiplier pot, when the programme has one (and its figures add up).
    pub pot: Option<ProgrammePot>,
    /// Impact figures that could be read, in the document's order.
    pub impact: Vec<ImpactFigure>,
    /// Cohort entries left out because they could not be read.
    pub skipped: usize,
    /// The live event stream: the document's `links.events`, else `{document}/events`.
    pub events: Option<String>,
}

impl ProgrammeRead {
    /// The crowd's pledges over all targets, in percent rounded down (`None` without a target).
    pub fn percent_of_targets(&self) -> Option<i64> {
        let t = self.totals.as_ref()?;
        cofund_core::progress::percent_floor(t.pledged_cents, t.crowd_target_cents)
    }

    /// The bar of the programme's crowd: pledged over all targets, in basis points.
    pub fn bar_bps(&self) -> i64 {
        self.totals.as_ref().map_or(0, |t| cofund_core::progress::bar_bps(t.pledged_cents, t.crowd_target_cents))
    }

    /// The currency of the totals (cohorts in another currency are listed, not added).
    pub fn currency(&self) -> &str {
        self.totals.as_ref().map_or("EUR", |t| t.currency.as_str())
    }
}

/// A cohort's bar in basis points of its crowd target.
pub fn cohort_bar_bps(c: &ProgrammeCohort) -> i64 {
    cofund_core::progress::bar_bps(c.pledged_cents, c.crowd_target_cents)
}

/// Where a cohort's entry links to: its page, else its document.
pub fn cohort_link(c: &ProgrammeCohort) -> &str {
    c.page.as_deref().filter(|p| !p.trim().is_empty()).unwrap_or(&c.document)
}

/// The document's top level as read; entries stay raw JSON so one that cannot be read
/// is left out alone (raw values rather than `serde_json::Value`: a smaller widget).
#[derive(serde::Deserialize)]
struct RawProgramme<'a> {
    #[serde(default)]
    slug: Option<Box<RawValue>>,
    #[serde(default)]
    name: Option<Box<RawValue>>,
    #[serde(default)]
    url: Option<Box<RawValue>>,
    #[serde(default, borrow)]
    cohorts: Vec<&'a RawValue>,
    #[serde(default)]
    totals: Option<Box<RawValue>>,
    #[serde(default)]
    pot: Option<Box<RawValue>>,
    #[serde(default, borrow)]
    impact: Vec<&'a RawValue>,
    #[serde(default)]
    links: Option<Box<RawValue>>,
}

fn read<T: serde::de::DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// Reads a programme document from any server. Refuses only JSON that is not an object
/// of schema `cofund/programme@1[.n]`.
pub fn read_programme(json: &str) -> Result<ProgrammeRead, DocumentError> {
    match schema_of(json)? {
        Some(s) if is_programme_schema_v1(&s) => {}
        found => return Err(DocumentError::UnsupportedSchema { found }),
    }
    let raw: RawProgramme = serde_json::from_str(json).map_err(|e| DocumentError::Json(e.to_string()))?;
    let text = |v: &Option<Box<RawValue>>| v.as_deref().and_then(read::<String>);
    let cohorts: Vec<ProgrammeCohort> = raw.cohorts.iter().filter_map(|c| read(c)).collect();
    let impact: Vec<ImpactFigure> = raw.impact.iter().filter_map(|f| read(f)).collect();
    #[derive(serde::Deserialize)]
    struct Links {
        #[serde(default)]
        events: Option<String>,
    }
    Ok(ProgrammeRead {
        slug: text(&raw.slug).unwrap_or_default(),
        name: text(&raw.name).unwrap_or_default(),
        url: text(&raw.url).filter(|u| !u.trim().is_empty()),
        skipped: raw.cohorts.len() - cohorts.len(),
        cohorts,
        totals: raw.totals.as_deref().and_then(read),
        pot: raw.pot.as_deref().and_then(read::<ProgrammePot>).filter(pot_adds_up),
        impact,
        events: raw.links.as_deref().and_then(read::<Links>).and_then(|l| l.events),
    })
}

/// A pot whose figures contradict each other is left out rather than shown wrong.
fn pot_adds_up(p: &ProgrammePot) -> bool {
    p.pot_cents > 0 && (0..=p.pot_cents).contains(&p.left_cents) && p.exhausted == (p.left_cents == 0)
}

/// What the pot gave the cohort `slug` (0 when the pot names it not).
pub fn pot_added(pot: &ProgrammePot, slug: &str) -> i64 {
    pot.per_cohort.iter().find(|c| c.slug == slug).map_or(0, |c| c.added_cents)
}

/// What is left in the pot, in basis points of the pot (for its bar).
pub fn pot_left_bps(left_cents: i64, pot_cents: i64) -> i64 {
    cofund_core::progress::bar_bps(left_cents, pot_cents)
}

/// The live event stream of the programme document at `src`: `links.events` if the
/// document names one, else the server's route beside the document
/// (`/api/v1/programmes/{slug}/events`).
pub fn events_url(read: &ProgrammeRead, src: &str) -> String {
    read.events.clone().unwrap_or_else(|| {
        let base = src.split(['?', '#']).next().unwrap_or(src).trim_end_matches('/');
        format!("{base}/events")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> String {
        r#"{
          "schema": "cofund/programme@1", "slug": "starters4communities", "name": "Starters4Communities",
          "url": "https://example.org/s4c",
          "cohorts": [
            {"slug": "zwolle", "name": "Zwolle", "document": "/api/v1/cohorts/zwolle", "currency": "EUR",
             "opens_at": "2027-05-01T00:00:00+02:00", "closes_at": "2027-06-01T00:00:00+02:00",
             "budget_cents": 6000000, "crowd_target_cents": 3000000, "pledged_cents": 4500000,
             "received_cents": 100, "backers": 3, "percent_of_target": 150, "own_target_cents": 1,
             "own_received_cents": 0, "stakeholders_cents": 5},
            {"slug": "broken", "name": 12},
            {"slug": "utrecht", "name": "Utrecht", "document": "/api/v1/cohorts/utrecht", "page": "https://example.org/u",
             "currency": "EUR", "opens_at": "2027-03-01T00:00:00+01:00", "closes_at": "2027-04-01T00:00:00+02:00",
             "budget_cents": 6000000, "crowd_target_cents": 3000000, "pledged_cents": 750000,
             "received_cents": 0, "backers": 1, "percent_of_target": 25, "own_target_cents": 1,
             "own_received_cents": 0, "stakeholders_cents": 5}
          ],
          "totals": {"currency": "EUR", "cohorts": 2, "budget_cents": 12000000, "own_target_cents": 2,
            "own_received_cents": 0, "crowd_target_cents": 6000000, "pledged_cents": 5250000,
            "received_cents": 100, "backers": 4, "stakeholders_cents": 10},
          "pot": {"programme": "starters4communities", "name": "Vermenigvuldigingspot", "funders": [{"name": "Oranje Fonds", "amount_cents": 1000000}],
            "pot_cents": 1000000, "ratio_bps": 10000, "cap_per_gift_cents": 2500, "left_cents": 40000, "exhausted": false,
            "per_cohort": [{"slug": "zwolle", "added_cents": 960000}]},
          "impact": [
            {"kind": "participants", "value": 250, "as_of": "2026-06-30", "source": "Jaarverslag 2025"},
            {"kind": "participants", "value": "veel"},
            {"kind": "custom", "label": "Buurtmaaltijden", "value": 1200, "as_of": "2026-06-30", "source": "Telling"}
          ],
          "unknown_field": true
        }"#
        .to_owned()
    }

    #[test]
    fn reads_the_cohorts_it_can_and_counts_the_others() {
        let p = read_programme(&document()).unwrap();
        assert_eq!(p.name, "Starters4Communities");
        assert_eq!(p.cohorts.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(), ["zwolle", "utrecht"]);
        assert_eq!(p.skipped, 1);
        assert_eq!(p.percent_of_targets(), Some(87));
        assert_eq!(p.bar_bps(), 8750);
        assert_eq!(cohort_bar_bps(&p.cohorts[0]), 10_000, "an over-funded cohort's bar is full, not beyond");
        assert_eq!(cohort_bar_bps(&p.cohorts[1]), 2500);
        assert_eq!(cohort_link(&p.cohorts[0]), "/api/v1/cohorts/zwolle");
        assert_eq!(cohort_link(&p.cohorts[1]), "https://example.org/u");
        assert_eq!(
            events_url(&p, "https://x.org/api/v1/programmes/s4c?x=1"),
            "https://x.org/api/v1/programmes/s4c/events"
        );
        let pot = p.pot.as_ref().unwrap();
        assert_eq!((pot_added(pot, "zwolle"), pot_added(pot, "utrecht")), (960_000, 0));
        assert_eq!(pot_left_bps(pot.left_cents, pot.pot_cents), 400);
        assert_eq!(p.impact.len(), 2, "the unreadable figure is left out");
        assert_eq!(p.impact[1].label.as_deref(), Some("Buurtmaaltijden"));
    }

    #[test]
    fn a_pot_whose_figures_contradict_each_other_is_not_shown() {
        let json = document()
            .replace(r#""left_cents": 40000, "exhausted": false"#, r#""left_cents": 40000, "exhausted": true"#);
        assert_eq!(read_programme(&json).unwrap().pot, None);
        let json = document().replace(r#""left_cents": 40000"#, r#""left_cents": 4000000"#);
        assert_eq!(read_programme(&json).unwrap().pot, None);
    }

    #[test]
    fn unreadable_totals_are_not_shown_and_the_rest_is() {
        let json = document().replace(r#""totals": {"currency""#, r#""totals": {"currency": 5, "x""#);
        let p = read_programme(&json).unwrap();
        assert_eq!(p.totals, None);
        assert_eq!(p.percent_of_targets(), None);
        assert_eq!(p.cohorts.len(), 2);
    }

    #[test]
    fn only_programme_documents_of_version_one_are_read() {
        assert!(is_programme_schema_v1("cofund/programme@1"));
        assert!(is_programme_schema_v1("cofund/programme@1.2"));
        assert!(!is_programme_schema_v1("cofund/programme@10"));
        assert!(!is_programme_schema_v1("cofund/programme@1."));
        assert!(!is_programme_schema_v1("cofund/cohort@1"));
        let newer = document().replace("cofund/programme@1", "cofund/programme@2");
        assert_eq!(
            read_programme(&newer),
            Err(DocumentError::UnsupportedSchema { found: Some("cofund/programme@2".into()) })
        );
        assert!(matches!(read_programme("[1]"), Err(DocumentError::UnsupportedSchema { found: None })));
        assert!(matches!(read_programme("{"), Err(DocumentError::Json(_))));
        assert_eq!(schema_of(&document()).unwrap().as_deref(), Some("cofund/programme@1"));
        assert_eq!(schema_of(r#"{"schema": 3}"#).unwrap(), None);
    }
}
