//! The programme editor's draft (issue 14, part 5): the multiplier pot and the impact
//! figures as typed, and the one conversion to [`ProgrammeSettings`] that
//! `cofund-core` has checked. Field names are core's (`pot.ratio_bps`,
//! `pot.funders[0].amount_cents`, `impact[1].as_of`, …); [`input_id`] names the input
//! that shows each.

use crate::draft::{amount_field, cents_to_input};
use cofund_core::pot::{Funder, PotDefinition};
use cofund_core::programme::{ImpactFigure, ImpactKind, ProgrammeSettings};
use cofund_core::{FieldError, Problem};

/// One funder as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunderDraft {
    pub name: String,
    /// `25.000`, `€ 25.000,00`.
    pub amount: String,
}

/// One impact figure as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactDraft {
    pub kind: ImpactKind,
    /// Required for `custom`, ignored otherwise.
    pub label: String,
    /// A whole number; for `found_work_share_bps` a percentage (`62` or `62,5`).
    pub value: String,
    /// `YYYY-MM-DD`.
    pub as_of: String,
    pub source: String,
}

impl Default for ImpactDraft {
    fn default() -> Self {
        ImpactDraft {
            kind: ImpactKind::Participants,
            label: String::new(),
            value: String::new(),
            as_of: String::new(),
            source: String::new(),
        }
    }
}

/// The programme's settings as the editor shows them. `name` and `url` are kept as
/// they are: this editor does not change them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeDraft {
    pub name: String,
    pub url: Option<String>,
    pub pot_on: bool,
    pub pot_name: String,
    pub funders: Vec<FunderDraft>,
    /// What one crowd euro unlocks from the pot, in euros: `1` (1:1), `0,50`.
    pub per_euro: String,
    /// Empty: no cap.
    pub cap_per_gift: String,
    pub cap_per_cohort: String,
    pub impact: Vec<ImpactDraft>,
}

/// The impact kinds the editor offers, in order.
pub const IMPACT_KINDS: [ImpactKind; 4] =
    [ImpactKind::Participants, ImpactKind::Initiatives, ImpactKind::FoundWorkShareBps, ImpactKind::Custom];

/// The input that shows errors of core's `field`, if the editor has one.
pub fn input_id(field: &str) -> Option<String> {
    let simple = match field {
        "pot.name" => Some("pg-pot-name"),
        "pot.ratio_bps" => Some("pg-ratio"),
        "pot.cap_per_gift_cents" => Some("pg-cap-gift"),
        "pot.cap_per_cohort_cents" => Some("pg-cap-cohort"),
        "pot.funders" | "pot.pot_cents" => Some("pg-funder-add"),
        "impact" => Some("pg-impact-add"),
        _ => None,
    };
    if let Some(s) = simple {
        return Some(s.to_owned());
    }
    if let Some(rest) = field.strip_prefix("pot.funders[") {
        let (i, name) = rest.split_once("].")?;
        let name = match name {
            "name" => "name",
            "amount_cents" => "amount",
            _ => return None,
        };
        return Some(format!("pg-funder-{i}-{name}"));
    }
    let (i, name) = field.strip_prefix("impact[")?.split_once("].")?;
    matches!(name, "kind" | "label" | "value" | "as_of" | "source").then(|| format!("pg-impact-{i}-{name}"))
}

/// The editor's inputs in the order they appear; focus goes to the first with an error.
pub fn form_order(funders: usize, impact: usize) -> Vec<String> {
    let mut ids = vec!["pg-pot-name".to_owned()];
    for i in 0..funders {
        ids.push(format!("pg-funder-{i}-name"));
        ids.push(format!("pg-funder-{i}-amount"));
    }
    ids.extend(["pg-funder-add", "pg-ratio", "pg-cap-gift", "pg-cap-cohort"].map(str::to_owned));
    for i in 0..impact {
        for name in ["kind", "label", "value", "as_of", "source"] {
            ids.push(format!("pg-impact-{i}-{name}"));
        }
    }
    ids.push("pg-impact-add".to_owned());
    ids
}

/// The input to focus for these errors: the first in the form's order.
pub fn first_error_input(errors: &[FieldError], funders: usize, impact: usize) -> Option<String> {
    let ids: Vec<String> = errors.iter().filter_map(|e| input_id(&e.field)).collect();
    form_order(funders, impact).into_iter().find(|id| ids.contains(id))
}

fn optional_amount(errors: &mut Vec<FieldError>, field: &str, input: &str) -> Option<i64> {
    if input.trim().is_empty() {
        return None;
    }
    match amount_field(field, input) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push(e);
            Some(0)
        }
    }
}

