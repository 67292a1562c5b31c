//! Programmes (issue 14): what coordinators set of a programme (its page, multiplier pot
//! and impact figures), the pot's state in each of its cohorts' documents and in the
//! programme document, and settlement statements.
//!
//! The pot is never spent in the database: each rendering allocates it anew with
//! [`cofund_core::pot::allocate`] over every pledge of the programme's cohorts by the
//! time of the pledge. Two instances that take the pot's last euro at the same moment
//! therefore cannot both give it: whoever renders next computes the same allocation
//! from the same pledges. What changes is which documents go stale: a pledge in one
//! cohort changes what the pot left for all of them, so a change of any cohort of a
//! programme that has a row here invalidates and publishes every cohort of it
//! ([`Cofund::programme_group`]), on this instance directly and on the others through
//! the announced slug (each instance widens it to the group itself).

use super::service::RenderedDocument;
use super::{sha256_hex, Cofund, DomainError, DomainResult};
use crate::domain::store::{CohortRevision, PledgeRow, PutOutcome, StoredProgramme};
use anyhow::Context;
use cofund_core::api::PledgeStatus;
use cofund_core::pot::{allocate, PotAllocation, PotDefinition, PotGift, PotHistory};
use cofund_core::programme::{programme_slug, ProgrammeSettings};
use cofund_core::rules::{Gift, GiftStatus, Setting};
use cofund_core::settlement::{funder_statements, settle, settle_pot, Ledger, ProgrammeSettlements, Settlement};
use cofund_core::{FieldError, Problem, Timestamp};
use std::sync::Arc;

/// The key of a programme's live events among the cohorts' (a cohort slug has no `:`).
pub const PROGRAMME_EVENTS: &str = "programme:";

/// How the rules see a pledge's status.
pub fn gift_status(s: PledgeStatus) -> GiftStatus {
    match s {
        PledgeStatus::Pledged => GiftStatus::Pledged,
        PledgeStatus::Received => GiftStatus::Received,
        PledgeStatus::Cancelled => GiftStatus::Cancelled,
    }
}

/// A cohort's pledges as gifts; `donors[i]` is pledge `i`'s backer key.
pub fn gifts<'a>(pledges: &[PledgeRow], donors: &'a [String]) -> Vec<Gift<'a>> {
    pledges
        .iter()
        .zip(donors)
        .map(|(p, donor)| Gift { amount_cents: p.amount_cents, at: p.created_at, status: gift_status(p.status), donor })
        .collect()
}

/// The cohorts of a programme that has a row, as one group: a change of any of them is
/// a change of all (see the module's description).
#[derive(Debug, Clone)]
pub struct ProgrammeGroup {
    pub programme: StoredProgramme,
    /// By slug.
    pub cohorts: Vec<CohortRevision>,
}

impl ProgrammeGroup {
    /// The revision of every document of the group: the sum of its cohorts' revisions
    /// and the programme's, so it grows with any change of any of them.
    pub fn revision(&self) -> i64 {
        self.cohorts.iter().fold(self.programme.revision, |a, c| a.saturating_add(c.revision))
    }
}

/// The pot allocated over a programme's cohorts, with each cohort's pledges.
pub struct PotReading {
    pub allocation: PotAllocation,
    /// The pot's use per cohort over time, from this allocation.
    pub history: PotHistory,
    /// `slugs[i]` is cohort `i` of the allocation.
    pub slugs: Vec<String>,
    /// Per cohort, its pledges in their order and, for each, what the pot gave it.
    pub pledges: Vec<Vec<(PledgeRow, i64)>>,
}

/// The pot allocated over a programme's cohorts, without the pledges: what documents show.
pub struct PotShares {
    pub allocation: PotAllocation,
    /// `slugs[i]` is cohort `i` of the allocation.
    pub slugs: Vec<String>,
}

/// The pot's state for one cohort's document (see [`Cofund::pot_for_document`]).
pub struct GroupReading {
    pub pot: Option<cofund_core::pot::PotState>,
    pub revision: i64,
    pub own_revision: i64,
}

