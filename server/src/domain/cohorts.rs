//! Coordinators' changes to a cohort definition: the whole definition, a stakeholder,
//! the own contributions. Each edit is applied to the definition as stored at that
//! moment and validated with `cofund-core` before anything is written.

use super::{CohortDefinition, DomainError, DomainResult};
use cofund_core::{FieldError, Problem, Stakeholder};

/// Checks a definition sent for `slug` (the URL's; a definition without a slug takes
/// it, one with another slug is refused).
pub fn accept_definition(slug: Option<&str>, mut def: CohortDefinition) -> DomainResult<CohortDefinition> {
    if let Some(slug) = slug {
        if def.slug.is_empty() {
            def.slug = slug.to_owned();
        } else if def.slug != slug {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "slug",
                Problem::Inconsistent { with: "the URL".into() },
            )]));
        }
    }
    def.validate().map_err(DomainError::Invalid)?;
    Ok(def)
}

/// Adds the stakeholder or replaces the one with the same name. Returns whether it is new.
pub fn upsert_stakeholder(def: &mut CohortDefinition, s: Stakeholder) -> bool {
    match def.stakeholders.iter_mut().find(|x| x.name == s.name) {
        Some(existing) => {
            *existing = s;
            false
        }
        None => {
            def.stakeholders.push(s);
            true
        }
    }
}

/// A change of the own contributions (the admin API's body).
pub use cofund_core::admin::OwnContributionChange;

pub fn apply_own_contribution(
    def: &mut CohortDefinition,
    change: &OwnContributionChange,
) -> Result<(), Vec<FieldError>> {
    let own = &mut def.own_contributions;
    match (change.received, change.add) {
        (Some(n), None) => own.received = n,
        (None, Some(n)) => {
            own.received =
                own.received.checked_add(n).ok_or_else(|| vec![FieldError::new("add", Problem::Overflow)])?;
        }
        _ => {
            return Err(vec![FieldError::new(
                "received",
                Problem::Inconsistent { with: "add (give exactly one of received and add)".into() },
            )])
        }
    }
    Ok(())
}

/// An edit of a stored definition: applied by the storage inside its write transaction
/// to the definition as it is then, and validated here before it may be written.
pub type DefinitionEdit = Box<dyn FnOnce(&mut CohortDefinition) -> Result<(), Vec<FieldError>> + Send>;

/// Wraps `edit` so that the slug stays and the result is validated.
pub fn validated(slug: &str, edit: DefinitionEdit) -> DefinitionEdit {
    let slug = slug.to_owned();
    Box::new(move |def: &mut CohortDefinition| {
        edit(def)?;
        def.slug = slug;
        def.validate().map(|_| ())
    })
}