/// A whole number as typed (`1.234` allowed), or the field's error.
fn whole_number(field: &str, input: &str) -> Result<i64, FieldError> {
    let cents = amount_field(field, input)?;
    if cents % 100 != 0 {
        return Err(FieldError::new(field, Problem::Format { expected: "a whole number".into() }));
    }
    Ok(cents / 100)
}

impl ProgrammeDraft {
    /// The draft of stored settings.
    pub fn from_settings(s: &ProgrammeSettings) -> ProgrammeDraft {
        let pot = s.pot.as_ref();
        ProgrammeDraft {
            name: s.name.clone(),
            url: s.url.clone(),
            pot_on: pot.is_some(),
            pot_name: pot.map(|p| p.name.clone()).unwrap_or_default(),
            funders: pot.map_or_else(Vec::new, |p| {
                p.funders
                    .iter()
                    .map(|f| FunderDraft { name: f.name.clone(), amount: cents_to_input(f.amount_cents) })
                    .collect()
            }),
            per_euro: pot.map(|p| cents_to_input(p.ratio_bps / 100)).unwrap_or_default(),
            cap_per_gift: pot.and_then(|p| p.cap_per_gift_cents).map(cents_to_input).unwrap_or_default(),
            cap_per_cohort: pot.and_then(|p| p.cap_per_cohort_cents).map(cents_to_input).unwrap_or_default(),
            impact: s
                .impact
                .iter()
                .map(|f| ImpactDraft {
                    kind: f.kind,
                    label: f.label.clone().unwrap_or_default(),
                    value: if f.kind == ImpactKind::FoundWorkShareBps {
                        // Basis points read as "cents" of a percentage: 6 250 is 62,50 %.
                        cents_to_input(f.value)
                    } else {
                        f.value.to_string()
                    },
                    as_of: f.as_of.clone(),
                    source: f.source.clone(),
                })
                .collect(),
        }
    }