/// One cohort's settlement statements (`GET /api/v1/admin/cohorts/{slug}/settlements`).
pub use cofund_core::admin::CohortSettlements;

impl Cofund {
    /// The programme group of cohort `slug`, if its programme has a row.
    pub async fn programme_group(&self, slug: &str) -> DomainResult<Option<ProgrammeGroup>> {
        let all = self.storage().cohort_revisions().await?;
        let Some(me) = all.iter().find(|c| c.slug == slug) else { return Ok(None) };
        let pslug = programme_slug(&me.programme);
        self.group_of(&pslug, all).await
    }

    /// The group of programme `pslug` among `all` cohorts, if the programme has a row.
    async fn group_of(&self, pslug: &str, all: Vec<CohortRevision>) -> DomainResult<Option<ProgrammeGroup>> {
        let Some(programme) = self.storage().get_programme(pslug).await? else { return Ok(None) };
        let cohorts = all.into_iter().filter(|c| programme_slug(&c.programme) == pslug).collect();
        Ok(Some(ProgrammeGroup { programme, cohorts }))
    }

    /// Programme `pslug`'s group and its pot; `404` for a programme without a row or
    /// without a pot.
    async fn group_with_pot(&self, pslug: &str) -> DomainResult<(ProgrammeGroup, PotDefinition)> {
        let all = self.storage().cohort_revisions().await?;
        let group = self.group_of(pslug, all).await?;
        match group.as_ref().and_then(|g| g.programme.settings.pot.clone()) {
            Some(pot) => Ok((group.expect("a group with a pot"), pot)),
            None => Err(DomainError::not_found(format!("The pot of programme {pslug:?}"))),
        }
    }

    /// The pot's use per cohort over time (`GET /api/v1/admin/programmes/{slug}/pot-history`),
    /// from the same allocation as the documents.
    pub async fn pot_history(&self, pslug: &str) -> DomainResult<PotHistory> {
        let (group, pot) = self.group_with_pot(pslug).await?;
        Ok(self.read_pot(&pot, &group).await?.history)
    }

    /// What each of the pot's funders owes for what the pot gave the programme's cohorts
    /// (`GET /api/v1/admin/programmes/{slug}/settlements`).
    pub async fn programme_settlements(&self, pslug: &str, now: Timestamp) -> DomainResult<ProgrammeSettlements> {
        let (group, pot) = self.group_with_pot(pslug).await?;
        let reading = self.read_pot(&pot, &group).await?;
        let currency = match group.cohorts.first() {
            Some(c) => self.cohort(&c.slug).await?.definition.currency,
            None => "EUR".to_owned(),
        };
        Ok(ProgrammeSettlements {
            programme: pslug.to_owned(),
            pot: pot.name.clone(),
            currency,
            computed_at: now.to_rfc3339(),
            pot_cents: pot.pot_cents,
            used_cents: reading.allocation.used_cents,
            funders: funder_statements(&pot, &reading.history.cohorts),
        })
    }

    /// The cohorts whose documents change with `slug`'s: its programme group, or itself.
    pub(super) async fn cohorts_changed_with(&self, slug: &str) -> (Option<String>, Vec<String>) {
        match self.programme_group(slug).await {
            Ok(Some(g)) => (Some(g.programme.slug.clone()), g.cohorts.into_iter().map(|c| c.slug).collect()),
            Ok(None) => {
                let programme = self
                    .storage()
                    .cohort_revisions()
                    .await
                    .ok()
                    .and_then(|all| all.into_iter().find(|c| c.slug == slug).map(|c| programme_slug(&c.programme)));
                (programme, vec![slug.to_owned()])
            }
            Err(e) => {
                tracing::warn!(slug, error = %e, "finding a cohort's programme failed; its siblings catch up within seconds");
                (None, vec![slug.to_owned()])
            }
        }
    }

    /// Allocates `pot` over the cohorts of `group` from their pledges as stored now.
    pub async fn read_pot(&self, pot: &PotDefinition, group: &ProgrammeGroup) -> DomainResult<PotReading> {
        let mut per_cohort = Vec::with_capacity(group.cohorts.len());
        for c in &group.cohorts {
            per_cohort.push(self.all_pledges(&c.slug).await?);
        }
        let donors: Vec<Vec<String>> =
            per_cohort.iter().map(|ps| ps.iter().map(|p| super::backer_key(&p.email)).collect()).collect();
        let mut all: Vec<PotGift> = Vec::new();
        for (i, (ps, ds)) in per_cohort.iter().zip(&donors).enumerate() {
            all.extend(gifts(ps, ds).into_iter().map(|gift| PotGift { cohort: i, gift }));
        }
        let allocation = allocate(&pot.rule(), group.cohorts.len(), &all);
        let slugs: Vec<String> = group.cohorts.iter().map(|c| c.slug.clone()).collect();
        let history = allocation.history(pot.pot_cents, &slugs, &all);
        let mut given = allocation.per_gift_cents.iter().copied();
        let pledges =
            per_cohort.into_iter().map(|ps| ps.into_iter().map(|p| (p, given.next().unwrap_or(0))).collect()).collect();
        Ok(PotReading { allocation, history, slugs, pledges })
    }

    /// The pot's allocation for `group` at its revision: from memory if this instance
    /// computed it at that revision already, else read from the pledges.
    pub async fn pot_shares(&self, pot: &PotDefinition, group: &ProgrammeGroup) -> DomainResult<Arc<PotShares>> {
        let revision = group.revision();
        let key = group.programme.slug.clone();
        if let Some((r, shares)) = self.pot_allocations.lock().expect("pot allocations").get(&key) {
            if *r == revision {
                return Ok(shares.clone());
            }
        }
        let reading = self.read_pot(pot, group).await?;
        let shares = Arc::new(PotShares { allocation: reading.allocation, slugs: reading.slugs });
        let mut cache = self.pot_allocations.lock().expect("pot allocations");
        if cache.get(&key).is_none_or(|(r, _)| *r <= revision) {
            cache.insert(key, (revision, shares.clone()));
        }
        Ok(shares)
    }