    /// The settings, or every field error at once, named as core names them.
    pub fn to_settings(&self) -> Result<ProgrammeSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let pot = self.pot_on.then(|| {
            let funders: Vec<Funder> = self
                .funders
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let field = format!("pot.funders[{i}].amount_cents");
                    let amount_cents = amount_field(&field, &f.amount).unwrap_or_else(|e| {
                        errors.push(e);
                        0
                    });
                    Funder { name: f.name.trim().to_owned(), amount_cents }
                })
                .collect();
            let pot_cents = funders.iter().try_fold(0i64, |s, f| s.checked_add(f.amount_cents)).unwrap_or_else(|| {
                errors.push(FieldError::new("pot.funders", Problem::Overflow));
                0
            });
            // A ratio typed as euros per crowd euro: € 1 per euro (1:1) is 10 000 bps.
            let ratio_bps = match amount_field("pot.ratio_bps", &self.per_euro) {
                Ok(c) => c.checked_mul(100).unwrap_or_else(|| {
                    errors.push(FieldError::new("pot.ratio_bps", Problem::Overflow));
                    0
                }),
                Err(e) => {
                    errors.push(e);
                    0
                }
            };
            PotDefinition {
                name: self.pot_name.trim().to_owned(),
                funders,
                pot_cents,
                ratio_bps,
                cap_per_gift_cents: optional_amount(&mut errors, "pot.cap_per_gift_cents", &self.cap_per_gift),
                cap_per_cohort_cents: optional_amount(&mut errors, "pot.cap_per_cohort_cents", &self.cap_per_cohort),
            }
        });
        let impact = self
            .impact
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let field = format!("impact[{i}].value");
                let value = if f.kind == ImpactKind::FoundWorkShareBps {
                    amount_field(&field, &f.value)
                } else {
                    whole_number(&field, &f.value)
                }
                .unwrap_or_else(|e| {
                    errors.push(e);
                    0
                });
                let label = f.label.trim();
                ImpactFigure {
                    kind: f.kind,
                    label: (f.kind == ImpactKind::Custom && !label.is_empty()).then(|| label.to_owned()),
                    value,
                    as_of: f.as_of.trim().to_owned(),
                    source: f.source.trim().to_owned(),
                }
            })
            .collect();
        let s = ProgrammeSettings { name: self.name.clone(), url: self.url.clone(), pot, impact };
        if let Err(more) = s.validate() {
            // A field that failed to parse keeps its parse error, not a second one.
            let more: Vec<FieldError> =
                more.into_iter().filter(|m| !errors.iter().any(|e| e.field == m.field)).collect();
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: Result<ProgrammeSettings, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect()
    }

    fn good() -> ProgrammeDraft {
        ProgrammeDraft {
            name: "Starters4Communities".into(),
            url: Some("https://example.org".into()),
            pot_on: true,
            pot_name: " Matchpot 2026 ".into(),
            funders: vec![
                FunderDraft { name: "Oranje Fonds".into(), amount: "€ 25.000".into() },
                FunderDraft { name: "Gemeente".into(), amount: "1.234,56".into() },
            ],
            per_euro: "1".into(),
            cap_per_gift: "100".into(),
            cap_per_cohort: "10.000".into(),
            impact: vec![
                ImpactDraft {
                    kind: ImpactKind::FoundWorkShareBps,
                    value: "62,5".into(),
                    as_of: "2026-06-30".into(),
                    source: "Jaarverslag 2025".into(),
                    ..Default::default()
                },
                ImpactDraft {
                    kind: ImpactKind::Custom,
                    label: "Maaltijden".into(),
                    value: "1.200".into(),
                    as_of: "2026-01-01".into(),
                    source: "Telling".into(),
                },
            ],
        }
    }

    #[test]
    fn a_good_draft_becomes_checked_settings_and_back() {
        let s = good().to_settings().unwrap();
        let pot = s.pot.as_ref().unwrap();
        assert_eq!(pot.name, "Matchpot 2026");
        assert_eq!(pot.pot_cents, 2_623_456);
        assert_eq!(pot.funders[1].amount_cents, 123_456);
        assert_eq!(pot.ratio_bps, 10_000);
        assert_eq!((pot.cap_per_gift_cents, pot.cap_per_cohort_cents), (Some(10_000), Some(1_000_000)));
        assert_eq!(s.impact[0].value, 6_250);
        assert_eq!(s.impact[0].label, None);
        assert_eq!((s.impact[1].value, s.impact[1].label.as_deref()), (1_200, Some("Maaltijden")));
        let again = ProgrammeDraft::from_settings(&s);
        assert_eq!(again.per_euro, "1");
        assert_eq!(again.impact[0].value, "62,50");
        assert_eq!(again.to_settings().unwrap(), s);
    }

    #[test]
    fn no_pot_and_no_caps_are_allowed() {
        let mut d = good();
        d.cap_per_gift.clear();
        d.cap_per_cohort = "  ".into();
        let pot = d.to_settings().unwrap().pot.unwrap();
        assert_eq!((pot.cap_per_gift_cents, pot.cap_per_cohort_cents), (None, None));
        d.pot_on = false;
        d.funders.clear();
        assert_eq!(d.to_settings().unwrap().pot, None);
    }

    #[test]
    fn every_error_is_named_as_core_names_it() {
        let mut d = good();
        d.pot_name = "".into();
        d.funders[0].amount = "twaalf".into();
        d.funders[1].name = " ".into();
        d.per_euro = "0".into();
        d.cap_per_gift = "1,000".into();
        d.impact[0].value = "101".into();
        d.impact[1].label = "".into();
        d.impact[1].value = "1,5".into();
        d.impact[1].as_of = "1 januari".into();
        d.impact[1].source = "".into();
        assert_eq!(
            fields(d.to_settings()),
            [
                ("pot.funders[0].amount_cents".to_owned(), "format"),
                ("pot.cap_per_gift_cents".to_owned(), "format"),
                ("impact[1].value".to_owned(), "format"),
                ("pot.name".to_owned(), "required"),
                ("pot.funders[1].name".to_owned(), "required"),
                ("pot.ratio_bps".to_owned(), "out_of_range"),
                // Only the second funder's € 1.234,56 counted: the cap exceeds the pot.
                ("pot.cap_per_cohort_cents".to_owned(), "inconsistent"),
                ("impact[0].value".to_owned(), "out_of_range"),
                ("impact[1].label".to_owned(), "required"),
                ("impact[1].as_of".to_owned(), "format"),
                ("impact[1].source".to_owned(), "required"),
            ]
        );
        let e = d.to_settings().unwrap_err();
        assert_eq!(first_error_input(&e, 2, 2).as_deref(), Some("pg-pot-name"));
        let mut d = good();
        d.funders.clear();
        let e = d.to_settings().unwrap_err();
        assert!(e.iter().any(|e| e.field == "pot.funders"));
        assert_eq!(first_error_input(&e, 0, 2).as_deref(), Some("pg-funder-add"));
    }

    #[test]
    fn every_core_field_has_an_input() {
        for f in [
            "pot.name",
            "pot.funders[3].name",
            "pot.funders[3].amount_cents",
            "pot.ratio_bps",
            "pot.cap_per_gift_cents",
            "pot.cap_per_cohort_cents",
            "pot.pot_cents",
            "impact[0].kind",
            "impact[0].label",
            "impact[0].value",
            "impact[0].as_of",
            "impact[0].source",
        ] {
            let id = input_id(f).unwrap();
            assert!(form_order(4, 1).contains(&id), "{f} → {id}");
        }
    }
}