    /// The pot's state for cohort `slug`'s document, the group's revision (the
    /// document's) and the cohort's own revision in that reading; read until the group's
    /// revisions hold still over the reading (three tries). `None`: the programme has no
    /// row, the cohort's own revision is its document's.
    pub(super) async fn pot_for_document(&self, slug: &str) -> DomainResult<Option<GroupReading>> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let Some(group) = self.programme_group(slug).await? else { return Ok(None) };
            let own_revision = group.cohorts.iter().find(|c| c.slug == slug).map_or(0, |c| c.revision);
            let Some(pot) = group.programme.settings.pot.clone() else {
                return Ok(Some(GroupReading { pot: None, revision: group.revision(), own_revision }));
            };
            let reading = self.pot_shares(&pot, &group).await?;
            let index = reading.slugs.iter().position(|s| s == slug).unwrap_or(usize::MAX);
            let state = pot.state_for_cohort(&group.programme.slug, &reading.allocation, index);
            let again = self.programme_group(slug).await?;
            if attempts == 3 || again.as_ref().map(ProgrammeGroup::revision) == Some(group.revision()) {
                return Ok(Some(GroupReading { pot: Some(state), revision: group.revision(), own_revision }));
            }
        }
    }

    /// Every cohort document's current revision: its programme group's where its
    /// programme has a row, else its own (see [`ProgrammeGroup::revision`]).
    pub(super) async fn document_revisions(&self) -> DomainResult<std::collections::HashMap<String, i64>> {
        let all = self.storage().cohort_revisions().await?;
        let mut programmes: std::collections::HashMap<String, Option<i64>> = std::collections::HashMap::new();
        let mut sums: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        for c in &all {
            let p = programme_slug(&c.programme);
            if !programmes.contains_key(&p) {
                let revision = self.storage().get_programme(&p).await?.map(|p| p.revision);
                programmes.insert(p.clone(), revision);
            }
            let sum = sums.entry(p).or_insert(0);
            *sum = sum.saturating_add(c.revision);
        }
        Ok(all
            .into_iter()
            .map(|c| {
                let p = programme_slug(&c.programme);
                let revision = match programmes.get(&p).copied().flatten() {
                    Some(own) => own.saturating_add(sums.get(&p).copied().unwrap_or(0)),
                    None => c.revision,
                };
                (c.slug, revision)
            })
            .collect())
    }

    /// Creates or replaces a programme's settings, checked by `cofund-core` (errors name
    /// the field, nothing is stored); every cohort of it gets its new documents. With
    /// `expected_revision` (the `If-Match` of the admin API; 0 for a programme without a
    /// row yet) a programme changed since is refused `stale_revision`.
    pub async fn put_programme(
        &self,
        slug: &str,
        settings: ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> DomainResult<(PutOutcome, StoredProgramme)> {
        let mut errors = settings.validate().err().unwrap_or_default();
        if !settings.name.trim().is_empty() && programme_slug(&settings.name) != slug {
            errors
                .push(FieldError::new("name", Problem::Inconsistent { with: format!("the programme's slug {slug}") }));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        let outcome = self.storage().put_programme(slug, &settings, expected_revision, now).await?;
        let stored = self.storage().get_programme(slug).await?.context("a programme just stored")?;
        self.programme_changed_everywhere(slug).await?;
        Ok((outcome, stored))
    }

    /// The programme's settings as stored, or, for a programme that only its cohorts
    /// name, its name and page from them (revision 0, no pot, no figures).
    pub async fn programme_settings(&self, slug: &str) -> DomainResult<StoredProgramme> {
        if let Some(p) = self.storage().get_programme(slug).await? {
            return Ok(p);
        }
        let cohorts = self.cohorts().await?;
        let first = cohorts
            .iter()
            .find(|c| programme_slug(&c.definition.programme.name) == slug)
            .ok_or_else(|| DomainError::not_found(format!("Programme {slug:?}")))?;
        Ok(StoredProgramme {
            slug: slug.to_owned(),
            settings: ProgrammeSettings {
                name: first.definition.programme.name.clone(),
                url: first.definition.programme.url.clone(),
                pot: None,
                impact: Vec::new(),
            },
            revision: 0,
            updated_at: first.updated_at,
        })
    }

    /// The names under which cohorts of programme `slug` are stored (to check who may
    /// change it: access is granted by programme name).
    pub async fn programme_names(&self, slug: &str) -> DomainResult<Vec<String>> {
        let mut names: Vec<String> = self
            .storage()
            .cohort_revisions()
            .await?
            .into_iter()
            .map(|c| c.programme)
            .filter(|n| programme_slug(n) == slug)
            .collect();
        if let Some(p) = self.storage().get_programme(slug).await? {
            names.push(p.settings.name);
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// A programme's settings changed: every cohort of it and its programme stream, on
    /// every instance (announced through one of its cohorts, which each instance widens
    /// to the whole group).
    async fn programme_changed_everywhere(&self, slug: &str) -> DomainResult<()> {
        let cohorts: Vec<String> = self
            .storage()
            .cohort_revisions()
            .await?
            .into_iter()
            .filter(|c| programme_slug(&c.programme) == slug)
            .map(|c| c.slug)
            .collect();
        match cohorts.first() {
            Some(first) => self.changed(first).await,
            None => self.publish(&format!("{PROGRAMME_EVENTS}{slug}")).await,
        }
        Ok(())
    }

    /// The programme document with the pot's state and the impact figures added to what
    /// [`Cofund::programme_document`] builds from the cohorts' documents.
    pub(super) async fn programme_extras(
        &self,
        slug: &str,
        doc: &mut cofund_core::programme::ProgrammeDocument,
    ) -> DomainResult<Option<i64>> {
        let Some(first) = doc.cohorts.first() else { return Ok(None) };
        let Some(group) = self.programme_group(&first.slug).await? else { return Ok(None) };
        let settings = &group.programme.settings;
        doc.impact = settings.impact.clone();
        if settings.url.is_some() {
            doc.url = settings.url.clone();
        }
        if let Some(pot) = &settings.pot {
            let reading = self.pot_shares(pot, &group).await?;
            let mut state = pot.programme_state(slug, &reading.allocation, &reading.slugs);
            // In the order of the document's cohorts.
            state.per_cohort.sort_by_key(|s| doc.cohorts.iter().position(|c| c.slug == s.slug));
            doc.pot = Some(state);
        }
        Ok(Some(group.revision()))
    }

    /// Every stakeholder's settlement statement for cohort `slug`, and the pot's, from
    /// the same evaluation as the document (see `cofund_core::settlement`).
    pub async fn settlements(&self, slug: &str, now: Timestamp) -> DomainResult<CohortSettlements> {
        let cohort = self.cohort(slug).await?;
        let def = &cohort.definition;
        let pledges = self.all_pledges(slug).await?;
        let donors: Vec<String> = pledges.iter().map(|p| super::backer_key(&p.email)).collect();
        let ids: Vec<String> = pledges.iter().map(|p| p.id.clone()).collect();
        let gifts = gifts(&pledges, &donors);
        let closes_at = Timestamp::parse_rfc3339(&def.campaign.closes_at)
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("cohort {slug} has an unreadable close")))?;
        let setting = Setting {
            crowd_target_cents: cofund_core::progress::crowd_target_cents(def.budget_cents, def.crowd.target_share_bps),
            closes_at,
            now,
        };
        let ledger = Ledger { gifts: &gifts, pledges: &ids };
        let mut statements: Vec<Settlement> = def.stakeholders.iter().map(|s| settle(s, &setting, ledger)).collect();
        if let Some(group) = self.programme_group(slug).await? {
            if let Some(pot) = &group.programme.settings.pot {
                let reading = self.read_pot(pot, &group).await?;
                if let Some(i) = reading.slugs.iter().position(|s| s == slug) {
                    // The pot's reading of this cohort's pledges, in the same order.
                    let given: Vec<i64> = {
                        let by_id: std::collections::HashMap<&str, i64> =
                            reading.pledges[i].iter().map(|(p, g)| (p.id.as_str(), *g)).collect();
                        ids.iter().map(|id| by_id.get(id.as_str()).copied().unwrap_or(0)).collect()
                    };
                    statements.push(settle_pot(pot, ledger, &given));
                }
            }
        }
        Ok(CohortSettlements {
            cohort: slug.to_owned(),
            currency: def.currency.clone(),
            computed_at: now.to_rfc3339(),
            statements,
        })
    }

    /// The programme's live event: its revision and figures (no private data).
    pub(super) async fn programme_event(&self, slug: &str) -> DomainResult<super::live::ProgressEvent> {
        let doc = self.programme_document(slug).await?;
        programme_event_of(&doc)
    }
}

/// The event of a rendered programme document: totals, the pot and each cohort's crowd.
pub fn programme_event_of(doc: &RenderedDocument) -> DomainResult<super::live::ProgressEvent> {
    let v: serde_json::Value = serde_json::from_slice(&doc.body).map_err(|e| DomainError::Internal(e.into()))?;
    let cohorts: Vec<serde_json::Value> = v["cohorts"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    serde_json::json!({
                        "slug": c["slug"],
                        "pledged_cents": c["pledged_cents"],
                        "received_cents": c["received_cents"],
                        "backers": c["backers"],
                        "stakeholders_cents": c["stakeholders_cents"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let data = serde_json::json!({
        "slug": v["slug"],
        "revision": doc.revision,
        "totals": v["totals"],
        "pot": v.get("pot").cloned().unwrap_or(serde_json::Value::Null),
        "cohorts": cohorts,
    });
    Ok(super::live::ProgressEvent { revision: doc.revision, data: data.to_string() })
}

/// The ETag of a body, as cohort documents have it.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", &sha256_hex(body)[..32])
}
